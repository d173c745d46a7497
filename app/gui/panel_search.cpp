#include <imgui.h>
#include <imgui_internal.h>  // ClearActiveID
#include <imgui_stdlib.h>

#include "app/gui/panels.h"
#include "app/gui/widgets.h"

namespace provena::gui {

void panel_search(AppState& state, Services& services) {
  auto& s = state.search;
  // A filter or button changed the text: an active input keeps its own copy and would
  // write it back, so it lets go (and takes the keyboard again).
  if (s.text != s.drawn && ImGui::GetActiveID() == ImGui::GetID("##search")) {
    ImGui::ClearActiveID();
    s.focus_request = true;
  }
  if (s.focus_request) {
    ImGui::SetKeyboardFocusHere();
    s.focus_request = false;
  }
  ImGui::SetNextItemWidth(-1);
  const bool enter = ImGui::InputTextWithHint("##search", "search: words, \"phrases\", seed:42, steps:>=20, model:..., -exclude",
                                              &s.text, ImGuiInputTextFlags_EnterReturnsTrue);
  s.drawn = s.text;
  const float field_x = ImGui::GetItemRectMin().x + ImGui::GetStyle().FramePadding.x;
  if (ImGui::IsItemEdited()) s.edited_at = ImGui::GetTime();
  if (enter || (s.edited_at >= 0 && ImGui::GetTime() - s.edited_at >= kSearchDebounce)) {
    s.edited_at = -1;
    if (s.text != s.shown || enter) services.session.search(state, s.text);
  }
  if (!s.error.empty()) {
    // A caret under the column the parser stopped at, then its message.
    if (s.error_column > 0 && static_cast<size_t>(s.error_column) <= s.text.size() + 1) {
      const float x = ImGui::CalcTextSize(s.text.c_str(), s.text.c_str() + (s.error_column - 1)).x;
      ImGui::SetCursorScreenPos(ImVec2(field_x + x - ImGui::CalcTextSize("^").x / 2, ImGui::GetCursorScreenPos().y));
      ImGui::TextColored(kErrorColour, "^");
    }
    ImGui::TextColored(kErrorColour, "%s", s.error.c_str());
  }
}

}  // namespace provena::gui
