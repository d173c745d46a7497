#include "importers/sidecar.h"

#include "core/record_json.h"
#include "importers/json_util.h"

namespace provena {

Result<Record> read_json_sidecar(std::string_view json) {
  auto j = parse_json_bounded(json);
  if (!j) return j.error();
  if (!j->is_object()) return make_error("sidecar is not a JSON object");
  if (json_string(*j, "format") == std::string("provena")) return record_from_json(json);
  auto g = j->find("generation");
  if (g == j->end() || !g->is_object()) return make_error("sidecar has no \"generation\" object");
  Record r;
  r.tool = "json-sidecar";
  r.prompt = json_string(*g, "prompt");
  r.negative_prompt = json_string(*g, "negative_prompt");
  r.seed = json_int(*g, "seed");
  if (auto v = json_int32(*g, "num_inference_steps")) r.steps = v;
  r.cfg_scale = json_number(*g, "cfg_scale");
  if (auto v = json_int32(*g, "width")) r.requested_width = v;
  if (auto v = json_int32(*g, "height")) r.requested_height = v;
  r.sampler = json_string(*g, "sampler");
  r.scheduler = json_string(*g, "scheduler");
  if (auto m = j->find("model"); m != j->end()) {
    if (m->is_object()) {
      r.model = json_string(*m, "name");
      if (auto rev = json_string(*m, "revision")) r.extra.emplace_back("Model revision", *rev);
    } else if (m->is_string()) {
      r.model = m->get<std::string>();
    }
  }
  if (auto s = j->find("system"); s != j->end() && s->is_object()) {
    for (auto it = s->begin(); it != s->end(); ++it) {
      std::string v = it->is_string() ? it->get<std::string>() : it->dump();
      const std::string& k = it.key();
      if (k == "device") r.system.device = v;
      else if (k == "torch_version") r.system.torch_version = v;
      else if (k == "gpu_name" || k == "gpu") r.system.gpu_name = v;
      else if (k == "cuda" || k == "cuda_version") r.system.cuda = v;
      else if (k == "app_version") r.system.app_version = v;
      else r.extra.emplace_back("System " + k, v);
    }
  }
  if (auto p = j->find("performance"); p != j->end() && p->is_object()) {
    r.performance.seconds = json_number(*p, "generation_time");
    r.performance.peak_memory_mb = json_number(*p, "memory_usage_mb");
  }
  r.created_at = json_string(*j, "created_at");
  if (auto v = json_int(*g, "num_images")) r.extra.emplace_back("Batch size", std::to_string(*v));
  return r;
}

}  // namespace provena
