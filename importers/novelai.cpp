// NovelAI (../shared/FORMATS.md section 3): PNG text Title/Description/Software/Source/
// Comment (JSON); WebP: the same in EXIF (DocumentName, ImageDescription, Software =
// Source, UserComment = JSON). Also what a stealth payload decodes to.
#include <cctype>

#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

const std::string* source_of(const FileMetadata& meta) {
  if (const std::string* s = text_of(meta, "Source")) return s;
  return text_of(meta, "exif:Software");
}

// The Comment JSON: a PNG text chunk, or in WebP the "Comment" member of the JSON of all
// fields that UserComment holds.
std::optional<std::string> comment_of(const FileMetadata& meta) {
  if (const std::string* c = text_of(meta, "Comment"); c && looks_like_json_object(*c)) return *c;
  if (const std::string* c = text_of(meta, "exif:UserComment"); c && looks_like_json_object(*c)) {
    auto j = parse_json_bounded(*c);
    if (!j) return std::nullopt;
    if (auto inner = json_string(*j, "Comment")) return inner;
    return *c;
  }
  return std::nullopt;
}

// "NovelAI Diffusion V4.5 4BDE2A90" → "NovelAI Diffusion V4.5": the trailing 8 hex digits
// are a hash of the model, not its name.
std::string model_from_source(const std::string& source) {
  size_t sp = source.rfind(' ');
  if (sp != std::string::npos && source.size() - sp - 1 == 8) {
    bool hex = true;
    for (size_t i = sp + 1; i < source.size(); ++i) hex = hex && std::isxdigit(static_cast<unsigned char>(source[i]));
    if (hex) return source.substr(0, sp);
  }
  return source;
}

}  // namespace

bool detect_novelai(const FileMetadata& meta) {
  // GIMP and others write `Comment` too: require NovelAI's own markers.
  const std::string* software = text_of(meta, "Software");
  const std::string* source = source_of(meta);
  bool marked = (software && *software == "NovelAI") || (source && source->rfind("NovelAI", 0) == 0) ||
                (source && source->rfind("Stable Diffusion ", 0) == 0 && text_of(meta, "Title"));
  return marked && (text_of(meta, "Comment") || text_of(meta, "exif:UserComment") || text_of(meta, "Description"));
}

Result<Record> read_novelai(const FileMetadata& meta) {
  Record r;
  r.tool = "novelai";
  if (const std::string* source = source_of(meta)) r.model = model_from_source(*source);
  if (auto c = comment_of(meta)) {
    auto j = parse_json_bounded(*c);
    if (!j) return j.error();
    r.prompt = json_string(*j, "prompt");
    r.negative_prompt = json_string(*j, "uc");
    r.seed = json_int(*j, "seed");
    if (auto s = json_int32(*j, "steps")) r.steps = s;
    r.cfg_scale = json_number(*j, "scale");
    r.sampler = json_string(*j, "sampler");
    r.scheduler = json_string(*j, "noise_schedule");
    if (auto w = json_int32(*j, "width")) r.requested_width = w;
    if (auto h = json_int32(*j, "height")) r.requested_height = h;
  }
  if (!r.prompt) {
    if (const std::string* d = text_of(meta, "Description")) r.prompt = *d;
  }
  return r;
}

}  // namespace provena
