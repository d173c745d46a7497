#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "app/gui/panels.h"

namespace provena::gui {
namespace {

constexpr float kCaptionLines = 2;
constexpr int kPrefetchRows = 3;  // ask for the next page this many rows before the end

// A quiet colour of its own for an item without a thumbnail yet.
ImU32 placeholder_colour(const std::string& key) {
  const size_t h = std::hash<std::string>{}(key);
  return IM_COL32(50 + (h & 0x3f), 50 + ((h >> 6) & 0x3f), 60 + ((h >> 12) & 0x3f), 255);
}

void select(AppState& state, Services& services, size_t index) {
  auto& g = state.gallery;
  const int64_t id = g.items[index].id;
  const ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl) {
    if (!g.selection.erase(id)) g.selection.insert(id);
  } else if (io.KeyShift && g.selected != 0) {
    auto anchor = std::find_if(g.items.begin(), g.items.end(), [&](const GalleryItem& i) { return i.id == g.selected; });
    if (anchor != g.items.end()) {
      size_t a = static_cast<size_t>(anchor - g.items.begin()), b = index;
      if (a > b) std::swap(a, b);
      for (size_t k = a; k <= b; ++k) g.selection.insert(g.items[k].id);
    }
  } else {
    g.selection = {id};
  }
  services.session.show_detail(state, id);
}

}  // namespace

void panel_gallery(AppState& state, Services& services) {
  auto& g = state.gallery;
  g.visible.clear();
  if (g.items.empty()) {
    if (state.total_assets == 0 && !g.loading)
      ImGui::TextDisabled("This library is empty: add a folder of images in the Import tab, or make some in Generate.");
    else
      ImGui::TextDisabled(g.loading ? "Searching..." : state.search.error.empty() ? "Nothing matches." : "");
    return;
  }
  const ImGuiStyle& style = ImGui::GetStyle();
  const float cell_w = g.thumb_size + style.ItemSpacing.x;
  const float cell_h = g.thumb_size + kCaptionLines * ImGui::GetTextLineHeight() + style.ItemSpacing.y * 2;
  const int columns = std::max(1, static_cast<int>(ImGui::GetContentRegionAvail().x / cell_w));
  const int rows = static_cast<int>((g.items.size() + columns - 1) / columns);
  ImDrawList* draw = ImGui::GetWindowDrawList();

  // Only the rows in view are touched: a million results cost what a screenful does.
  ImGuiListClipper clipper;
  clipper.Begin(rows, cell_h);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      for (int col = 0; col < columns; ++col) {
        const size_t index = static_cast<size_t>(row) * columns + col;
        if (index >= g.items.size()) break;
        const GalleryItem& item = g.items[index];
        g.visible.push_back(item.id);
        if (col > 0) ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::PushID(static_cast<int>(index));
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const ImVec2 box(g.thumb_size, g.thumb_size);
        if (ImGui::InvisibleButton("cell", box)) select(state, services, index);
        const bool selected = g.selection.count(item.id) > 0;
        const Thumbnail* thumb = services.thumbnails ? &services.thumbnails->get(item.thumb_key, item.path) : nullptr;
        if (thumb && thumb->texture && thumb->rgba.width > 0) {
          // Fit the thumbnail in the square, keeping its aspect ratio.
          const float f = g.thumb_size / std::max(thumb->rgba.width, thumb->rgba.height);
          const float w = thumb->rgba.width * f, h = thumb->rgba.height * f;
          const ImVec2 a(p.x + (g.thumb_size - w) / 2, p.y + (g.thumb_size - h) / 2);
          draw->AddImage(reinterpret_cast<ImTextureID>(thumb->texture), a, ImVec2(a.x + w, a.y + h));
        } else {
          draw->AddRectFilled(p, ImVec2(p.x + box.x, p.y + box.y), placeholder_colour(item.thumb_key), 4.0f);
          if (thumb && thumb->state == Thumbnail::State::kFailed)
            draw->AddText(ImVec2(p.x + 6, p.y + 6), IM_COL32(200, 200, 200, 255), "no preview");
        }
        if (selected || ImGui::IsItemHovered())
          draw->AddRect(p, ImVec2(p.x + box.x, p.y + box.y), selected ? IM_COL32(90, 170, 255, 255) : IM_COL32(200, 200, 200, 160),
                        4.0f, 0, selected ? 3.0f : 1.0f);
        if (ImGui::IsItemHovered() && thumb && thumb->state == Thumbnail::State::kFailed)
          ImGui::SetTooltip("%s\n\nno preview: %s", item.label.c_str(), thumb->error.c_str());
        else if (ImGui::IsItemHovered() && !item.label.empty())
          ImGui::SetTooltip("%s", item.label.c_str());
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + g.thumb_size);
        const std::string seed = item.seed ? "seed " + std::to_string(*item.seed) : "";
        ImGui::TextDisabled("%dx%d %s", item.width, item.height, seed.c_str());
        ImGui::PushClipRect(ImGui::GetCursorScreenPos(),
                            ImVec2(ImGui::GetCursorScreenPos().x + g.thumb_size,
                                   ImGui::GetCursorScreenPos().y + ImGui::GetTextLineHeight()),
                            true);
        ImGui::TextUnformatted(item.label.c_str());
        ImGui::PopClipRect();
        ImGui::PopTextWrapPos();
        ImGui::PopID();
        ImGui::EndGroup();
      }
    }
  }
  clipper.End();
  // The last row in view, from the scroll position (the clipper draws every row while
  // ImGui's log captures text, so its range is no guide).
  const int last_in_view = static_cast<int>((ImGui::GetScrollY() + ImGui::GetWindowHeight()) / cell_h);
  if (last_in_view >= rows - kPrefetchRows) services.session.load_more(state);
}

}  // namespace provena::gui
