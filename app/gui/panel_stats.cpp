#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "app/gui/panels.h"

namespace provena::gui {
namespace {

// Horizontal bars, the longest the widest: name on the left, count on the right.
template <typename Row, typename Name>
void bar_chart(const char* title, const std::vector<Row>& rows, Name name, ImU32 colour) {
  ImGui::TextUnformatted(title);
  if (rows.empty()) {
    ImGui::TextDisabled("  none");
    return;
  }
  int64_t top = 1;
  for (const auto& r : rows) top = std::max<int64_t>(top, r.records);
  const float label_w = 180, count_w = 70;
  const float bar_w = std::max(40.0f, ImGui::GetContentRegionAvail().x - label_w - count_w);
  const float h = ImGui::GetTextLineHeight();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (const auto& r : rows) {
    const std::string label = name(r);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::PushClipRect(p, ImVec2(p.x + label_w - 8, p.y + h), true);
    ImGui::TextUnformatted(label.empty() ? "(none)" : label.c_str());
    ImGui::PopClipRect();
    const float w = bar_w * static_cast<float>(r.records) / static_cast<float>(top);
    draw->AddRectFilled(ImVec2(p.x + label_w, p.y + 2), ImVec2(p.x + label_w + std::max(w, 1.0f), p.y + h - 1), colour, 2.0f);
    char count[32];
    std::snprintf(count, sizeof count, "%lld", static_cast<long long>(r.records));
    draw->AddText(ImVec2(p.x + label_w + bar_w + 6, p.y), ImGui::GetColorU32(ImGuiCol_Text), count);
  }
  ImGui::Spacing();
}

}  // namespace

void panel_stats(AppState& state, Services& services) {
  auto& st = state.stats;
  if (!st.loading && (st.stale || st.query != state.search.shown)) services.session.refresh_stats(state);
  ImGui::Text("Statistics for %s", state.search.shown.empty() ? "the whole library" : ("\"" + state.search.shown + "\"").c_str());
  if (st.loading) {
    ImGui::SameLine();
    ImGui::TextDisabled("(updating)");
  }
  if (!st.error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", st.error.c_str());
  auto keyword = [](const KeywordCount& k) { return k.keyword; };
  auto value = [](const UsageRow& u) { return u.value; };
  if (ImGui::BeginTable("charts", 2, ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableNextColumn();
    bar_chart("Top keywords (prompt)", st.positive, keyword, IM_COL32(90, 170, 255, 255));
    bar_chart("Models", st.models, value, IM_COL32(120, 200, 120, 255));
    ImGui::TableNextColumn();
    bar_chart("Top keywords (negative prompt)", st.negative, keyword, IM_COL32(255, 130, 110, 255));
    bar_chart("Tools", st.tools, value, IM_COL32(200, 170, 90, 255));
    bar_chart("Samplers", st.samplers, value, IM_COL32(170, 130, 220, 255));
    ImGui::EndTable();
  }
}

}  // namespace provena::gui
