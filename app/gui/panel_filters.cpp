#include <imgui.h>
#include <imgui_stdlib.h>

#include <utility>

#include "app/gui/panels.h"
#include "app/gui/query_terms.h"
#include "app/gui/widgets.h"

namespace provena::gui {
namespace {

void apply(AppState& state, Services& services, const char* field, const std::string& value) {
  state.search.text = with_field_term(state.search.text, field, value);
  state.search.edited_at = -1;
  services.session.search(state, state.search.text);
}

// A combo over the library's values of one field; "any" removes the term.
void choice(AppState& state, Services& services, const char* label, const char* field,
            const std::vector<UsageRow>& rows) {
  const std::string current = field_term(state.search.text, field);
  ImGui::TextDisabled("%s", label);
  ImGui::SetNextItemWidth(-1);
  ImGui::PushID(field);
  if (ImGui::BeginCombo("##combo", current.empty() ? "any" : current.c_str())) {
    if (ImGui::Selectable("any", current.empty())) apply(state, services, field, "");
    for (const auto& row : rows) {
      if (row.value.empty()) continue;  // records without the field
      const std::string item = row.value + "  (" + std::to_string(row.records) + ")";
      if (ImGui::Selectable(item.c_str(), row.value == current)) apply(state, services, field, row.value);
    }
    ImGui::EndCombo();
  }
  ImGui::PopID();
}

}  // namespace

void panel_filters(AppState& state, Services& services) {
  auto& f = state.filters;
  if (f.stale) services.session.refresh_filters(state);
  ImGui::TextUnformatted("Filters");
  ImGui::Separator();
  choice(state, services, "Tool", "tool", f.tools);
  choice(state, services, "Model", "model", f.models);
  choice(state, services, "Sampler", "sampler", f.samplers);
  choice(state, services, "Size", "size", f.sizes);

  // Dates as typed; the term follows the search text unless a date field is being edited.
  const std::string term = field_term(state.search.text, "date");
  ImGui::TextDisabled("Made from / to");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##from", "YYYY-MM-DD", &f.date_from);
  const bool from_done = ImGui::IsItemDeactivatedAfterEdit();
  const bool editing = ImGui::IsItemActive();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##to", "YYYY-MM-DD", &f.date_to);
  const bool to_done = ImGui::IsItemDeactivatedAfterEdit();
  if (from_done || to_done) {
    apply(state, services, "date", date_range_value(f.date_from, f.date_to));
  } else if (!editing && !ImGui::IsItemActive() && term != date_range_value(f.date_from, f.date_to)) {
    const size_t dots = term.find("..");
    f.date_from = dots == std::string::npos ? term : term.substr(0, dots);
    f.date_to = dots == std::string::npos ? term : term.substr(dots + 2);
  }
  // The order, as a sort: term too ("" = newest imported first, the default).
  static constexpr std::pair<const char*, const char*> kSorts[] = {
      {"", "newest imported"}, {"date", "newest made"}, {"date:asc", "oldest made"}, {"seed", "seed"},
      {"steps", "steps"},      {"cfg", "guidance"},     {"relevance", "best match"}};
  const std::string sort = field_term(state.search.text, "sort");
  const char* shown = sort.c_str();
  for (const auto& [term, label] : kSorts)
    if (sort == term) shown = label;
  ImGui::TextDisabled("Order");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##sort", shown)) {
    for (const auto& [term, label] : kSorts)
      if (ImGui::Selectable(label, sort == term)) apply(state, services, "sort", term);
    ImGui::EndCombo();
  }
  ImGui::Spacing();
  if (ImGui::Button("Clear filters", ImVec2(-1, 0))) {
    std::string text = state.search.text;
    for (const char* field : {"tool", "model", "sampler", "size", "date"}) text = with_field_term(text, field, "");
    f.date_from.clear();
    f.date_to.clear();
    state.search.text = text;
    services.session.search(state, text);
  }
  ImGui::Spacing();
  ImGui::TextDisabled("Filters are search terms:");
  ImGui::TextDisabled("edit them in the search bar.");
}

}  // namespace provena::gui
