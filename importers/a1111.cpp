// A1111 / Forge / reForge / SD.Next / stable-diffusion.cpp infotext (../shared/FORMATS.md
// section 1): PNG `parameters`, JPEG/WebP EXIF UserComment, JPEG COM. Other tools reuse
// `parameters` for JSON; those have their own readers.
#include "core/infotext.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

const std::string* infotext_of(const FileMetadata& meta) {
  if (const std::string* p = text_of(meta, "parameters"); p && !looks_like_json_object(*p)) return p;
  // EXIF UserComment carries infotext in JPEG/WebP; require a real parameter line so a
  // camera's or editor's comment is not taken for a generation record.
  if (const std::string* c = text_of(meta, "exif:UserComment"); c && !looks_like_json_object(*c)) {
    if (!parse_infotext(*c).params.empty()) return c;
  }
  return nullptr;
}

std::string param(const Record& r, std::string_view key) {
  for (const auto& [k, v] : r.extra)
    if (k == key) return v;
  return {};
}

// Which member of the A1111 family wrote it, from its own markers:
// SD.Next writes "App: SD.Next"; ComfyUI save nodes (comfy-image-saver) "Version: ComfyUI"; Forge Classic/Neo write "Version: classic|neo[-x.y]"; Forge
// versions look like "f2.0.1v1.10.1-..." (and early ones "f0.0.x"), reForge's "f1.x".
std::string family_tool(const Record& r) {
  if (param(r, "App") == "SD.Next") return "sdnext";
  std::string version = param(r, "Version");
  if (version == "stable-diffusion.cpp") return "sdcpp";
  if (version == "ComfyUI") return "comfyui";  // ComfyUI save nodes that write A1111 text
  if (version.rfind("classic", 0) == 0 || version.rfind("neo", 0) == 0) return "forge";  // "neo-2.28"
  if (version.size() > 2 && version[0] == 'f' && std::isdigit(static_cast<unsigned char>(version[1]))) {
    return version[1] == '1' ? "reforge" : "forge";
  }
  return "a1111";
}

}  // namespace

bool detect_a1111(const FileMetadata& meta) { return infotext_of(meta) != nullptr; }

Result<Record> read_a1111(const FileMetadata& meta) {
  Record r;
  apply_infotext(parse_infotext(*infotext_of(meta)), r);
  r.tool = family_tool(r);
  return r;
}

}  // namespace provena
