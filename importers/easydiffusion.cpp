// Easy Diffusion: one PNG text item per field, snake_case (`prompt`, `negative_prompt`,
// `seed`, `use_stable_diffusion_model`, `sampler_name`, `num_inference_steps`,
// `guidance_scale`, `width`, `height`, ...) or labelled (`Prompt`, `Negative Prompt`,
// `Stable Diffusion model`, `Steps`, `Guidance Scale`, ...); JPEG/WebP: UserComment JSON
// with the same keys. Its `prompt` is plain text where ComfyUI's is a JSON graph.
#include <functional>

#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

struct Keys {
  const char *prompt, *negative, *seed, *model, *sampler, *steps, *cfg, *width, *height;
};
constexpr Keys kSnake{"prompt", "negative_prompt", "seed", "use_stable_diffusion_model", "sampler_name",
                      "num_inference_steps", "guidance_scale", "width", "height"};
constexpr Keys kLabelled{"Prompt", "Negative Prompt", "Seed", "Stable Diffusion model", "Sampler", "Steps",
                         "Guidance Scale", "Width", "Height"};

const std::string* user_comment_json(const FileMetadata& meta) {
  const std::string* c = text_of(meta, "exif:UserComment");
  if (c && looks_like_json_object(*c) && c->find("\"num_inference_steps\"") != std::string::npos &&
      c->find("\"use_stable_diffusion_model\"") != std::string::npos)
    return c;
  return nullptr;
}

bool has_keys(const FileMetadata& meta, const Keys& k) {
  const std::string* p = text_of(meta, k.prompt);
  return p && !looks_like_json_object(*p) && find_text(meta, k.negative) && (find_text(meta, k.steps) || find_text(meta, k.seed));
}

Record from_lookup(const Keys& k, const std::function<std::optional<std::string>(const char*)>& get) {
  Record r;
  r.tool = "easydiffusion";
  r.prompt = get(k.prompt);
  r.negative_prompt = get(k.negative);
  auto as_json = [&](const char* key) { auto v = get(key); return v ? nlohmann::json(*v) : nlohmann::json(); };
  r.seed = json_to_int(as_json(k.seed));
  if (auto s = json_to_int32(as_json(k.steps))) r.steps = s;
  r.cfg_scale = json_to_number(as_json(k.cfg));
  r.sampler = get(k.sampler);
  r.model = get(k.model);
  if (auto w = json_to_int32(as_json(k.width))) r.requested_width = w;
  if (auto h = json_to_int32(as_json(k.height))) r.requested_height = h;
  return r;
}

}  // namespace

bool detect_easydiffusion(const FileMetadata& meta) {
  return has_keys(meta, kSnake) || has_keys(meta, kLabelled) || user_comment_json(meta);
}

Result<Record> read_easydiffusion(const FileMetadata& meta) {
  if (const std::string* c = user_comment_json(meta)) {
    auto j = parse_json_bounded(*c);
    if (!j) return j.error();
    return from_lookup(kSnake, [&](const char* key) -> std::optional<std::string> {
      auto it = j->find(key);
      if (it == j->end() || it->is_null()) return std::nullopt;
      return it->is_string() ? it->get<std::string>() : it->dump();
    });
  }
  const Keys& k = has_keys(meta, kSnake) ? kSnake : kLabelled;
  return from_lookup(k, [&](const char* key) -> std::optional<std::string> {
    if (const std::string* t = text_of(meta, key)) return *t;
    return std::nullopt;
  });
}

}  // namespace provena
