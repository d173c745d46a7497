#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>

#include "app/gui/panels.h"
#include "app/gui/widgets.h"

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

constexpr ImU32 kSeriesColours[] = {IM_COL32(90, 170, 255, 255), IM_COL32(255, 130, 110, 255), IM_COL32(120, 200, 120, 255),
                                   IM_COL32(200, 170, 90, 255), IM_COL32(170, 130, 220, 255)};

// Share of the period's records holding each keyword, one line per keyword, periods in
// order along x (the union of all series' periods).
void trend_chart(const StatsState& st) {
  std::vector<std::string> periods;
  for (const auto& [k, points] : st.trends)
    for (const auto& p : points) periods.push_back(p.period);
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  const ImVec2 size(ImGui::GetContentRegionAvail().x, 180);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRect(p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetColorU32(ImGuiCol_Border));
  ImGui::Dummy(size);
  if (periods.empty()) return;
  auto x_of = [&](const std::string& period) {
    const size_t i = static_cast<size_t>(std::lower_bound(periods.begin(), periods.end(), period) - periods.begin());
    return p0.x + 8 + (size.x - 16) * (periods.size() == 1 ? 0.5f : static_cast<float>(i) / (periods.size() - 1));
  };
  for (size_t k = 0; k < st.trends.size(); ++k) {
    const ImU32 colour = kSeriesColours[k % 5];
    ImVec2 last(-1, -1);
    for (const auto& p : st.trends[k].second) {
      const float share = p.total > 0 ? static_cast<float>(p.records) / static_cast<float>(p.total) : 0.0f;
      const ImVec2 at(x_of(p.period), p0.y + size.y - 6 - (size.y - 12) * share);
      if (last.x >= 0) draw->AddLine(last, at, colour, 2.0f);
      draw->AddCircleFilled(at, 3.0f, colour);
      last = at;
    }
  }
  ImGui::TextDisabled("%s", periods.front().c_str());
  ImGui::SameLine(std::max(0.0f, size.x - ImGui::CalcTextSize(periods.back().c_str()).x));
  ImGui::TextDisabled("%s", periods.back().c_str());
  for (size_t k = 0; k < st.trends.size(); ++k) {
    if (k > 0) ImGui::SameLine();
    const ImVec4 c = ImGui::ColorConvertU32ToFloat4(kSeriesColours[k % 5]);
    ImGui::TextColored(c, "%s", st.trends[k].first.c_str());
  }
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
  if (!st.error.empty()) ImGui::TextColored(kErrorColour, "%s", st.error.c_str());
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

  // Keywords over time (share of each period's images), and what the first one goes with.
  ImGui::Separator();
  ImGui::Text("Trend");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(320);
  ImGui::InputTextWithHint("##trend", "keywords, comma-separated", &st.trend_keywords);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(100);
  ImGui::Combo("##bucket", &st.trend_bucket, "per day\0per week\0per month\0");
  if (trend_request_key(st, state.search.shown) != st.trend_for) services.session.refresh_trends(state);
  trend_chart(st);
  const auto& co = st.cooccurrence;
  if (!co.pairs.empty() && ImGui::BeginTable("cooccur", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn(("used with \"" + co.keyword + "\"").c_str());
    ImGui::TableSetupColumn("together");
    ImGui::TableSetupColumn("its images");
    ImGui::TableSetupColumn("lift");
    ImGui::TableHeadersRow();
    for (const auto& p : co.pairs) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.keyword.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(p.together));
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(p.records));
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", p.lift);
    }
    ImGui::EndTable();
  }
}

}  // namespace provena::gui
