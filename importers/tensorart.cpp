// TensorArt: `generation_data` JSON (raw UTF-8 in tEXt, with a trailing NUL) plus a
// ComfyUI `prompt` graph. The record wins; its seed is often -1 (not a real seed), and
// then the graph's seed is the real one.
#include "importers/comfyui.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_tensorart(const FileMetadata& meta) {
  const std::string* j = text_of(meta, "generation_data");
  return j && looks_like_json_object(*j);
}

Result<Record> read_tensorart(const FileMetadata& meta) {
  auto j = parse_json_bounded(*text_of(meta, "generation_data"));
  if (!j) return j.error();
  Record r;
  r.tool = "tensorart";
  r.prompt = json_string(*j, "prompt");
  r.negative_prompt = json_string(*j, "negativePrompt");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "cfgScale");
  r.sampler = json_string(*j, "ksamplerName");
  r.scheduler = json_string(*j, "schedule");
  if (auto it = j->find("baseModel"); it != j->end() && it->is_object()) {
    r.model = json_string(*it, "modelFileName");
    r.model_hash = json_string(*it, "hash");
  }
  if (auto w = json_int32(*j, "width")) r.requested_width = w;
  if (auto h = json_int32(*j, "height")) r.requested_height = h;
  if (r.seed && *r.seed < 0) r.seed.reset();  // -1 = "random", not the seed used
  if (!r.seed || !r.model) {
    if (const std::string* graph = text_of(meta, "prompt"); graph && looks_like_json_object(*graph)) {
      if (auto g = read_comfyui_prompt_graph(*graph)) {
        if (!r.seed) r.seed = g->seed;
        if (!r.model) r.model = g->model;
      }
    }
  }
  return r;
}

}  // namespace provena
