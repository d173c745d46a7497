// Fooocus: `parameters` JSON (metadata_scheme "fooocus", or the `fooocus_scheme` chunk)
// or A1111 text when its scheme is "a1111"; JPEG/WebP: EXIF UserComment with Software
// "Fooocus v2.x" and the scheme in MakerNote. RuinedFooocus writes its own JSON with
// "software": "RuinedFooocus".
#include "core/infotext.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

const std::string* fooocus_text(const FileMetadata& meta) {
  if (const std::string* p = text_of(meta, "parameters")) return p;
  if (const std::string* c = text_of(meta, "exif:UserComment")) return c;
  return nullptr;
}

bool is_fooocus_software(const FileMetadata& meta) {
  const std::string* sw = text_of(meta, "exif:Software");
  return sw && sw->rfind("Fooocus", 0) == 0;
}

// "(768, 1280)" → width, height.
void parse_resolution(const std::string& s, Record& r) {
  int w = 0, h = 0;
  if (parse_size_pair(s, w, h)) {
    r.requested_width = w;
    r.requested_height = h;
  }
}

}  // namespace

bool detect_fooocus(const FileMetadata& meta) {
  if (find_text(meta, "fooocus_scheme") || is_fooocus_software(meta)) return fooocus_text(meta) != nullptr;
  const std::string* p = fooocus_text(meta);
  if (!p || !looks_like_json_object(*p)) return false;
  return p->find("\"metadata_scheme\"") != std::string::npos ||
         p->find("\"RuinedFooocus\"") != std::string::npos;
}

Result<Record> read_fooocus(const FileMetadata& meta) {
  const std::string& text = *fooocus_text(meta);
  Record r;
  r.tool = "fooocus";
  if (!looks_like_json_object(text)) {  // Fooocus in A1111 mode
    apply_infotext(parse_infotext(text), r);
    return r;
  }
  auto j = parse_json_bounded(text);
  if (!j) return j.error();
  if (json_string(*j, "software") == std::string("RuinedFooocus")) {
    r.tool = "ruined-fooocus";
    r.prompt = json_string(*j, "Prompt");
    r.negative_prompt = json_string(*j, "Negative");
    r.seed = json_int(*j, "seed");
    if (auto s = json_int32(*j, "steps")) r.steps = s;
    r.cfg_scale = json_number(*j, "cfg");
    r.sampler = json_string(*j, "sampler_name");
    r.scheduler = json_string(*j, "scheduler");
    r.model = json_string(*j, "base_model_name");
    if (auto w = json_int32(*j, "width")) r.requested_width = w;
    if (auto h = json_int32(*j, "height")) r.requested_height = h;
    return r;
  }
  r.prompt = json_string(*j, "prompt");
  r.negative_prompt = json_string(*j, "negative_prompt");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "guidance_scale");
  r.sampler = json_string(*j, "sampler");
  r.scheduler = json_string(*j, "scheduler");
  r.model = json_string(*j, "base_model");
  r.model_hash = json_string(*j, "base_model_hash");
  if (auto res = json_string(*j, "resolution")) parse_resolution(*res, r);
  if (auto v = json_string(*j, "version")) r.extra.emplace_back("Version", *v);
  return r;
}

}  // namespace provena
