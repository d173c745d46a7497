// Civitai on-site generations (JPEG): EXIF UserComment (UTF-16) holds a ComfyUI-style API
// graph plus "extra" and "extraMetadata" (a JSON string with the request: prompt,
// negativePrompt, steps, cfgScale, sampler, seed, width, height). The request gives the
// parameters; the checkpoint name (an AIR urn) comes from the graph, because the request
// names only a model family ("baseModel").
#include "importers/comfyui.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

const std::string* civitai_json(const FileMetadata& meta) {
  const std::string* c = text_of(meta, "exif:UserComment");
  if (c && looks_like_json_object(*c) && c->find("\"extraMetadata\"") != std::string::npos) return c;
  return nullptr;
}

}  // namespace

bool detect_civitai(const FileMetadata& meta) { return civitai_json(meta) != nullptr; }

Result<Record> read_civitai(const FileMetadata& meta) {
  auto j = parse_json_bounded(comfyui_json_tolerant(*civitai_json(meta)));
  if (!j) return j.error();
  if (!j->is_object()) return make_error("UserComment is not a JSON object");
  Record r;
  nlohmann::json request;
  if (auto it = j->find("extraMetadata"); it != j->end()) {
    if (it->is_string()) {
      auto parsed = parse_json_bounded(it->get_ref<const std::string&>());
      if (parsed) request = std::move(*parsed);
    } else if (it->is_object()) {
      request = *it;
    }
  }
  // The graph without Civitai's own keys is an ordinary API graph.
  nlohmann::json graph = *j;
  graph.erase("extra");
  graph.erase("extraMetadata");
  if (auto g = read_comfyui_prompt_graph(graph.dump())) r = std::move(g.value());
  if (request.is_object()) {
    if (auto v = json_string(request, "prompt")) r.prompt = v;
    if (auto v = json_string(request, "negativePrompt")) r.negative_prompt = v;
    if (auto v = json_int(request, "seed")) r.seed = v;
    if (auto v = json_int32(request, "steps")) r.steps = v;
    if (auto v = json_number(request, "cfgScale")) r.cfg_scale = v;
    if (auto v = json_string(request, "sampler")) r.sampler = v;
    if (auto v = json_int32(request, "width")) r.requested_width = v;
    if (auto v = json_int32(request, "height")) r.requested_height = v;
    if (auto v = json_string(request, "baseModel")) r.extra.emplace_back("Base model", *v);
  }
  r.tool = "civitai";
  return r;
}

}  // namespace provena
