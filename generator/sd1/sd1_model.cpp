#include "generator/sd1/sd1_model.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "core/file_io.h"
#include "core/json_shape.h"
#include "generator/sd1/denoiser.h"
#include "generator/sd1/ldm_layout.h"
#include "generator/sd1/prompt_weights.h"
#include "generator/sd1/weights.h"

namespace provena::sd1 {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Result<std::unique_ptr<ClipTokenizer>> tokenizer_at(const std::string& where) {
  std::error_code ec;
  auto t = fs::is_directory(where, ec) ? ClipTokenizer::load_hf_folder(where) : ClipTokenizer::load_clip_bpe_gz(where);
  if (!t) return t.error();
  return std::make_unique<ClipTokenizer>(std::move(*t));
}

// The places a user already has CLIP's vocabulary.
Result<std::unique_ptr<ClipTokenizer>> find_tokenizer(const std::string& model_path, const LoadOptions& o) {
  if (!o.tokenizer.empty()) return tokenizer_at(o.tokenizer);
  std::error_code ec;
  std::vector<std::string> tried;
  const fs::path p(model_path);
  for (const fs::path& c : {p / "tokenizer", p.parent_path() / "tokenizer"}) {
    if (fs::exists(c / "vocab.json", ec)) return tokenizer_at(c.string());
    tried.push_back(c.string());
  }
  if (const char* env = std::getenv("PROVENA_CLIP_TOKENIZER"); env && *env) return tokenizer_at(env);
  tried.push_back("$PROVENA_CLIP_TOKENIZER");
  std::string hub;
  if (const char* h = std::getenv("HF_HOME"); h && *h) hub = std::string(h) + "/hub";
  else if (const char* home = std::getenv("HOME")) hub = std::string(home) + "/.cache/huggingface/hub";
  const fs::path snapshots = fs::path(hub) / "models--openai--clip-vit-large-patch14" / "snapshots";
  for (fs::directory_iterator it(snapshots, ec), end; !ec && it != end; it.increment(ec))
    if (fs::exists(it->path() / "vocab.json", ec) && fs::exists(it->path() / "merges.txt", ec))
      return tokenizer_at(it->path().string());
  tried.push_back(snapshots.string());
  std::string list;
  for (const auto& t : tried) list += "\n  " + t;
  return make_error("no CLIP vocabulary for " + model_path + "; looked in:" + list +
                    "\n(give a tokenizer folder or bpe_simple_vocab_16e6.txt.gz, or set PROVENA_CLIP_TOKENIZER)");
}

Result<json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  if (auto problem = json_shape_error(*text, 32, 4u << 20)) return make_error(path + ": " + *problem);
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return make_error(path + ": not a JSON object");
  return j;
}

}  // namespace

