// The Stable Diffusion 1.x family behind the Pipeline: GenerateOptions in A1111's terms
// (sampler names, "karras"/"discrete" schedules, width x height, CLIP skip) mapped onto
// sd1::Model.
#include <filesystem>

#include "core/hash.h"
#include "generator/model_family.h"
#include "generator/sd1/sd1_model.h"

namespace provena {
namespace {

namespace fs = std::filesystem;

// A1111's names, which its infotext and every reader use.
const char* a1111_sampler_name(sampling::Sampler s) {
  switch (s) {
    case sampling::Sampler::kEuler: return "Euler";
    case sampling::Sampler::kEulerAncestral: return "Euler a";
    case sampling::Sampler::kHeun: return "Heun";
    case sampling::Sampler::kDpmpp2m: return "DPM++ 2M";
    case sampling::Sampler::kDpmpp2mSde: return "DPM++ 2M SDE";
    case sampling::Sampler::kDdim: return "DDIM";
  }
  return "?";
}

class Sd1 : public ModelFamily {
 public:
  std::unique_ptr<sd1::Model> model;
  ModelInfo model_info;
  const ModelInfo& info() const override { return model_info; }
  torch::Dtype to(torch::Device device, torch::Dtype dtype) override {
    model->to(device, dtype);
    return dtype;
  }

  Status check(const GenerateOptions& o) const override {
    sampling::Sampler s;
    if (!o.sampler.empty() && !sampling::parse_sampler(o.sampler, s))
      return make_error("unknown sampler '" + o.sampler + "' (Euler, Euler a, Heun, DPM++ 2M, DPM++ 2M SDE, DDIM)");
    if (!o.schedule.empty() && o.schedule != "karras" && o.schedule != "discrete" && o.schedule != "automatic")
      return make_error("unknown schedule '" + o.schedule + "' for SD 1.x (discrete, karras)");
    const int factor = 1 << (model->vae->config.block_out.size() - 1);
    for (int side : {o.width, o.height})
      if (side && (side % factor || side < 2 * factor || side > 4096))
        return make_error("size: SD 1.x sizes are multiples of " + std::to_string(factor) + " up to 4096");
    return Ok{};
  }

  Result<std::vector<Image>> generate(const GenerateOptions& o, torch::Device, GenerationStats* stats) override {
    if (auto st = check(o); !st) return st.error();
    sd1::GenerateOptions g;
    g.prompt = o.prompt;
    g.negative = o.negative;
    g.seed = o.seed;
    g.steps = o.steps;
    g.cfg = o.cfg;
    g.batch = o.batch;
    g.noise = o.noise;
    g.ensd = o.ensd;
    g.progress = o.progress;
    g.clip_skip = o.clip_skip;
    g.width = o.width ? o.width : model_info.resolution;
    g.height = o.height ? o.height : model_info.resolution;
    if (!o.sampler.empty()) sampling::parse_sampler(o.sampler, g.sampler);
    // "DPM++ 2M Karras" names its schedule; --schedule says it explicitly.
    const bool named_karras = o.sampler.size() > 7 && o.sampler.compare(o.sampler.size() - 7, 7, " Karras") == 0;
    g.karras = o.schedule == "karras" || (o.schedule.empty() && named_karras);
    auto images = model->generate(g);
    if (!images) return images;
    stats->sampler = a1111_sampler_name(g.sampler);
    stats->schedule = g.sampler == sampling::Sampler::kDdim ? "ddim" : g.karras ? "karras" : "discrete";
    return images;
  }
};

// Size and parameter count from the loaded modules.
std::unique_ptr<ModelFamily> described(std::unique_ptr<Sd1> f) {
  f->model_info.family = "sd1";
  f->model_info.parameters = f->model->parameter_count();
  f->model_info.guidance = 7.0;  // A1111's and ComfyUI's default for SD 1.x
  // SD 1.x works at 512; tiny test models at 8 latent cells times their VAE's factor.
  const int factor = 1 << (f->model->vae->config.block_out.size() - 1);
  f->model_info.resolution = f->model->unet->config.block_out[0] >= 320 ? 512 : 8 * factor;
  return f;
}

}  // namespace

Result<std::unique_ptr<ModelFamily>> random_sd15(uint64_t seed) {
  auto model = sd1::Model::random({}, seed);
  if (!model) return model.error();
  auto f = std::make_unique<Sd1>();
  f->model = std::move(*model);
  f->model_info.name = "random-sd1.5";
  return described(std::move(f));
}

Result<std::unique_ptr<ModelFamily>> load_sd1(const std::string& path, const std::string& known_sha256) {
  auto model = sd1::Model::load(path);
  if (!model) return model.error();
  auto f = std::make_unique<Sd1>();
  f->model = std::move(*model);
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  // The identity of the weights: the file's SHA-256, as A1111 hashes it ("Model hash" is
  // its first 10 hex digits); for a diffusers folder, its UNet weights'.
  std::string weights = path;
  if (folder)
    for (const char* name : {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"})
      if (fs::exists(fs::path(path) / "unet" / name, ec)) {
        weights = (fs::path(path) / "unet" / name).string();
        break;
      }
  if (known_sha256.empty()) {
    auto sha = sha256_file(weights);
    if (!sha) return sha.error();
    f->model_info.sha256 = *sha;
  } else {
    f->model_info.sha256 = known_sha256;
  }
  fs::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  f->model_info.name = folder ? p.filename().string() : p.stem().string();
  return described(std::move(f));
}

}  // namespace provena
