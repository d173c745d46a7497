// Text to image with a model folder (model.safetensors + model.json + model.sha256, e.g.
// assets/tiny-flow): tokenizer -> text encoder -> flow-matching Euler with
// classifier-free guidance -> RGB pixels. No torch in this header.
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

struct GenerateOptions {
  std::string prompt, negative;
  int64_t seed = 0;      // image i of a batch uses seed + i (as A1111 does)
  int steps = 8;
  double cfg = 4.0;      // classifier-free guidance scale; 1 = no guidance
  int batch = 1;
  NoiseSource noise = NoiseSource::kCpu;
  std::string device = "auto";  // auto (CUDA when available), cpu, cuda
  // Called after each step; returning false cancels (generate then fails with "cancelled").
  std::function<bool(int step, int steps)> progress;
};

struct ModelInfo {
  std::string name;      // the folder's name, e.g. "tiny-flow"
  std::string family;    // "tiny-flow"
  std::string sha256;    // of model.safetensors
  int64_t parameters = 0;
  int resolution = 0;
};

struct GenerationStats {
  std::string device;        // "cpu" or "cuda"
  std::string gpu_name;      // e.g. "NVIDIA H100 80GB HBM3"; empty on the CPU
  std::string cuda_version;  // the CUDA runtime torch was built with, e.g. "12.4"; empty on the CPU
  std::string torch_version;
  double seconds = 0;
};

class Pipeline {
 public:
  // Loads and checks the model folder (the weights' sha256 against model.sha256).
  static Result<std::unique_ptr<Pipeline>> load(const std::string& model_dir, const std::string& device = "auto");
  ~Pipeline();
  const ModelInfo& model() const;
  Result<std::vector<Image>> generate(const GenerateOptions& options, GenerationStats* stats = nullptr);

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace provena
