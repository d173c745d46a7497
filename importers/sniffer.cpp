#include "importers/sniffer.h"

#include "core/xmp.h"
#include "importers/c2pa.h"

namespace provena {

const RawText* find_text(const FileMetadata& meta, std::string_view key) {
  for (const auto& t : meta.texts)
    if (t.key == key) return &t;
  return nullptr;
}

const std::string* text_of(const FileMetadata& meta, std::string_view key) {
  const RawText* t = find_text(meta, key);
  return t ? &t->text : nullptr;
}

bool looks_like_json_object(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{';
}

const std::vector<MetadataReader>& metadata_readers() {
  // Order avoids the known traps:
  // - our own record is the most complete, so it goes first;
  // - tools that write their own record next to a ComfyUI graph (SwarmUI, Stability
  //   Matrix, TensorArt) come before ComfyUI: their record wins;
  // - JSON in `parameters` (Fooocus, SwarmUI, HF spaces) before A1111 infotext;
  // - Easy Diffusion's `prompt` is text, ComfyUI's is a JSON graph: Easy Diffusion is
  //   recognized by its `negative_prompt`/labelled keys before ComfyUI looks at `prompt`;
  // - NovelAI needs Software/Source = NovelAI, so GIMP's `Comment` is not taken for it.
  static const std::vector<MetadataReader> kReaders = {
      {"provena", detect_provena, read_provena},
      {"swarmui", detect_swarmui, read_swarmui},
      {"stability-matrix", detect_stability_matrix, read_stability_matrix},
      {"tensorart", detect_tensorart, read_tensorart},
      {"fooocus", detect_fooocus, read_fooocus},
      {"hf-space", detect_hf_space, read_hf_space},
      {"invokeai", detect_invokeai, read_invokeai},
      {"novelai", detect_novelai, read_novelai},
      {"civitai", detect_civitai, read_civitai},
      {"easydiffusion", detect_easydiffusion, read_easydiffusion},
      {"zimage", detect_zimage, read_zimage},
      {"drawthings", detect_drawthings, read_drawthings},
      {"midjourney", detect_midjourney, read_midjourney},
      {"comfyui", detect_comfyui, read_comfyui},
      {"a1111", detect_a1111, read_a1111},
  };
  return kReaders;
}

namespace {

// What XMP says about origin: IPTC DigitalSourceType and the GB 45438 TC260:AIGC label.
void add_xmp_claims(const FileMetadata& meta, Record& r) {
  const std::string* xmp = text_of(meta, "XML:com.adobe.xmp");
  if (!xmp) return;
  // Only parse (under exiv2's global lock) when the packet mentions what we want.
  if (xmp->find("DigitalSourceType") == std::string::npos && xmp->find("AIGC") == std::string::npos) return;
  auto facts = read_xmp(*xmp);
  if (!facts) return;
  if (facts->digital_source_type) r.digital_source_type = facts->digital_source_type;
  if (facts->aigc) r.aigc_label = facts->aigc;
}

}  // namespace

Result<Record> read_record(const FileMetadata& meta) {
  Record record;
  bool found = false;
  for (const auto& reader : metadata_readers()) {
    if (!reader.detect(meta)) continue;
    // Readers return errors as values; this catch is the safety net that keeps a reader
    // bug (an unexpected JSON shape) a per-file error instead of a crash.
    Result<Record> r = make_error("reader failed");
    try {
      r = reader.read(meta);
    } catch (const std::exception& e) {
      r = make_error(std::string("unexpected data (") + e.what() + ")");
    }
    if (!r) return make_error(std::string(reader.tool) + " metadata: " + r.error().message);
    record = std::move(r.value());
    if (record.tool.empty() || record.tool == "none") record.tool = reader.tool;
    found = true;
    break;
  }
  if (!meta.c2pa.empty()) {
    // A broken manifest store is not a broken image: the claim is simply absent.
    if (auto claim = read_c2pa_manifest_store(meta.c2pa)) {
      record.c2pa = std::move(claim.value());
      if (!found) {
        record.tool = "c2pa";
        found = true;
      }
    }
  }
  if (!found) record.tool = "none";
  add_xmp_claims(meta, record);
  return record;
}

}  // namespace provena
