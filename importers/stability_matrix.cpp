// Stability Matrix: `parameters-json` (its own record), `parameters` (A1111-like text
// with CRLF), `smproj` (project) and a ComfyUI `prompt` graph. Its record wins; only the
// sampler comes from the graph, because the record writes a display name such as
// "Euler Ancestral Karras" where the graph has the real sampler_name.
#include "importers/comfyui.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_stability_matrix(const FileMetadata& meta) {
  const std::string* j = text_of(meta, "parameters-json");
  return j && looks_like_json_object(*j);
}

Result<Record> read_stability_matrix(const FileMetadata& meta) {
  auto j = parse_json_bounded(*text_of(meta, "parameters-json"));
  if (!j) return j.error();
  Record r;
  r.tool = "stability-matrix";
  r.prompt = json_string(*j, "PositivePrompt");
  r.negative_prompt = json_string(*j, "NegativePrompt");
  r.seed = json_int(*j, "Seed");
  if (auto s = json_int32(*j, "Steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "CfgScale");
  r.sampler = json_string(*j, "Sampler");
  r.model = json_string(*j, "ModelName");
  r.model_hash = json_string(*j, "ModelHash");
  if (auto w = json_int32(*j, "Width")) r.requested_width = w;
  if (auto h = json_int32(*j, "Height")) r.requested_height = h;
  if (const std::string* graph = text_of(meta, "prompt"); graph && looks_like_json_object(*graph)) {
    if (auto g = read_comfyui_prompt_graph(*graph); g && g->sampler) {
      if (r.sampler) r.extra.emplace_back("Sampler (record)", *r.sampler);
      r.sampler = g->sampler;
      if (!r.scheduler) r.scheduler = g->scheduler;
    }
  }
  return r;
}

}  // namespace provena
