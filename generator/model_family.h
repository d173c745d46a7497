// One model family behind the Pipeline (internal to generator/): each family is a folder
// or a file or two that load a kind of checkpoint and generate from GenerateOptions. The
// Pipeline picks the family from what the model path holds.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/png.h"
#include "core/result.h"
#include "generator/pipeline.h"

namespace provena {

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;
  virtual const ModelInfo& info() const = 0;
  // Moves the model to `device` with its weights in `dtype` where the family supports it;
  // returns the dtype it uses.
  virtual torch::Dtype to(torch::Device device, torch::Dtype dtype) = 0;
  // Whether this family can honour the options' sampler, schedule and size.
  virtual Status check(const GenerateOptions& options) const = 0;
  // Images for the options; stats->sampler/schedule say what was used.
  virtual Result<std::vector<Image>> generate(const GenerateOptions& options, torch::Device device,
                                              GenerationStats* stats) = 0;
};

// The embedded tiny-flow model (generator/pipeline.cpp).
Result<std::unique_ptr<ModelFamily>> load_tiny_flow(const std::string& dir);
// Stable Diffusion 1.x (generator/sd1/sd1_family.cpp).
// `sha256`: the weights' hash when known (see LoadOptions), else computed.
Result<std::unique_ptr<ModelFamily>> load_sd1(const std::string& path, const std::string& sha256 = "");
// SD 1.5's architecture with random weights (Pipeline::random_sd15).
Result<std::unique_ptr<ModelFamily>> random_sd15(uint64_t seed);

}  // namespace provena
