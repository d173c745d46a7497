// The SD 1.x autoencoder (diffusers' AutoencoderKL): the decoder turns latents into
// pixels, the encoder pixels into a latent mean and log-variance. Parameter names as
// diffusers writes them. Internal to generator/.
#pragma once

#include <torch/torch.h>

#include <string_view>
#include <vector>

#include "core/result.h"
#include "generator/sd1/blocks.h"

namespace provena::sd1 {

struct VaeConfig {
  int in_channels = 3, out_channels = 3, latent_channels = 4;
  std::vector<int> block_out = {128, 256, 512, 512};
  int layers_per_block = 2;
  int groups = 32;
  double scaling_factor = 0.18215;
};

Result<VaeConfig> vae_config_from_json(std::string_view json);

struct VaeBlockImpl : torch::nn::Module {
  torch::nn::ModuleList resnets, attentions, samplers;
};
TORCH_MODULE(VaeBlock);

struct VaeCoderImpl : torch::nn::Module {
  VaeCoderImpl(const VaeConfig& c, bool decoder);
  torch::Tensor forward(const torch::Tensor& x);
  bool decoder;
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList blocks;  // down_blocks or up_blocks
  VaeBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeCoder);

struct VaeImpl : torch::nn::Module {
  explicit VaeImpl(const VaeConfig& c);
  // Latents (already divided by the scaling factor) -> pixels in about [-1, 1].
  torch::Tensor decode(const torch::Tensor& z);
  // Pixels in [-1, 1] -> (mean, logvar), logvar clamped to [-30, 20].
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x);
  VaeConfig config;
  VaeCoder encoder{nullptr}, decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};
};
TORCH_MODULE(Vae);

}  // namespace provena::sd1
