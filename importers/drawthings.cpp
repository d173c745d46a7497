// Draw Things: XMP with xmp:CreatorTool "Draw Things"; exif:UserComment (an rdf:Alt)
// holds JSON: c = prompt, uc = negative, seed, steps, scale, sampler, model, size "WxH".
#include "core/xmp.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_drawthings(const FileMetadata& meta) {
  const std::string* xmp = text_of(meta, "XML:com.adobe.xmp");
  return xmp && xmp->find("Draw Things") != std::string::npos;
}

Result<Record> read_drawthings(const FileMetadata& meta) {
  auto facts = read_xmp(*text_of(meta, "XML:com.adobe.xmp"));
  if (!facts) return facts.error();
  Record r;
  r.tool = "drawthings";
  auto it = facts->all.find("Xmp.exif.UserComment");
  if (it == facts->all.end()) {
    r.prompt = facts->description;
    return r;
  }
  std::string json = it->second;
  // exiv2 prints a language alternative as `lang="x-default" text`.
  if (json.rfind("lang=", 0) == 0) {
    size_t sp = json.find(' ');
    json = sp == std::string::npos ? std::string() : json.substr(sp + 1);
  }
  auto j = parse_json_bounded(json);
  if (!j) return j.error();
  r.prompt = json_string(*j, "c");
  r.negative_prompt = json_string(*j, "uc");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "scale");
  r.sampler = json_string(*j, "sampler");
  r.model = json_string(*j, "model");
  if (auto size = json_string(*j, "size")) {
    int w = 0, h = 0;
    if (parse_size_pair(*size, w, h)) {
      r.requested_width = w;
      r.requested_height = h;
    }
  }
  return r;
}

}  // namespace provena
