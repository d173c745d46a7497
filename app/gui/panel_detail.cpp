#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "app/gui/panels.h"
#include "app/gui/widgets.h"
#include "core/hash.h"

namespace provena::gui {
namespace {

constexpr size_t kRawShownBytes = 16 << 10;  // a ComfyUI workflow can be megabytes; copy takes all

// "Label  value  [copy]": the value wraps; the button copies it exactly.
void field(const char* label, const std::string& value) {
  if (value.empty()) return;
  ImGui::PushID(label);
  ImGui::TextDisabled("%s", label);
  ImGui::SameLine(110);
  if (ImGui::SmallButton("copy")) ImGui::SetClipboardText(value.c_str());
  ImGui::SameLine();
  ImGui::TextWrapped("%s", value.c_str());
  ImGui::PopID();
}

template <typename T>
void field(const char* label, const std::optional<T>& value) {
  if (!value) return;
  if constexpr (std::is_same_v<T, std::string>) {
    field(label, *value);
  } else if constexpr (std::is_floating_point_v<T>) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(*value));
    field(label, std::string(buf));
  } else {
    field(label, std::to_string(*value));
  }
}

// A thumbnail-cache picture (`key`, made from the file at `path`) fitted into `side`, with
// an optional caption under it; blank space while it is being made.
void picture(Services& services, const std::string& key, const std::string& path, float side, const char* caption) {
  ImGui::BeginGroup();
  const Thumbnail* t = services.thumbnails ? &services.thumbnails->get(key, path) : nullptr;
  if (t && t->texture && t->rgba.width > 0) {
    const float f = side / std::max(t->rgba.width, t->rgba.height);
    ImGui::Image(reinterpret_cast<ImTextureID>(t->texture), ImVec2(t->rgba.width * f, t->rgba.height * f));
  } else if (caption) {
    ImGui::Dummy(ImVec2(side, side));
  }
  if (caption) ImGui::TextDisabled("%s", caption);
  ImGui::EndGroup();
}

// A file that is no asset (a reproduction's heat map): keyed by its path.
void picture_of_file(Services& services, const std::string& path, float side, const char* caption) {
  picture(services, "path-" + xxh3_128(path.data(), path.size()).hex(), path, side, caption);
}

// The Reproduce button, and the last reproduction of this image: original, regenerated and
// their difference side by side, the verdict with PSNR and the largest difference.
void reproduce_section(AppState& state, Services& services, const Entry& e) {
  auto& r = state.reproduce;
  const bool mine = r.original == e.id;
  if (r.running && mine) {
    ImGui::ProgressBar(static_cast<float>(services.session.job_progress()), ImVec2(220, 0), "Reproducing...");
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) services.session.cancel_jobs();
    return;
  }
  if (r.running) ImGui::BeginDisabled();
  if (ImGui::Button("Reproduce")) services.session.reproduce(state, e.id);
  if (r.running) ImGui::EndDisabled();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Regenerate this image from its record and compare the pixels");
  if (!mine) return;
  if (!r.error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(kErrorColour, "cannot reproduce: %s", r.error.c_str());
    return;
  }
  if (r.verdict.empty()) return;
  const ImVec4 colour = r.verdict == "identical" ? kGoodColour
                        : r.verdict == "near"    ? ImVec4(0.7f, 0.9f, 0.4f, 1)
                        : r.verdict == "similar" ? ImVec4(1, 0.8f, 0.3f, 1)
                                                 : kErrorColour;
  ImGui::SameLine();
  ImGui::TextColored(colour, "%s", r.verdict.c_str());
  ImGui::SameLine();
  if (r.psnr) ImGui::Text("PSNR %.1f dB, max difference %d", *r.psnr, r.max_abs_diff);
  else ImGui::Text("pixel hashes equal");
  const float side = std::min(110.0f, (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3);
  picture(services, (e.pixel_hash ? *e.pixel_hash : e.content_hash).hex(), e.primary_path().value_or(""), side, "original");
  ImGui::SameLine();
  picture_of_file(services, r.path, side, ("#" + std::to_string(r.reproduction)).c_str());
  if (!r.heatmap.empty()) {
    ImGui::SameLine();
    picture_of_file(services, r.heatmap, side, "difference x8");
  }
}

}  // namespace

