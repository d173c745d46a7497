#include <imgui.h>

#include <cfloat>
#include <imgui_internal.h>  // the log buffer, for draw_app's text

#include "app/gui/panels.h"

namespace provena::gui {

void create_headless_context(float width, float height) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(width, height);
  io.DeltaTime = 1.0f / 60;
  io.IniFilename = nullptr;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the font atlas, as a renderer would
}

void destroy_headless_context() { ImGui::DestroyContext(); }

void headless_frame(AppState& state, Services& services, const FrameInput& input, std::string* text) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = input.mouse_x < 0 ? ImVec2(-FLT_MAX, -FLT_MAX) : ImVec2(input.mouse_x, input.mouse_y);
  io.MouseWheel = input.wheel;
  ImGui::NewFrame();
  draw_app(state, services, text);
  ImGui::Render();
  io.MouseWheel = 0;
}

void draw_app(AppState& state, Services& services, std::string* text) {
  services.session.poll();
  if (services.thumbnails) services.thumbnails->poll();
  if (state.search.shown.empty() && state.gallery.generation == 0) services.session.search(state, "");

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings;
  ImGui::Begin("Provena", nullptr, flags);
  if (text) ImGui::LogToBuffer();  // ends with this window (ImGui::End stops the log)
  panel_search(state, services);
  if (ImGui::BeginTabBar("tabs")) {
    auto flags_for = [&](Tab t) {
      return state.tab_request == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
    };
    const ImGuiTabItemFlags library_flags = flags_for(Tab::kLibrary), stats_flags = flags_for(Tab::kStatistics),
                            generate_flags = flags_for(Tab::kGenerate);
    state.tab_request.reset();
    if (ImGui::BeginTabItem("Library", nullptr, library_flags)) {
      state.tab = Tab::kLibrary;
      const float detail_width = ImGui::GetContentRegionAvail().x * 0.34f;
      const float status_height = ImGui::GetFrameHeightWithSpacing();
      ImGui::BeginChild("gallery", ImVec2(-detail_width, -status_height), true);
      panel_gallery(state, services);
      ImGui::EndChild();
      ImGui::SameLine();
      ImGui::BeginChild("detail", ImVec2(0, -status_height), true);
      panel_detail(state, services);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Generate", nullptr, generate_flags)) {
      state.tab = Tab::kGenerate;
      ImGui::BeginChild("generate", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true);
      panel_generate(state, services);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Statistics", nullptr, stats_flags)) {
      state.tab = Tab::kStatistics;
      ImGui::BeginChild("stats", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true);
      panel_stats(state, services);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  // Status bar: what is shown, what is running, the last background error.
  const auto& g = state.gallery;
  ImGui::Text("%zu%s shown", g.items.size(), g.next.empty() ? "" : "+");
  if (state.total_assets >= 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("of %lld in %s", static_cast<long long>(state.total_assets), state.library_dir.c_str());
  }
  if (g.loading || state.stats.loading || state.generate.running || state.reproduce.running ||
      (services.thumbnails && services.thumbnails->pending() > 0)) {
    ImGui::SameLine();
    ImGui::TextDisabled("  working...");
  }
  if (!state.status.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "  %s", state.status.c_str());
  }
  if (text) *text += GImGui->LogBuffer.c_str();
  ImGui::End();
}

}  // namespace provena::gui
