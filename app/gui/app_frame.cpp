#include <imgui.h>

#include <cfloat>
#include <imgui_internal.h>  // the log buffer, for draw_app's text

#include "app/gui/panels.h"
#include "app/gui/widgets.h"

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
    const std::optional<Tab> request = state.tab_request;
    state.tab_request.reset();
    auto flags_for = [&](Tab t) { return request == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None; };
    const float status_height = ImGui::GetFrameHeightWithSpacing();
    if (ImGui::BeginTabItem("Library", nullptr, flags_for(Tab::kLibrary))) {
      state.tab = Tab::kLibrary;
      const float filters_width = state.filters.shown ? 190.0f : 0.0f;
      const float detail_width = (ImGui::GetContentRegionAvail().x - filters_width) * 0.36f;
      if (state.filters.shown) {
        ImGui::BeginChild("filters", ImVec2(filters_width, -status_height), true);
        panel_filters(state, services);
        ImGui::EndChild();
        ImGui::SameLine();
      }
      ImGui::BeginChild("gallery", ImVec2(-detail_width, -status_height), true);
      panel_gallery(state, services);
      ImGui::EndChild();
      ImGui::SameLine();
      ImGui::BeginChild("detail", ImVec2(0, -status_height), true);
      panel_detail(state, services);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    // The other tabs: one panel each, filling the space above the status bar.
    struct Page {
      const char* label;
      Tab tab;
      void (*draw)(AppState&, Services&);
    };
    for (const Page& page : {Page{"Generate", Tab::kGenerate, panel_generate},
                             Page{"Templates", Tab::kTemplates, panel_templates},
                             Page{"Import", Tab::kImport, panel_import},
                             Page{"Statistics", Tab::kStatistics, panel_stats}}) {
      if (!ImGui::BeginTabItem(page.label, nullptr, flags_for(page.tab))) continue;
      state.tab = page.tab;
      ImGui::BeginChild(page.label, ImVec2(0, -status_height), page.tab != Tab::kTemplates);
      page.draw(state, services);
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
  if (g.loading || state.stats.loading || state.generate.running || state.reproduce.running || state.import.running ||
      (services.thumbnails && services.thumbnails->pending() > 0)) {
    ImGui::SameLine();
    ImGui::TextDisabled("  working...");
  }
  if (!state.status.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(kErrorColour, "  %s", state.status.c_str());
  }
  if (text) *text += GImGui->LogBuffer.c_str();
  ImGui::End();
}

}  // namespace provena::gui