Result<std::unique_ptr<Model>> Model::load(const std::string& path, const LoadOptions& options) {
  try {
    std::error_code ec;
    if (ends_with(path, ".ckpt") || ends_with(path, ".pt") || ends_with(path, ".bin"))
      return make_error(path + ": pickled checkpoints can run code when loaded and are refused; convert it to "
                               ".safetensors first");
    auto m = std::make_unique<Model>();
    m->alphas_cumprod = sampling::sd_alphas_cumprod();
    if (fs::is_directory(path, ec)) {
      // A diffusers folder.
      for (const char* part : {"text_encoder/config.json", "unet/config.json", "vae/config.json"})
        if (!fs::exists(fs::path(path) / part, ec))
          return make_error(path + ": not a diffusers Stable Diffusion folder (" + part + " is missing)");
      auto tc = clip_text_config_from_json(*read_file(path + "/text_encoder/config.json"));
      auto uc = unet_config_from_json(*read_file(path + "/unet/config.json"));
      auto vc = vae_config_from_json(*read_file(path + "/vae/config.json"));
      if (!tc) return make_error(path + "/text_encoder: " + tc.error().message);
      if (!uc) return make_error(path + "/unet: " + uc.error().message);
      if (!vc) return make_error(path + "/vae: " + vc.error().message);
      m->text = ClipTextModel(*tc);
      m->unet = UNet(*uc);
      m->vae = Vae(*vc);
      auto weights = [&](const std::string& sub, const char* a, const char* b) -> Result<SafetensorsFile> {
        for (const char* name : {a, b})
          if (fs::exists(fs::path(path) / sub / name, ec)) return SafetensorsFile::open(path + "/" + sub + "/" + name);
        return make_error(path + "/" + sub + ": no " + a + " (only .safetensors weights are loaded)");
      };
      auto tw = weights("text_encoder", "model.safetensors", "model.fp16.safetensors");
      auto uw = weights("unet", "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors");
      auto vw = weights("vae", "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors");
      if (!tw) return tw.error();
      if (!uw) return uw.error();
      if (!vw) return vw.error();
      if (auto st = load_module(*m->text, *tw, "text_model."); !st) return st.error();
      if (auto st = load_module(*m->unet, *uw, ""); !st) return st.error();
      if (auto st = load_module(*m->vae, *vw, ""); !st) return st.error();
      m->layout_ = "diffusers";
    } else {
      if (!ends_with(path, ".safetensors")) return make_error(path + ": not a .safetensors checkpoint or a diffusers folder");
      auto file = SafetensorsFile::open(path);
      if (!file) return file.error();
      // What shapes cannot tell, from NAME.json beside the file (SD 1.x values otherwise).
      int unet_heads = 8, unet_groups = 32, vae_groups = 32, text_heads = 0;
      const std::string beside = path.substr(0, path.size() - 12) + ".json";
      if (fs::exists(beside, ec)) {
        auto j = read_json(beside);
        if (!j) return j.error();
        unet_heads = j->value("/unet/attention_head_dim"_json_pointer, unet_heads);
        unet_groups = j->value("/unet/norm_num_groups"_json_pointer, unet_groups);
        vae_groups = j->value("/vae/norm_num_groups"_json_pointer, vae_groups);
        text_heads = j->value("/text_encoder/num_attention_heads"_json_pointer, text_heads);
      }
      auto tc = clip_text_config_from_shapes(*file, kLdmTextPrefix, text_heads);
      auto uc = unet_config_from_ldm(*file, unet_heads, unet_groups);
      auto vc = vae_config_from_ldm(*file, vae_groups);
      if (!uc) return uc.error();
      if (!vc) return vc.error();
      if (!tc) return make_error(path + ": no CLIP text encoder (" + tc.error().message + ")");
      if (tc->vocab != 49408) tc->eos_id = tc->vocab - 1;  // small test models end their vocabulary with EOS
      m->text = ClipTextModel(*tc);
      m->unet = UNet(*uc);
      m->vae = Vae(*vc);
      const UNetConfig ucfg = *uc;
      const VaeConfig vcfg = *vc;
      auto named = [](const char* prefix, const std::string& ldm, const std::string& n) {
        return ldm.empty() ? "(no LDM name for " + n + ")" : prefix + ldm;
      };
      auto unet_name = [&](const std::string& n) { return named(kLdmUNetPrefix, unet_ldm_name(ucfg, n), n); };
      auto vae_name = [&](const std::string& n) { return named(kLdmVaePrefix, vae_ldm_name(vcfg, n), n); };
      if (auto st = load_module(*m->text, *file, kLdmTextPrefix); !st) return st.error();
      if (auto st = load_module(*m->unet, *file, "", unet_name); !st) return st.error();
      if (auto st = load_module(*m->vae, *file, "", vae_name); !st) return st.error();
      m->layout_ = "ldm";
    }
    if (auto st = m->ready(path, options); !st) return st.error();
    return m;
  } catch (const std::exception& e) {
    return make_error(path + ": cannot load the checkpoint: " + e.what());
  }
}

Result<std::unique_ptr<Model>> Model::random(const LoadOptions& options, uint64_t seed) {
  try {
    torch::manual_seed(seed);
    auto m = std::make_unique<Model>();
    m->alphas_cumprod = sampling::sd_alphas_cumprod();
    m->text = ClipTextModel(ClipTextConfig{});
    m->unet = UNet(UNetConfig{});
    m->vae = Vae(VaeConfig{});
    m->layout_ = "random";
    if (auto st = m->ready("", options); !st) return st.error();
    return m;
  } catch (const std::exception& e) {
    return make_error(std::string("cannot build a random SD 1.5: ") + e.what());
  }
}

Status Model::ready(const std::string& path, const LoadOptions& options) {
  auto found = find_tokenizer(path, options);
  if (!found) return found.error();
  tokenizer = std::move(*found);
  text->eval();
  unet->eval();
  vae->eval();
  return Ok{};
}

int64_t Model::parameter_count() {
  int64_t n = 0;
  for (torch::nn::Module* mod : {static_cast<torch::nn::Module*>(text.get()), static_cast<torch::nn::Module*>(unet.get()),
                                 static_cast<torch::nn::Module*>(vae.get())})
    for (const auto& p : mod->parameters()) n += p.numel();
  return n;
}

void Model::to(torch::Device device, torch::Dtype dtype) {
  device_ = device;
  text->to(device, dtype);
  unet->to(device, dtype);
  vae->to(device, torch::kFloat32);
}

