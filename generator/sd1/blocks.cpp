#include "generator/sd1/blocks.h"

#include <cmath>

namespace provena::sd1 {

namespace F = torch::nn::functional;

namespace {

torch::nn::GroupNorm group_norm(int groups, int channels, double eps) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(eps));
}
torch::nn::Conv2d conv(int in, int out, int kernel, int stride = 1, int padding = -1) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding < 0 ? kernel / 2 : padding));
}

}  // namespace

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return torch::matmul(torch::softmax(torch::matmul(q, k.transpose(-1, -2)) * scale, -1), v);
#endif
}

ResnetBlockImpl::ResnetBlockImpl(int in, int out, int temb_channels, int groups, double eps) {
  norm1 = register_module("norm1", group_norm(groups, in, eps));
  conv1 = register_module("conv1", conv(in, out, 3));
  if (temb_channels > 0) time_emb_proj = register_module("time_emb_proj", torch::nn::Linear(temb_channels, out));
  norm2 = register_module("norm2", group_norm(groups, out, eps));
  conv2 = register_module("conv2", conv(out, out, 3));
  if (in != out) conv_shortcut = register_module("conv_shortcut", conv(in, out, 1));
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  auto h = conv1(torch::silu(norm1(x)));
  if (time_emb_proj && temb.defined()) h = h + time_emb_proj(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);
  h = conv2(torch::silu(norm2(h)));
  return (conv_shortcut ? conv_shortcut(x) : x) + h;
}

AttentionImpl::AttentionImpl(int query_dim, int context_dim, int heads, int head_dim, bool qkv_bias) : heads(heads) {
  const int inner = heads * head_dim;
  to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(query_dim, inner).bias(qkv_bias)));
  to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(qkv_bias)));
  to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(qkv_bias)));
  to_out->push_back(torch::nn::Linear(inner, query_dim));
  register_module("to_out", to_out);
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const auto& ctx = context.defined() ? context : x;
  const int64_t b = x.size(0);
  auto split = [&](const torch::Tensor& t) { return t.view({b, t.size(1), heads, -1}).transpose(1, 2); };
  auto out = attention(split(to_q(x)), split(to_k(ctx)), split(to_v(ctx)));
  out = out.transpose(1, 2).reshape({b, x.size(1), -1});
  return to_out[0]->as<torch::nn::Linear>()->forward(out);
}

GegluImpl::GegluImpl(int dim, int inner) { proj = register_module("proj", torch::nn::Linear(dim, inner * 2)); }

torch::Tensor GegluImpl::forward(const torch::Tensor& x) {
  auto parts = proj(x).chunk(2, -1);
  return parts[0] * F::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int dim) {
  net->push_back(Geglu(dim, dim * 4));
  net->push_back(torch::nn::Dropout(0.0));
  net->push_back(torch::nn::Linear(dim * 4, dim));
  register_module("net", net);
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  return net[2]->as<torch::nn::Linear>()->forward(net[0]->as<Geglu>()->forward(x));
}

TransformerBlockImpl::TransformerBlockImpl(int dim, int heads, int head_dim, int context_dim) {
  auto ln = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)); };
  norm1 = register_module("norm1", ln());
  attn1 = register_module("attn1", Attention(dim, dim, heads, head_dim, false));
  norm2 = register_module("norm2", ln());
  attn2 = register_module("attn2", Attention(dim, context_dim, heads, head_dim, false));
  norm3 = register_module("norm3", ln());
  ff = register_module("ff", FeedForward(dim));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  auto h = x + attn1(norm1(x));
  h = h + attn2(norm2(h), context);
  return h + ff(norm3(h));
}

Transformer2DImpl::Transformer2DImpl(int channels, int heads, int context_dim, int groups, int layers, bool linear)
    : linear_projection(linear) {
  norm = register_module("norm", group_norm(groups, channels, 1e-6));
  if (linear) {
    proj_in = torch::nn::AnyModule(register_module("proj_in", torch::nn::Linear(channels, channels)));
  } else {
    proj_in = torch::nn::AnyModule(register_module("proj_in", conv(channels, channels, 1)));
  }
  for (int i = 0; i < layers; ++i) transformer_blocks->push_back(TransformerBlock(channels, heads, channels / heads, context_dim));
  register_module("transformer_blocks", transformer_blocks);
  if (linear) {
    proj_out = torch::nn::AnyModule(register_module("proj_out", torch::nn::Linear(channels, channels)));
  } else {
    proj_out = torch::nn::AnyModule(register_module("proj_out", conv(channels, channels, 1)));
  }
}

torch::Tensor Transformer2DImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto t = norm(x);
  auto tokens = [&](const torch::Tensor& img) { return img.permute({0, 2, 3, 1}).reshape({b, h * w, c}); };
  auto image = [&](const torch::Tensor& tok) { return tok.reshape({b, h, w, c}).permute({0, 3, 1, 2}).contiguous(); };
  t = linear_projection ? proj_in.forward(tokens(t)) : tokens(proj_in.forward(t));
  for (const auto& block : *transformer_blocks) t = block->as<TransformerBlock>()->forward(t, context);
  t = linear_projection ? image(proj_out.forward(t)) : proj_out.forward(image(t));
  return t + x;
}

DownsampleImpl::DownsampleImpl(int channels, int padding) : padding(padding) {
  conv = register_module("conv", sd1::conv(channels, channels, 3, 2, padding));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) {
  if (padding == 0) return conv(F::pad(x, F::PadFuncOptions({0, 1, 0, 1})));
  return conv(x);
}

UpsampleImpl::UpsampleImpl(int channels) { conv = register_module("conv", sd1::conv(channels, channels, 3)); }

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x) {
  return conv(F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
}

VaeAttentionImpl::VaeAttentionImpl(int channels, int groups) {
  group_norm = register_module("group_norm", sd1::group_norm(groups, channels, 1e-6));
  to_q = register_module("to_q", torch::nn::Linear(channels, channels));
  to_k = register_module("to_k", torch::nn::Linear(channels, channels));
  to_v = register_module("to_v", torch::nn::Linear(channels, channels));
  to_out->push_back(torch::nn::Linear(channels, channels));
  register_module("to_out", to_out);
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto t = group_norm(x).view({b, c, h * w}).transpose(1, 2);  // (B, HW, C)
  auto one_head = [&](const torch::Tensor& u) { return u.unsqueeze(1); };
  auto out = attention(one_head(to_q(t)), one_head(to_k(t)), one_head(to_v(t))).squeeze(1);
  out = to_out[0]->as<torch::nn::Linear>()->forward(out);
  return out.transpose(1, 2).reshape({b, c, h, w}) + x;
}

}  // namespace provena::sd1
