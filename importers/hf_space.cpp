// Hugging Face spaces (the popular SDXL/Animagine demo apps): `parameters` as a flat JSON
// object with "prompt", "negative_prompt", "resolution" ("1024 x 1024"), "guidance_scale",
// "num_inference_steps", "seed", "sampler", "Model", "Model hash".
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_hf_space(const FileMetadata& meta) {
  const std::string* p = text_of(meta, "parameters");
  if (!p || !looks_like_json_object(*p)) return false;
  return p->find("\"num_inference_steps\"") != std::string::npos && p->find("\"prompt\"") != std::string::npos;
}

Result<Record> read_hf_space(const FileMetadata& meta) {
  auto j = parse_json_bounded(*text_of(meta, "parameters"));
  if (!j) return j.error();
  Record r;
  r.tool = "hf-space";
  r.prompt = json_string(*j, "prompt");
  r.negative_prompt = json_string(*j, "negative_prompt");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "num_inference_steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "guidance_scale");
  r.sampler = json_string(*j, "sampler");
  r.model = json_string(*j, "Model");
  r.model_hash = json_string(*j, "Model hash");
  if (auto res = json_string(*j, "resolution")) {
    int w = 0, h = 0;
    if (parse_size_pair(*res, w, h)) {
      r.requested_width = w;
      r.requested_height = h;
    }
  }
  return r;
}

}  // namespace provena
