// Text to image: tokenizer -> text encoder -> sampler with classifier-free guidance ->
// RGB pixels, for every model family (generator/model_family.h): the embedded tiny-flow
// model folder (model.safetensors + model.json + model.sha256, e.g. assets/tiny-flow) and
// Stable Diffusion 1.x checkpoints (a diffusers folder or a single .safetensors file).
// No torch in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/png.h"
#include "core/result.h"
#include "generator/noise.h"

namespace provena {

class ModelFamily;  // generator/model_family.h (torch)

struct GenerateOptions {
  std::string prompt, negative;
  int64_t seed = 0;      // image i of a batch uses seed + i (as A1111 does)
  int steps = 8;
  double cfg = -1;       // classifier-free guidance scale; 1 = no guidance; < 0 = the model's default
  int batch = 1;
  NoiseSource noise = NoiseSource::kCpu;
  std::string device = "auto";  // auto (CUDA when available), cpu, cuda
  // "" = the family's default. Samplers by their A1111 or k-diffusion names ("DPM++ 2M",
  // "euler_ancestral"); schedules "discrete", "karras" (SD 1.x) or "flow" (tiny-flow).
  std::string sampler, schedule;
  int width = 0, height = 0;  // 0 = the family's native size
  int clip_skip = 1;          // SD 1.x: A1111's "CLIP skip"
  int64_t ensd = 0;           // SD 1.x: A1111's "ENSD", the step-noise seed offset of ancestral samplers
  // Called after each step; returning false cancels (generate then fails with "cancelled").
  std::function<bool(int step, int steps)> progress;
};

struct ModelInfo {
  std::string name;      // the folder's or file's name, e.g. "tiny-flow", "v1-5-pruned-emaonly"
  std::string family;    // "tiny-flow", "sd1"
  std::string sha256;    // of the weights file (SD 1.x diffusers folder: of unet/'s weights)
  int64_t parameters = 0;
  int resolution = 0;
  double guidance = 0;   // the default guidance scale (tiny-flow: its model.json's; SD 1.x: 7)
};

struct GenerationStats {
  std::string device;        // "cpu" or "cuda"
  std::string gpu_name;      // e.g. "NVIDIA H100 80GB HBM3"; empty on the CPU
  std::string cuda_version;  // the CUDA runtime torch was built with, e.g. "12.4"; empty on the CPU
  std::string torch_version;
  std::string precision;     // what the model ran in: "fp32", "fp16", "bf16"
  double seconds = 0;
  double cfg = 0;            // the guidance scale used (the model's default when none was asked)
  std::string sampler, schedule;  // what was used, sampler in A1111's naming ("Euler", "DPM++ 2M")
};

struct LoadOptions {
  std::string device = "auto";  // auto (CUDA when available), cpu, cuda
  // The weights' SHA-256 when the caller already knows it (the models registry keeps it
  // per size and mtime): a multi-GB checkpoint is then not hashed again. Empty = hash it.
  // (The embedded tiny-flow model is always hashed and checked against model.sha256.)
  std::string sha256;
  // Weights' precision: auto (fp16 on CUDA, fp32 on the CPU), fp32, fp16 (CUDA only), bf16.
  // SD 1.x runs its text encoder and UNet in it (the VAE and the sampler stay fp32);
  // the embedded tiny-flow model is always fp32.
  std::string precision = "auto";
};

class Pipeline {
 public:
  // Loads a model: a folder with model.json (tiny-flow; the weights' sha256 checked against
  // model.sha256), a diffusers Stable Diffusion folder, or a single-file .safetensors checkpoint.
  static Result<std::unique_ptr<Pipeline>> load(const std::string& model_path, const LoadOptions& options);
  static Result<std::unique_ptr<Pipeline>> load(const std::string& model_path, const std::string& device = "auto") {
    LoadOptions options;
    options.device = device;
    return load(model_path, options);
  }
  // Stable Diffusion 1.5's architecture with random weights from `seed`: the real model's
  // shapes and FLOPs (860M-parameter UNet, CLIP ViT-L/14 text encoder, VAE) without a
  // checkpoint, for benchmarks (bench/sd1_bench). Its pictures are noise.
  static Result<std::unique_ptr<Pipeline>> random_sd15(const LoadOptions& options, uint64_t seed = 0);
  ~Pipeline();
  const ModelInfo& model() const;
  // Whether the model can honour the options' sampler, schedule and size (an error that
  // says what it can do instead).
  Status check(const GenerateOptions& options) const;
  Result<std::vector<Image>> generate(const GenerateOptions& options, GenerationStats* stats = nullptr);

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  // A loaded family placed on the options' device in their precision.
  static Result<std::unique_ptr<Pipeline>> placed(std::unique_ptr<ModelFamily> family, const LoadOptions& options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace provena
