// The SD 1.x UNet (diffusers' UNet2DConditionModel, as SD 1.x configures it): parameter
// names as diffusers writes them, sizes from its config.json. Internal to generator/.
#pragma once

#include <torch/torch.h>

#include <string_view>
#include <vector>

#include "core/result.h"
#include "generator/sd1/blocks.h"

namespace provena::sd1 {

struct UNetConfig {
  int in_channels = 4, out_channels = 4;
  std::vector<int> block_out = {320, 640, 1280, 1280};
  std::vector<bool> down_attention = {true, true, true, false};  // CrossAttnDownBlock2D vs DownBlock2D
  std::vector<bool> up_attention = {false, true, true, true};    // UpBlock2D vs CrossAttnUpBlock2D
  std::vector<int> heads = {8, 8, 8, 8};  // per down block (the up blocks take them reversed)
  int layers_per_block = 2;
  int cross_attention_dim = 768;
  int groups = 32;
  double eps = 1e-5;
  int transformer_layers = 1;
  bool linear_projection = false;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  int downsample_padding = 1;
};

// From diffusers' unet/config.json. SD 1.x's legacy `attention_head_dim` (without
// `num_attention_heads`) is the head count, as diffusers reads it.
Result<UNetConfig> unet_config_from_json(std::string_view json);

struct TimeEmbeddingImpl : torch::nn::Module {
  TimeEmbeddingImpl(int in, int out);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimeEmbedding);

// A down or up block: resnets, optional transformers after each, optional resampler.
struct UNetBlockImpl : torch::nn::Module {
  torch::nn::ModuleList resnets, attentions, samplers;
};
TORCH_MODULE(UNetBlock);

struct UNetImpl : torch::nn::Module {
  explicit UNetImpl(const UNetConfig& c);
  // x: (B, in, h, w); t: (B) timesteps (float); context: (B, M, cross_attention_dim).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& context);
  UNetConfig config;
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  TimeEmbedding time_embedding{nullptr};
  torch::nn::ModuleList down_blocks, up_blocks;
  UNetBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(UNet);

// diffusers' get_timestep_embedding: sin/cos of t at geometric frequencies.
torch::Tensor timestep_embedding(const torch::Tensor& t, int dim, bool flip_sin_to_cos, double freq_shift);

}  // namespace provena::sd1
