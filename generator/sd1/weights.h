// Loading torch modules from safetensors checkpoints (internal to generator/: includes
// torch). A module's parameter names are the checkpoint's names below a prefix, so the
// SD 1.x modules are laid out as diffusers/transformers name their weights.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "generator/safetensors.h"

namespace provena::sd1 {

// Copies every parameter of `module` from the tensor `rename(prefix + name)` of `file`
// (any float dtype, converted to float32). Errors name the file, the missing or
// misshapen tensors (the first few) and how many there are.
Status load_module(torch::nn::Module& module, const SafetensorsFile& file, const std::string& prefix,
                   const std::function<std::string(const std::string&)>& rename = {});

// A diffusers/transformers config.json as a JSON object; errors start with `what`.
Result<nlohmann::json> parse_config(std::string_view text, const std::string& what);

// The names in `file` that start with `prefix`, with the prefix removed.
std::vector<std::string> names_under(const SafetensorsFile& file, const std::string& prefix);
// The shape of tensor `name`, or an error naming it as missing.
Result<std::vector<int64_t>> shape_of(const SafetensorsFile& file, const std::string& name);

}  // namespace provena::sd1
