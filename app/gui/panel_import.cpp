#include <imgui.h>
#include <imgui_stdlib.h>

#include <cstdio>
#include <map>

#include "app/gui/panels.h"
#include "app/gui/widgets.h"

namespace provena::gui {
namespace {

void folder_table(AppState& state, Services& services) {
  auto& im = state.import;
  if (im.folders.empty()) {
    ImGui::TextDisabled("No folders yet: add one above. Rescans walk every folder listed here.");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("folders", 4, flags)) return;
  ImGui::TableSetupColumn("Folder", ImGuiTableColumnFlags_WidthStretch, 4);
  ImGui::TableSetupColumn("Files", ImGuiTableColumnFlags_WidthStretch, 1);
  ImGui::TableSetupColumn("Last scan", ImGuiTableColumnFlags_WidthStretch, 2);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 70);
  ImGui::TableHeadersRow();
  for (const auto& f : im.folders) {
    ImGui::PushID(f.path.c_str());
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(f.path.c_str());
    ImGui::TableNextColumn();
    if (f.scanned_at) {
      ImGui::Text("%lld", static_cast<long long>(f.files));
      if (f.failures) {
        ImGui::SameLine();
        ImGui::TextColored(kErrorColour, "(%lld failed)", static_cast<long long>(f.failures));
      }
    } else {
      ImGui::TextDisabled("-");
    }
    ImGui::TableNextColumn();
    if (f.scanned_at) ImGui::TextUnformatted(utc(*f.scanned_at).c_str());
    else ImGui::TextDisabled("not completed");
    ImGui::TableNextColumn();
    ImGui::BeginDisabled(im.running);
    if (ImGui::SmallButton("Forget")) services.session.forget_folder(state, f.path);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Stop rescanning this folder (its images stay in the library)");
    ImGui::PopID();
  }
  ImGui::EndTable();
}

// The last import: counts, then the failures (and the files stored without some damaged
// metadata) by reason, each with its file and message.
void report(AppState& state) {
  auto& im = state.import;
  if (!im.error.empty()) error_text("Import stopped: " + im.error);
  if (!im.report) return;
  const ImportReport& r = *im.report;
  heading("Last import");
  ImGui::Text("%s%lld files scanned in %.2f s: %lld new, %lld duplicates, %lld moved, %lld updated, %lld unchanged, "
              "%lld missing, %zu failed",
              r.cancelled ? "Cancelled. " : "", static_cast<long long>(r.scanned), r.seconds,
              static_cast<long long>(r.stored.new_assets), static_cast<long long>(r.stored.duplicates),
              static_cast<long long>(r.stored.moved), static_cast<long long>(r.stored.updated),
              static_cast<long long>(r.unchanged), static_cast<long long>(r.missing > 0 ? r.missing : 0),
              r.failures.size());
  if (!r.warnings.empty()) {
    ImGui::SameLine(0, 0);
    ImGui::Text(", %zu stored without damaged metadata", r.warnings.size());
  }
  std::vector<const ImportFailure*> listed;
  for (const auto& f : r.failures) listed.push_back(&f);
  for (const auto& w : r.warnings) listed.push_back(&w);
  if (listed.empty()) return;
  std::map<std::string, int> by_category;
  for (const ImportFailure* f : listed) ++by_category[f->category];
  // One filter button per reason; the table lists that reason's files.
  std::vector<std::string> categories{""};
  if (ImGui::RadioButton(("all (" + std::to_string(listed.size()) + ")").c_str(), im.failure_filter == 0))
    im.failure_filter = 0;
  for (const auto& [category, n] : by_category) {
    categories.push_back(category);
    const int index = static_cast<int>(categories.size()) - 1;
    ImGui::SameLine();
    if (ImGui::RadioButton((category + " (" + std::to_string(n) + ")").c_str(), im.failure_filter == index))
      im.failure_filter = index;
  }
  if (im.failure_filter >= static_cast<int>(categories.size())) im.failure_filter = 0;
  const std::string& only = categories[static_cast<size_t>(im.failure_filter)];
  std::vector<const ImportFailure*> rows;
  for (const ImportFailure* f : listed)
    if (only.empty() || f->category == only) rows.push_back(f);
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH |
                                ImGuiTableFlags_Resizable;
  if (!ImGui::BeginTable("failures", 3, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("File", ImGuiTableColumnFlags_WidthStretch, 2);
  ImGui::TableSetupColumn("Reason", ImGuiTableColumnFlags_WidthFixed, 130);
  ImGui::TableSetupColumn("Problem", ImGuiTableColumnFlags_WidthStretch, 3);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;  // a failed import of a million files lists only the rows in view
  clipper.Begin(static_cast<int>(rows.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const ImportFailure& f = *rows[static_cast<size_t>(i)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(f.path.c_str());
      ImGui::TableNextColumn();
      const bool warning = &f >= r.warnings.data() && &f < r.warnings.data() + r.warnings.size();  // stored
      ImGui::TextColored(warning ? kWarningColour : kErrorColour, "%s", f.category.c_str());
      ImGui::TableNextColumn();
      // The message names the file first; the column shows the rest.
      const std::string& m = f.message;
      const bool prefixed = m.compare(0, f.path.size() + 2, f.path + ": ") == 0;
      ImGui::TextUnformatted(prefixed ? m.c_str() + f.path.size() + 2 : m.c_str());
    }
  }
  ImGui::EndTable();
}

}  // namespace

void panel_import(AppState& state, Services& services) {
  auto& im = state.import;
  if (im.folders_stale) services.session.refresh_folders(state);
  ImGui::TextDisabled("Images from any tool: their metadata is read, nothing is copied or changed. "
                      "Rescans read only new and changed files.");
  ImGui::SetNextItemWidth(-260);
  const bool enter = ImGui::InputTextWithHint("##folder", "/path/to/a/folder of images (or one file)", &im.folder,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  ImGui::BeginDisabled(im.running || im.folder.empty());
  if (ImGui::Button("Add and import", ImVec2(120, 0)) || (enter && !im.folder.empty() && !im.running))
    services.session.import(state, {im.folder});
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(im.running || im.folders.empty());
  if (ImGui::Button("Rescan all", ImVec2(120, 0))) services.session.rescan(state);
  ImGui::EndDisabled();

  if (im.running) {
    const ImportProgress p = services.session.import_progress();
    char overlay[96];
    if (p.total > 0)
      std::snprintf(overlay, sizeof overlay, "%lld / %lld files", static_cast<long long>(p.done),
                    static_cast<long long>(p.total));
    else
      std::snprintf(overlay, sizeof overlay, "looking for images...");
    ImGui::TextUnformatted(im.running_what.c_str());
    ImGui::ProgressBar(p.total > 0 ? static_cast<float>(p.done) / static_cast<float>(p.total) : 0.0f, ImVec2(-90, 0),
                       overlay);
    ImGui::SameLine();
    if (ImGui::Button("Cancel", ImVec2(80, 0))) services.session.cancel_import();
  }
  heading("Folders");
  folder_table(state, services);
  report(state);
}

}  // namespace provena::gui
