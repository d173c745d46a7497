// SwarmUI: `parameters` (PNG) or EXIF UserComment (JPEG/WebP, UTF-16LE) holding
// {"sui_image_params": {...}, "sui_extra_data": {...}, "sui_models": [...]}.
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

const std::string* swarm_json(const FileMetadata& meta) {
  for (const char* key : {"parameters", "exif:UserComment"}) {
    const std::string* t = text_of(meta, key);
    if (t && looks_like_json_object(*t) && t->find("\"sui_image_params\"") != std::string::npos) return t;
  }
  return nullptr;
}

}  // namespace

bool detect_swarmui(const FileMetadata& meta) { return swarm_json(meta) != nullptr; }

Result<Record> read_swarmui(const FileMetadata& meta) {
  auto j = parse_json_bounded(*swarm_json(meta));
  if (!j) return j.error();
  auto it = j->is_object() ? j->find("sui_image_params") : j->end();
  if (it == j->end() || !it->is_object()) return make_error("sui_image_params is not an object");
  const auto& p = *it;
  Record r;
  r.tool = "swarmui";
  r.prompt = json_string(p, "prompt");
  r.negative_prompt = json_string(p, "negativeprompt");
  r.seed = json_int(p, "seed");
  if (auto s = json_int32(p, "steps")) r.steps = s;
  r.cfg_scale = json_number(p, "cfgscale");
  r.sampler = json_string(p, "sampler");
  r.scheduler = json_string(p, "scheduler");
  r.model = json_string(p, "model");
  if (auto w = json_int32(p, "width")) r.requested_width = w;
  if (auto h = json_int32(p, "height")) r.requested_height = h;
  if (auto v = json_string(p, "swarm_version")) r.extra.emplace_back("Version", *v);
  return r;
}

}  // namespace provena
