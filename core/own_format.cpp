#include "core/own_format.h"

#include <ctime>

#include "core/file_io.h"
#include "core/infotext.h"
#include "core/pixels.h"
#include "core/record_json.h"
#include "core/text.h"

namespace provena {

std::string utc_now_iso8601() { return format_utc(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ"); }

std::string sidecar_path_for(const std::string& image_path) {
  size_t slash = image_path.find_last_of('/');
  size_t dot = image_path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return image_path + ".json";
  return image_path.substr(0, dot) + ".json";
}

Result<std::string> encode_own_png(const Image& image, Record& r, const OwnFormatOptions& options) {
  r.tool = "provena";
  r.pixel_hash = pixel_hash(image).hex();
  if (!r.created_at) r.created_at = utc_now_iso8601();
  if (!r.system.app_version) r.system.app_version = PROVENA_VERSION;

  AigcLabel label = options.label;
  if (label.content_producer.empty()) label.content_producer = "Provena";
  if (label.produce_id.empty()) label.produce_id = *r.pixel_hash;
  auto xmp = build_provenance_xmp(r, label);
  if (!xmp) return xmp.error();

  std::vector<PngTextOut> texts;
  texts.push_back({"parameters", format_infotext(r)});
  // The seed's human-readable keys, so `exiftool img.png | grep Seed` works.
  texts.push_back({"Software", "Provena " + *r.system.app_version});
  texts.push_back({"DateTime", *r.created_at});
  if (r.prompt) texts.push_back({"Prompt", *r.prompt});
  if (r.negative_prompt) texts.push_back({"NegativePrompt", *r.negative_prompt});
  if (r.cfg_scale) texts.push_back({"CFGScale", format_decimal(*r.cfg_scale)});
  if (r.steps) texts.push_back({"Steps", std::to_string(*r.steps)});
  if (r.seed) texts.push_back({"Seed", std::to_string(*r.seed)});
  texts.push_back({"Resolution", std::to_string(image.width) + "x" + std::to_string(image.height)});
  texts.push_back({kProvenaChunkKey, record_to_json(r), PngTextOut::Kind::kITXt});
  texts.push_back({kXmpChunkKey, *xmp, PngTextOut::Kind::kITXt});
  return encode_png(image, texts);
}

Status write_own_png(const std::string& path, const Image& image, Record& record, const OwnFormatOptions& options) {
  auto bytes = encode_own_png(image, record, options);
  if (!bytes) return make_error(path + ": " + bytes.error().message);
  auto st = write_file_atomic(path, *bytes);
  if (!st) return st;
  if (options.sidecar) return write_file_atomic(sidecar_path_for(path), record_to_json(record, 2) + "\n");
  return Ok{};
}

std::optional<Result<Record>> read_own_record(const std::vector<RawText>& texts) {
  for (const auto& t : texts) {
    if (t.key != kProvenaChunkKey) continue;
    auto r = record_from_json(t.text);
    if (!r) return Result<Record>(make_error("chunk 'provena': " + r.error().message));
    return r;
  }
  return std::nullopt;
}

}  // namespace provena
