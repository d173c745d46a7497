// The template editor's text fields: a template's slot values as "slot = a | b | c" lines
// and its parameters as "key = value" lines (a literal '|' in a value is written "\|").
// Pure text functions, no ImGui.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace provena::gui {

using SlotValues = std::map<std::string, std::vector<std::string>>;
using TemplateParams = std::vector<std::pair<std::string, std::string>>;

std::string slots_to_text(const SlotValues& slots);
// Errors name the line. Blank lines and lines starting with '#' are skipped.
Result<SlotValues> slots_from_text(std::string_view text);
std::string params_to_text(const TemplateParams& params);
Result<TemplateParams> params_from_text(std::string_view text);

}  // namespace provena::gui
