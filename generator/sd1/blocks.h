// The building blocks of the SD 1.x UNet and VAE, named as diffusers names their weights
// (internal to generator/: includes torch).
#pragma once

#include <torch/torch.h>

namespace provena::sd1 {

// GroupNorm -> SiLU -> conv, twice, with the time embedding added in between (when
// `temb_channels` > 0), and a 1x1 conv on the skip path when the width changes.
struct ResnetBlockImpl : torch::nn::Module {
  ResnetBlockImpl(int in, int out, int temb_channels, int groups, double eps);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  torch::nn::Linear time_emb_proj{nullptr};
};
TORCH_MODULE(ResnetBlock);

// Multi-head attention over tokens (B, N, C) with an optional context (B, M, Cctx):
// to_q/to_k/to_v (bias as given), to_out.0 (with bias).
struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int query_dim, int context_dim, int heads, int head_dim, bool qkv_bias);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});
  int heads;
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out;  // [0] the output projection (diffusers keeps a dropout at [1])
};
TORCH_MODULE(Attention);

// Scaled dot-product attention of (B, H, N, D) tensors.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

struct GegluImpl : torch::nn::Module {
  GegluImpl(int dim, int inner);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Geglu);

// net.0 = GEGLU(dim -> 4 dim), net.1 dropout, net.2 = Linear(4 dim -> dim).
struct FeedForwardImpl : torch::nn::Module {
  explicit FeedForwardImpl(int dim);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::ModuleList net;
};
TORCH_MODULE(FeedForward);

// Self-attention, cross-attention to the text, feed-forward; pre-LN, residual each.
struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(int dim, int heads, int head_dim, int context_dim);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(TransformerBlock);

// diffusers' Transformer2DModel: GroupNorm, proj_in (1x1 conv, or linear), transformer
// blocks over the H*W tokens, proj_out, plus the input.
struct Transformer2DImpl : torch::nn::Module {
  Transformer2DImpl(int channels, int heads, int context_dim, int groups, int layers, bool linear_projection);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);
  bool linear_projection;
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::AnyModule proj_in, proj_out;
  torch::nn::ModuleList transformer_blocks;
};
TORCH_MODULE(Transformer2D);

// Stride-2 3x3 conv; padding 0 pads (0, 1, 0, 1) first (the VAE encoder's form).
struct DownsampleImpl : torch::nn::Module {
  DownsampleImpl(int channels, int padding);
  torch::Tensor forward(const torch::Tensor& x);
  int padding;
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample);

// Nearest 2x, then a 3x3 conv.
struct UpsampleImpl : torch::nn::Module {
  explicit UpsampleImpl(int channels);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

// The VAE's single-head attention over pixels: group_norm, to_q/k/v, to_out.0, residual.
struct VaeAttentionImpl : torch::nn::Module {
  VaeAttentionImpl(int channels, int groups);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out;
};
TORCH_MODULE(VaeAttention);

}  // namespace provena::sd1
