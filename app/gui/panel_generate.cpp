#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/gui/panels.h"
#include "app/gui/widgets.h"

namespace provena::gui {

namespace {

const PromptTemplate* find(const std::vector<PromptTemplate>& list, const std::string& name) {
  for (const auto& t : list)
    if (t.name == name) return &t;
  return nullptr;
}

// Picking a template takes its default steps and guidance, when it has them.
void take_params(GenerateState& g, const PromptTemplate& t) {
  for (const auto& [key, value] : t.params) {
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end) continue;
    if (key == "steps") g.steps = std::clamp(static_cast<int>(v), 1, 50);
    if (key == "cfg" || key == "cfg_scale" || key == "guidance") g.cfg = std::clamp(static_cast<float>(v), 1.0f, 12.0f);
  }
}

// The template picker; with a template, its text (coloured) and one field per slot.
void template_picker(AppState& state, Services& services) {
  auto& g = state.generate;
  auto& t = state.templates;
  if (t.stale) services.session.refresh_templates(state);
  ImGui::SetNextItemWidth(300);
  if (ImGui::BeginCombo("Template", g.template_name.empty() ? "none: the prompt below" : g.template_name.c_str())) {
    if (ImGui::Selectable("none: the prompt below", g.template_name.empty())) g.template_name.clear();
    for (const auto& tpl : t.list) {
      if (!ImGui::Selectable(tpl.name.c_str(), tpl.name == g.template_name)) continue;
      g.template_name = tpl.name;
      g.slot_values.clear();
      take_params(g, tpl);
    }
    ImGui::EndCombo();
  }
  if (g.template_name.empty()) return;
  const PromptTemplate* tpl = find(t.list, g.template_name);
  if (!tpl) {
    if (!t.loading) ImGui::TextDisabled("(loading templates...)");
    return;
  }
  draw_template_text(tpl->prompt);
  if (!tpl->negative.empty()) {
    ImGui::TextDisabled("negative:");
    ImGui::SameLine();
    draw_template_text(tpl->negative);
  }
  std::vector<std::string> slots;
  for (const std::string* text : {&tpl->prompt, &tpl->negative})
    if (auto syntax = check_template(*text))
      for (const auto& name : syntax->slots)
        if (std::find(slots.begin(), slots.end(), name) == slots.end()) slots.push_back(name);
  for (const auto& name : slots) {
    std::string hint;
    if (auto it = tpl->slots.find(name); it != tpl->slots.end())
      for (size_t i = 0; i < it->second.size() && hint.size() < 60; ++i) hint += (i ? " | " : "any of: ") + it->second[i];
    ImGui::SetNextItemWidth(300);
    ImGui::InputTextWithHint(("{" + name + "}").c_str(), hint.empty() ? "a value (a|b: one of these)" : hint.c_str(),
                             &g.slot_values[name]);
  }
  ImGui::TextDisabled("Each image gets its own expansion; empty slots pick from the template's values.");
}

// A combo over fixed choices; true when the value changed.
bool choice_combo(const char* label, std::string& value, const std::vector<std::string>& choices, float width) {
  bool changed = false;
  ImGui::SetNextItemWidth(width);
  if (ImGui::BeginCombo(label, value.c_str())) {
    for (const auto& c : choices)
      if (ImGui::Selectable(c.c_str(), c == value)) value = c, changed = true;
    ImGui::EndCombo();
  }
  return changed;
}

// Sampler, schedule, size and CLIP skip for a Stable Diffusion 1.x checkpoint.
void sd1_settings(GenerateState& g) {
  choice_combo("Sampler", g.sampler, {"Euler", "Euler a", "Heun", "DPM++ 2M", "DPM++ 2M SDE", "DDIM"}, 160);
  ImGui::SameLine();
  ImGui::BeginDisabled(g.sampler == "DDIM");  // DDIM has its own timesteps
  choice_combo("Schedule", g.schedule, {"karras", "discrete"}, 120);
  ImGui::EndDisabled();
  ImGui::SameLine();
  std::string size = std::to_string(g.width) + "x" + std::to_string(g.height);
  if (choice_combo("Size", size, {"512x512", "512x768", "768x512", "640x640", "384x384", "256x256"}, 120))
    std::sscanf(size.c_str(), "%dx%d", &g.width, &g.height);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(100);
  ImGui::SliderInt("CLIP skip", &g.clip_skip, 1, 4);
}

// The models found, and either the family's choices (SD 1.x) or what it fixes (tiny-flow).
void model_picker(AppState& state, Services& services) {
  auto& g = state.generate;
  if (g.models_stale) services.session.refresh_models(state);
  std::string current = "embedded (tiny-flow)";
  for (const auto& m : g.models)
    if (m.path == g.model_dir && !m.embedded) current = m.name;
  ImGui::SetNextItemWidth(300);
  if (ImGui::BeginCombo("Model", current.c_str())) {
    for (const auto& m : g.models) {
      const std::string label = m.name + (m.embedded ? " (embedded)" : "") + "  [" + m.family + "]  " + m.hash;
      if (ImGui::Selectable(label.c_str(), m.path == g.model_dir || (m.embedded && g.model_dir.empty())))
        choose_model(g, m.embedded ? "" : m.path, m.family);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.path.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(g.models_scanning);
  if (ImGui::Button("Scan models")) services.session.scan_models(state);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Registers the checkpoints in $PROVENA_MODELS and LIBRARY/models (like provena models scan)");
  ImGui::SameLine();
  ImGui::TextDisabled("%s", g.models_note.empty() ? "models: the embedded one, $PROVENA_MODELS, LIBRARY/models"
                                                   : g.models_note.c_str());
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("Noise", g.noise.c_str())) {
    if (ImGui::Selectable("cpu", g.noise == "cpu")) g.noise = "cpu";
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("torch's CPU generator: what ComfyUI and diffusers give for a seed");
    if (ImGui::Selectable("philox", g.noise == "philox")) g.noise = "philox";
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("torch's CUDA generator, computed on the CPU: A1111's \"NV\" source");
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (g.model_family == "sd1") sd1_settings(g);
  else ImGui::TextDisabled("sampler Euler on the flow schedule, 64x64: fixed by the tiny-flow family");
}

}  // namespace

void choose_model(GenerateState& g, const std::string& path, const std::string& family) {
  g.model_dir = path;
  if (family == g.model_family) return;
  g.model_family = family;
  g.steps = family == "sd1" ? 20 : 8;
  g.cfg = family == "sd1" ? 7.0f : 2.0f;
}

void panel_generate(AppState& state, Services& services) {
  auto& g = state.generate;
  if (g.model_family == "sd1")
    ImGui::TextDisabled("Stable Diffusion 1.x: A1111's prompt syntax ((word:1.2), [word], BREAK) and sampler names.");
  else
    ImGui::TextDisabled("The embedded model draws shapes in colours at places, from English or Chinese prompts.");
  template_picker(state, services);
  if (g.template_name.empty()) {
    ImGui::Text("Prompt");
    ImGui::InputTextMultiline("##prompt", &g.prompt, ImVec2(-1, ImGui::GetTextLineHeight() * 4));
    ImGui::Text("Negative prompt");
    ImGui::InputTextMultiline("##negative", &g.negative, ImVec2(-1, ImGui::GetTextLineHeight() * 2.5f));
  }
  model_picker(state, services);
  ImGui::PushItemWidth(160);
  ImGui::BeginDisabled(g.random_seed);
  ImGui::InputScalar("Seed", ImGuiDataType_S64, &g.seed);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::Checkbox("Random", &g.random_seed);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A new seed for every run (off: the seed stays locked)");
  ImGui::SliderInt("Steps", &g.steps, 1, 50);
  ImGui::SliderFloat("Guidance", &g.cfg, 1.0f, 12.0f, "%.1f");
  ImGui::SliderInt("Images", &g.count, 1, 16);
  ImGui::PopItemWidth();
  g.seed = std::max<int64_t>(0, g.seed);

  ImGui::Spacing();
  if (g.running) {
    ImGui::ProgressBar(static_cast<float>(services.session.job_progress()), ImVec2(300, 0), "generating...");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) services.session.cancel_jobs();
  } else {
    ImGui::BeginDisabled((g.prompt.empty() && g.template_name.empty()) || state.reproduce.running);
    if (ImGui::Button("Generate", ImVec2(140, 0))) services.session.generate(state);
    ImGui::EndDisabled();
  }
  if (!g.error.empty()) ImGui::TextColored(kErrorColour, "%s", g.error.c_str());
  if (!g.made.empty() && !g.running) {
    ImGui::Text("Made %zu image%s (seed %lld...), indexed and shown in the Library tab.", g.made.size(),
                g.made.size() == 1 ? "" : "s", static_cast<long long>(g.seed));
  }
}

}  // namespace provena::gui
