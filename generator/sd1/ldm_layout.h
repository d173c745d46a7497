// Single-file LDM checkpoints (A1111/Civitai .safetensors): the original CompVis names
// ("model.diffusion_model.input_blocks.4.1...", "first_stage_model.decoder.up.3...")
// mapped from the diffusers names the modules use, by index arithmetic over the config
// (so small test models and SD 1.5 load through the same code), and the configs inferred
// from tensor shapes. What shapes cannot tell (head count, norm groups) is given.
// Internal to generator/.
#pragma once

#include <string>

#include "core/result.h"
#include "generator/safetensors.h"
#include "generator/sd1/unet.h"
#include "generator/sd1/vae.h"

namespace provena::sd1 {

inline constexpr const char* kLdmUNetPrefix = "model.diffusion_model.";
inline constexpr const char* kLdmVaePrefix = "first_stage_model.";
inline constexpr const char* kLdmTextPrefix = "cond_stage_model.transformer.text_model.";

// The LDM name of the diffusers parameter `name` (without prefixes); "" when none maps.
std::string unet_ldm_name(const UNetConfig& c, const std::string& name);
std::string vae_ldm_name(const VaeConfig& c, const std::string& name);

// Levels, widths, layers per block, attention per level, transformer depth, projection
// kind, channels and cross-attention width from the tensors under kLdmUNetPrefix.
Result<UNetConfig> unet_config_from_ldm(const SafetensorsFile& f, int heads, int groups);
Result<VaeConfig> vae_config_from_ldm(const SafetensorsFile& f, int groups);

}  // namespace provena::sd1