void panel_detail(AppState& state, Services& services) {
  const auto& d = state.detail;
  if (d.id == 0) {
    ImGui::TextDisabled("Select an image to see how it was made.");
    return;
  }
  if (d.loading && !d.entry) {
    ImGui::TextDisabled("Loading...");
    return;
  }
  if (!d.error.empty()) {
    error_text(d.error);
    return;
  }
  if (!d.entry) return;
  const Entry& e = *d.entry;
  const Record& r = e.record;

  // The image itself, as large as the panel allows.
  picture(services, (e.pixel_hash ? *e.pixel_hash : e.content_hash).hex(), e.primary_path().value_or(""),
          std::min(ImGui::GetContentRegionAvail().x, 320.0f), nullptr);
  ImGui::Text("Asset %lld  ·  %s %dx%d  ·  tool %s", static_cast<long long>(e.id), e.image.format.c_str(),
              e.image.width, e.image.height, r.tool.c_str());
  if (auto path = e.primary_path()) {
    // The desktop's viewer, or the file manager at the folder holding the file.
    if (ImGui::SmallButton("Open")) {
      if (auto st = open_externally(*path); !st) state.status = st.error().message;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Show in folder")) {
      const size_t slash = path->find_last_of('/');
      if (auto st = open_externally(slash == std::string::npos ? "." : path->substr(0, slash)); !st)
        state.status = st.error().message;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy path")) ImGui::SetClipboardText(path->c_str());
  }
  reproduce_section(state, services, e);
  ImGui::Separator();
  field("Prompt", r.prompt);
  field("Negative", r.negative_prompt);
  field("Seed", r.seed);
  field("Steps", r.steps);
  field("CFG scale", r.cfg_scale);
  field("Sampler", r.sampler);
  field("Scheduler", r.scheduler);
  if (r.requested_width && r.requested_height)
    field("Size", std::to_string(*r.requested_width) + "x" + std::to_string(*r.requested_height));
  field("Model", r.model);
  field("Model hash", r.model_hash);
  field("Model family", r.model_family);
  field("Model sha256", r.model_sha256);
  field("Noise", r.noise_source);
  field("Created", r.created_at);
  for (const auto& [key, value] : r.extra) field(key.c_str(), value);
  if (r.template_use) {
    std::string slots;
    for (const auto& [slot, value] : r.template_use->slots) slots += (slots.empty() ? "" : ", ") + slot + "=" + value;
    field("Template", r.template_use->id + (r.template_use->version ? " v" + std::to_string(*r.template_use->version) : "") +
                          (slots.empty() ? "" : "  (" + slots + ")"));
  }

  if (ImGui::CollapsingHeader("Provenance")) {
    field("Source type", r.digital_source_type);
    field("AIGC label", r.aigc_label);
    if (r.c2pa) {
      std::string actions;
      for (const auto& a : r.c2pa->actions) actions += (actions.empty() ? "" : ", ") + a;
      field("C2PA claim", r.c2pa->claim_generator + " (unverified)");
      field("C2PA actions", actions);
      field("C2PA source", r.c2pa->digital_source_type);
    }
    field("Content hash", e.content_hash.hex());
    if (e.pixel_hash) field("Pixel hash", e.pixel_hash->hex());
    for (const auto& f : e.files) field(f.missing ? "File (missing)" : "File", f.path);
    for (const auto& link : d.lineage)
      field(link.relation.c_str(), (link.asset_id == e.id ? "of asset " + std::to_string(link.parent_id)
                                                          : "asset " + std::to_string(link.asset_id)) +
                                       "  " + utc(link.created_at));
  }
  if (ImGui::CollapsingHeader("System")) {
    field("App", r.system.app_version);
    field("Torch", r.system.torch_version);
    field("Device", r.system.device);
    field("GPU", r.system.gpu_name);
    field("CUDA", r.system.cuda);
    field("Seconds", r.performance.seconds);
    field("Peak MB", r.performance.peak_memory_mb);
  }
  if (ImGui::CollapsingHeader("Raw metadata")) {
    for (size_t i = 0; i < r.raw.size(); ++i) {
      const RawText& raw = r.raw[i];
      ImGui::PushID(static_cast<int>(i));
      ImGui::TextDisabled("%s  (%s)", raw.key.c_str(), raw.container.c_str());
      ImGui::SameLine();
      if (ImGui::SmallButton("copy")) ImGui::SetClipboardText(raw.text.c_str());
      // JSON indented (prepared with the entry, off the UI thread), infotext as written.
      const std::string& shown = i < d.raw_pretty.size() && !d.raw_pretty[i].empty() ? d.raw_pretty[i] : raw.text;
      const size_t n = std::min(shown.size(), kRawShownBytes);
      ImGui::PushTextWrapPos(0);
      ImGui::TextUnformatted(shown.c_str(), shown.c_str() + n);
      ImGui::PopTextWrapPos();
      if (n < shown.size()) ImGui::TextDisabled("... %zu more bytes (copy to see all)", shown.size() - n);
      ImGui::PopID();
    }
  }
}

}  // namespace provena::gui
