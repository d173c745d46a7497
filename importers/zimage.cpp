// Z-Image WebUI (PriuS2/Z-Image_WebUI): `zimage_params` JSON with prompt, seed, width,
// height, steps, guidance_scale, model, generator "Z-Image WebUI".
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_zimage(const FileMetadata& meta) {
  const std::string* p = text_of(meta, "zimage_params");
  return p && looks_like_json_object(*p);
}

Result<Record> read_zimage(const FileMetadata& meta) {
  auto j = parse_json_bounded(*text_of(meta, "zimage_params"));
  if (!j) return j.error();
  Record r;
  r.tool = "zimage";
  r.prompt = json_string(*j, "prompt");
  r.negative_prompt = json_string(*j, "negative_prompt");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "guidance_scale");
  r.model = json_string(*j, "model");
  if (auto w = json_int32(*j, "width")) r.requested_width = w;
  if (auto h = json_int32(*j, "height")) r.requested_height = h;
  if (auto q = json_string(*j, "quantization")) r.extra.emplace_back("Quantization", *q);
  if (auto t = json_string(*j, "generated_at")) r.created_at = *t;
  return r;
}

}  // namespace provena
