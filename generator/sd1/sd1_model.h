// A Stable Diffusion 1.x checkpoint, loaded and ready to generate (internal to
// generator/): a diffusers folder (model_index.json, text_encoder/, unet/, vae/,
// tokenizer/) or a single-file LDM .safetensors (A1111/Civitai) with an optional config
// beside it, NAME.json: {"unet": {"attention_head_dim": 8, "norm_num_groups": 32},
// "vae": {"norm_num_groups": 32}, "text_encoder": {"num_attention_heads": 12}} for what
// the shapes cannot tell (SD 1.x values are the defaults). .ckpt pickles are refused.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/png.h"
#include "core/result.h"
#include "generator/clip_tokenizer.h"
#include "generator/noise.h"
#include "generator/sampling.h"
#include "generator/sd1/clip_text_model.h"
#include "generator/sd1/unet.h"
#include "generator/sd1/vae.h"

namespace provena::sd1 {

struct LoadOptions {
  // CLIP's vocabulary: a tokenizer folder (vocab.json + merges.txt) or bpe_simple_vocab_16e6.txt.gz.
  // Empty: the model folder's tokenizer/, then $PROVENA_CLIP_TOKENIZER, then the Hugging
  // Face cache of openai/clip-vit-large-patch14.
  std::string tokenizer;
};

struct GenerateOptions {
  std::string prompt, negative;
  int64_t seed = 0;  // image i of a batch uses seed + i
  int steps = 20;
  double cfg = 7.0;
  int width = 512, height = 512;
  sampling::Sampler sampler = sampling::Sampler::kEuler;
  bool karras = false;  // the Karras schedule instead of the discrete one
  int clip_skip = 1;
  NoiseSource noise = NoiseSource::kCpu;
  // A1111's "ENSD" (eta noise seed delta): an ancestral sampler's step noise comes from
  // seed + i + ensd instead of continuing image i's own stream.
  int64_t ensd = 0;
  int batch = 1;
  std::function<bool(int step, int steps)> progress;  // false cancels
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const std::string& path, const LoadOptions& options = {});
  // SD 1.5's architecture (the configs' defaults) with torch's random initialization from
  // `seed`: the real model's shapes and FLOPs without its weights, for benchmarks.
  static Result<std::unique_ptr<Model>> random(const LoadOptions& options, uint64_t seed);
  Result<std::vector<Image>> generate(const GenerateOptions& options);
  // The conditioning of a prompt as A1111 makes it: emphasis and BREAK parsed, 77-token
  // windows (prompt_weights.h) encoded one by one with their weights, concatenated.
  torch::Tensor encode_prompt(const std::string& text, int clip_skip);
  int64_t parameter_count();
  const std::string& layout() const { return layout_; }  // "diffusers" or "ldm"
  // The text encoder and the UNet in `dtype` (half precision on a GPU); the VAE stays
  // float32, as do the sampler's latents and the prompt's weighting.
  void to(torch::Device device, torch::Dtype dtype = torch::kFloat32);

  ClipTextModel text{nullptr};
  UNet unet{nullptr};
  Vae vae{nullptr};
  std::unique_ptr<ClipTokenizer> tokenizer;
  torch::Tensor alphas_cumprod;

 private:
  // The tokenizer found for `path` and the modules in inference mode.
  Status ready(const std::string& path, const LoadOptions& options);
  std::string layout_;
  torch::Device device_{torch::kCPU};
};

}  // namespace provena::sd1
