#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "app/gui/panels.h"

namespace provena::gui {

void panel_generate(AppState& state, Services& services) {
  auto& g = state.generate;
  ImGui::TextDisabled("The embedded model draws shapes in colours at places, from English or Chinese prompts.");
  ImGui::Text("Prompt");
  ImGui::InputTextMultiline("##prompt", &g.prompt, ImVec2(-1, ImGui::GetTextLineHeight() * 4));
  ImGui::Text("Negative prompt");
  ImGui::InputTextMultiline("##negative", &g.negative, ImVec2(-1, ImGui::GetTextLineHeight() * 2.5f));
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
    ImGui::BeginDisabled(g.prompt.empty() || state.reproduce.running);
    if (ImGui::Button("Generate", ImVec2(140, 0))) services.session.generate(state);
    ImGui::EndDisabled();
  }
  if (!g.error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", g.error.c_str());
  if (!g.made.empty() && !g.running) {
    ImGui::Text("Made %zu image%s (seed %lld...), indexed and shown in the Library tab.", g.made.size(),
                g.made.size() == 1 ? "" : "s", static_cast<long long>(g.seed));
  }
}

}  // namespace provena::gui
