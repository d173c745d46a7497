#include "app/gui/widgets.h"

#include "core/text.h"

namespace provena::gui {

void error_text(const std::string& message) {
  ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  ImGui::TextWrapped("%s", message.c_str());
  ImGui::PopStyleColor();
}

void heading(const char* title) {
  ImGui::Spacing();
  ImGui::TextUnformatted(title);
  ImGui::Separator();
}

std::string utc(int64_t unix_seconds) { return format_utc(unix_seconds, "%Y-%m-%d %H:%M:%S UTC"); }

}  // namespace provena::gui