torch::Tensor Model::encode_prompt(const std::string& prompt, int clip_skip) {
  // Each window encoded alone, its tokens scaled by their emphasis, then rescaled so the
  // window's mean stays what it was (A1111's process_tokens); windows concatenated.
  std::vector<torch::Tensor> parts;
  for (const auto& w : prompt_windows(*tokenizer, prompt)) {
    std::vector<int64_t> ids(w.ids.begin(), w.ids.end());
    for (int64_t id : ids)
      if (id < 0 || id >= text->config.vocab)
        throw std::runtime_error("the tokenizer gives token id " + std::to_string(id) + " but the text encoder has " +
                                 std::to_string(text->config.vocab) +
                                 " tokens: the CLIP vocabulary does not belong to this model");
    auto z = text->encode(torch::tensor(ids, torch::kLong).unsqueeze(0).to(device_), clip_skip).to(torch::kFloat32);
    auto weights = torch::tensor(w.weights, torch::kFloat64).to(z.dtype()).to(device_).view({1, -1, 1});
    const auto original_mean = z.mean();
    z = z * weights;
    z = z * (original_mean / z.mean());
    parts.push_back(z);
  }
  return torch::cat(parts, 1);
}

Result<std::vector<Image>> Model::generate(const GenerateOptions& o) {
  if (o.steps < 1 || o.steps > 1000) return make_error("steps must be 1..1000");
  if (o.batch < 1 || o.batch > 64) return make_error("batch must be 1..64");
  const int factor = 1 << (vae->config.block_out.size() - 1);  // pixels per latent (8 for SD 1.x)
  if (o.width % factor || o.height % factor || o.width < 2 * factor || o.height < 2 * factor || o.width > 4096 ||
      o.height > 4096)
    return make_error("size must be a multiple of " + std::to_string(factor) + " up to 4096");
  try {
    torch::NoGradGuard no_grad;
    // Prompt and negative may have different numbers of windows: the denoiser then runs
    // them apart, as A1111 does by default.
    Conditioning c;
    c.cond = encode_prompt(o.prompt, o.clip_skip);
    c.uncond = encode_prompt(o.negative, o.clip_skip);
    c.cfg = o.cfg;
    const int64_t lh = o.height / factor, lw = o.width / factor, ch = unet->config.in_channels;
    // Noise as A1111 draws it (modules/rng.py, ImageRNG): one generator per image, seeded
    // seed + i; its first draw is the initial latent, later draws (ancestral and SDE step
    // noise) continue the same stream, or come from seed + i + ENSD when that is set. So
    // an image is the same alone or anywhere in a batch.
    std::vector<NoiseGenerator> rngs;
    std::vector<torch::Tensor> noises;
    for (int i = 0; i < o.batch; ++i) {
      rngs.emplace_back(o.noise, static_cast<uint64_t>(o.seed + i));
      noises.push_back(torch::tensor(rngs.back().randn({1, ch, lh, lw})).reshape({1, ch, lh, lw}));
      if (o.ensd) rngs.back() = NoiseGenerator(o.noise, static_cast<uint64_t>(o.seed + i + o.ensd));
    }
    auto ac = alphas_cumprod;
    torch::Tensor sigmas;
    if (o.sampler == sampling::Sampler::kDdim) {
      sigmas = sampling::ddim_sigmas(ac, o.steps);
    } else if (o.karras) {
      auto table = ((1 - ac) / ac).pow(0.5);
      sigmas = sampling::karras_sigmas(o.steps, table[0].item<double>(), table[-1].item<double>());
    } else {
      sigmas = sampling::discrete_sigmas(ac, o.steps);
    }
    auto x = torch::cat(noises).to(device_) * sigmas[0].item<double>();
    sigmas = sigmas.to(device_);
    auto denoise = eps_denoiser(unet, c, ac.to(device_));
    auto noise_sampler = [&] {
      std::vector<torch::Tensor> step;
      for (auto& g : rngs) step.push_back(torch::tensor(g.randn({1, ch, lh, lw})).reshape({1, ch, lh, lw}));
      return torch::cat(step).to(device_);
    };
    bool cancelled = false;
    auto out = sampling::sample(o.sampler, denoise, x, sigmas, noise_sampler,
                                [&](int step, const torch::Tensor&, const torch::Tensor&) {
                                  if (step > 0 && o.progress && !o.progress(step, o.steps)) cancelled = true;
                                  return !cancelled;
                                });
    if (cancelled || !out.defined()) return make_error("cancelled");
    if (o.sampler == sampling::Sampler::kDdim) out = out * ac[0].sqrt().item<double>();
    if (o.progress) o.progress(o.steps, o.steps);
    auto pixels = decode_to_uint8(vae, out).cpu().contiguous();
    std::vector<Image> images;
    for (int i = 0; i < o.batch; ++i) {
      Image img;
      img.width = static_cast<int>(pixels.size(2));
      img.height = static_cast<int>(pixels.size(1));
      img.channels = 3;
      const uint8_t* p = pixels[i].data_ptr<uint8_t>();
      img.pixels.assign(p, p + static_cast<size_t>(img.width) * img.height * 3);
      images.push_back(std::move(img));
    }
    return images;
  } catch (const std::exception& e) {
    return make_error(std::string("generation failed: ") + e.what());
  }
}

}  // namespace provena::sd1
