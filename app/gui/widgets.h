// Small drawing helpers the panels share.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>

namespace provena::gui {

inline const ImVec4 kErrorColour(1, 0.45f, 0.4f, 1);
inline const ImVec4 kGoodColour(0.4f, 0.9f, 0.5f, 1);
inline const ImVec4 kWarningColour(0.95f, 0.75f, 0.3f, 1);

// A message in the error colour, wrapped to the panel.
void error_text(const std::string& message);
// A section heading: a little space, the title, a line.
void heading(const char* title);
// "2026-01-31 12:00:00 UTC"
std::string utc(int64_t unix_seconds);

}  // namespace provena::gui
