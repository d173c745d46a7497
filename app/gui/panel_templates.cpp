#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/panels.h"
#include "app/gui/template_form.h"
#include "app/gui/widgets.h"

namespace provena::gui {
namespace {

ImVec4 span_colour(TemplateSpanKind kind) {
  switch (kind) {
    case TemplateSpanKind::kSlot: return ImVec4(0.45f, 0.75f, 1, 1);
    case TemplateSpanKind::kChoice: return ImVec4(1, 0.7f, 0.3f, 1);
    case TemplateSpanKind::kWildcard: return ImVec4(0.5f, 0.9f, 0.5f, 1);
    case TemplateSpanKind::kError: return kErrorColour;
    case TemplateSpanKind::kText: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

// Load a stored template into the editor.
void edit(TemplatesState& t, const PromptTemplate& tpl) {
  t.selected = tpl.name;
  t.name = tpl.name;
  t.prompt = tpl.prompt;
  t.negative = tpl.negative;
  t.slots_text = slots_to_text(tpl.slots);
  t.params_text = params_to_text(tpl.params);
  t.dirty = false;
  t.error.clear();
  t.message.clear();
}

// The preview: how many prompts the editor's template makes, and a few of them.
void update_preview(TemplatesState& t) {
  const std::string key = t.prompt + '\0' + t.negative + '\0' + t.slots_text + '\0' + std::to_string(t.preview_seed);
  if (key == t.preview_for) return;
  t.preview_for = key;
  t.preview.clear();
  t.preview_error.clear();
  t.combinations = -1;
  PromptTemplate tpl;
  tpl.prompt = t.prompt;
  tpl.negative = t.negative;
  auto slots = slots_from_text(t.slots_text);
  if (!slots) {
    t.preview_error = slots.error().message;
    return;
  }
  tpl.slots = std::move(*slots);
  if (tpl.prompt.empty()) return;
  ExpandOptions o;
  o.cap = 1000;  // counted exactly up to here; more is "more than 1000"
  if (auto all = expand_all(tpl, t.wildcards, o)) t.combinations = static_cast<int64_t>(all->size());
  auto some = expand_random(tpl, t.wildcards, o, 5, t.preview_seed);
  if (some) t.preview = std::move(*some);
  else t.preview_error = some.error().message;
}

void template_list(AppState& state, Services& services) {
  auto& t = state.templates;
  if (ImGui::Button("New template", ImVec2(-1, 0))) {
    edit(t, PromptTemplate{});
    t.selected.clear();
  }
  ImGui::Spacing();
  if (t.list.empty() && !t.loading) ImGui::TextDisabled("No templates yet.");
  for (const auto& tpl : t.list) {
    const std::string label = tpl.name + "  v" + std::to_string(tpl.version);
    if (ImGui::Selectable(label.c_str(), t.selected == tpl.name)) edit(t, tpl);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tpl.prompt.c_str());
  }
  ImGui::Spacing();
  heading("Suggestions");
  ImGui::TextWrapped("Recurring prompt patterns in the current search%s.",
                     state.search.shown.empty() ? " (the whole library)" : "");
  ImGui::BeginDisabled(t.suggestions_loading);
  if (ImGui::Button(t.suggestions_loading ? "Looking..." : "Suggest from history", ImVec2(-1, 0)))
    services.session.suggest_templates(state);
  ImGui::EndDisabled();
  for (size_t i = 0; i < t.suggestions.size(); ++i) {
    const auto& s = t.suggestions[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::Separator();
    ImGui::TextWrapped("%s", s.prompt.c_str());
    std::string values;
    for (size_t v = 0; v < s.values.size() && v < 4; ++v) values += (v ? ", " : "") + s.values[v].first;
    ImGui::TextDisabled("%lld images; {subject}: %s%s", static_cast<long long>(s.records), values.c_str(),
                        s.values.size() > 4 ? ", ..." : "");
    if (ImGui::SmallButton("Use")) {
      PromptTemplate tpl;
      tpl.name = "suggestion-" + std::to_string(i + 1);
      tpl.prompt = s.prompt;
      for (const auto& [value, count] : s.values) tpl.slots["subject"].push_back(value);
      edit(t, tpl);
      t.selected.clear();  // a new template until saved
      t.dirty = true;
    }
    ImGui::PopID();
  }
  if (!t.suggestions_loading && !t.suggestions_for.empty() && t.suggestions.empty())
    ImGui::TextDisabled("No recurring patterns found.");
}

void editor(AppState& state, Services& services) {
  auto& t = state.templates;
  bool changed = false;
  ImGui::Text("Name");
  ImGui::SetNextItemWidth(300);
  changed |= ImGui::InputText("##name", &t.name);
  ImGui::Text("Prompt");
  ImGui::SameLine();
  ImGui::TextDisabled("  {slot}  {a|b} choices  __wildcard__");
  changed |= ImGui::InputTextMultiline("##prompt", &t.prompt, ImVec2(-1, ImGui::GetTextLineHeight() * 4));
  if (!t.prompt.empty()) draw_template_text(t.prompt);
  auto syntax = check_template(t.prompt);
  if (!syntax) error_text("prompt: " + syntax.error().message);
  ImGui::Text("Negative prompt");
  changed |= ImGui::InputTextMultiline("##negative", &t.negative, ImVec2(-1, ImGui::GetTextLineHeight() * 2.5f));
  if (!t.negative.empty()) draw_template_text(t.negative);
  auto neg_syntax = check_template(t.negative);
  if (!neg_syntax) error_text("negative: " + neg_syntax.error().message);
  ImGui::Text("Slot values");
  ImGui::SameLine();
  ImGui::TextDisabled("  one line per slot: subject = cat | red fox | owl");
  changed |= ImGui::InputTextMultiline("##slots", &t.slots_text, ImVec2(-1, ImGui::GetTextLineHeight() * 3.5f));
  if (syntax) {
    // Slots the prompt uses but the list does not fill: expansion needs a value for each.
    auto slots = slots_from_text(t.slots_text);
    std::vector<std::string> used = syntax->slots;
    if (neg_syntax) used.insert(used.end(), neg_syntax->slots.begin(), neg_syntax->slots.end());
    for (const auto& name : used)
      if (slots && (!slots->count(name) || slots->at(name).empty()))
        ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "{%s} has no values yet", name.c_str());
  }
  ImGui::Text("Parameters");
  ImGui::SameLine();
  ImGui::TextDisabled("  key = value per line, e.g. steps = 20");
  changed |= ImGui::InputTextMultiline("##params", &t.params_text, ImVec2(-1, ImGui::GetTextLineHeight() * 2.5f));
  if (changed) {
    t.dirty = true;
    t.message.clear();
  }

  const bool valid = syntax && neg_syntax && !t.name.empty() && !t.prompt.empty();
  ImGui::BeginDisabled(!valid || !t.dirty || t.saving);
  if (ImGui::Button(t.saving ? "Saving..." : "Save", ImVec2(100, 0))) services.session.save_template(state);
  ImGui::EndDisabled();
  if (!t.selected.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("Delete", ImVec2(100, 0))) services.session.remove_template(state, t.selected);
    ImGui::SameLine();
    ImGui::BeginDisabled(t.dirty || state.generate.running);
    if (ImGui::Button("Generate from template", ImVec2(200, 0))) {
      auto& g = state.generate;
      g.template_name = t.selected;
      g.slot_values.clear();
      state.tab_request = Tab::kGenerate;
    }
    ImGui::EndDisabled();
    if (t.dirty && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Save it first");
  }
  if (!t.error.empty()) error_text(t.error);
  if (!t.message.empty()) ImGui::TextColored(kGoodColour, "%s", t.message.c_str());

  heading("Preview");
  update_preview(t);
  if (!t.preview_error.empty()) {
    error_text(t.preview_error);
  } else if (!t.preview.empty()) {
    if (t.combinations >= 0) ImGui::Text("%lld different prompts", static_cast<long long>(t.combinations));
    else ImGui::Text("more than 1000 different prompts");
    ImGui::SameLine();
    if (ImGui::SmallButton("Shuffle")) ++t.preview_seed;
    for (const auto& e : t.preview) {
      ImGui::Bullet();
      ImGui::TextWrapped("%s", e.prompt.c_str());
      if (!e.negative.empty()) ImGui::TextDisabled("    negative: %s", e.negative.c_str());
    }
  }
}

}  // namespace

void draw_template_text(const std::string& text) {
  // Word by word, so the coloured text wraps at the panel's edge like TextWrapped.
  const float left = ImGui::GetCursorPosX();
  const float right = left + ImGui::GetContentRegionAvail().x;
  float x = left;
  ImGui::BeginGroup();
  for (const auto& span : template_spans(text)) {
    ImGui::PushStyleColor(ImGuiCol_Text, span_colour(span.kind));
    size_t i = span.begin;
    while (i < span.end) {
      size_t j = i;
      if (text[j] == '\n') {
        x = left;  // the next piece starts a line
        i = j + 1;
        continue;
      }
      while (j < span.end && text[j] != ' ' && text[j] != '\n') ++j;
      while (j < span.end && text[j] == ' ') ++j;
      const char* b = text.data() + i;
      const char* e = text.data() + j;
      const float w = ImGui::CalcTextSize(b, e).x;
      if (x > left) {
        if (x + w > right) x = left;
        else ImGui::SameLine(0, 0);
      }
      ImGui::TextUnformatted(b, e);
      x += w;
      i = j;
    }
    ImGui::PopStyleColor();
  }
  ImGui::EndGroup();
}

void panel_templates(AppState& state, Services& services) {
  auto& t = state.templates;
  if (t.stale) services.session.refresh_templates(state);
  // A template chosen elsewhere (provena gui --template NAME) opens once the list is in.
  if (!t.selected.empty() && t.name != t.selected && !t.dirty)
    for (const auto& tpl : t.list)
      if (tpl.name == t.selected) edit(t, tpl);
  ImGui::BeginChild("template-list", ImVec2(260, 0), true);
  template_list(state, services);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("template-editor", ImVec2(0, 0), true);
  editor(state, services);
  ImGui::EndChild();
}

}  // namespace provena::gui
