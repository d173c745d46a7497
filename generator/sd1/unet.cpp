#include "generator/sd1/unet.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "generator/sd1/weights.h"

namespace provena::sd1 {

namespace {
using nlohmann::json;
}

Result<UNetConfig> unet_config_from_json(std::string_view text) {
  auto parsed = parse_config(text, "unet config");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  UNetConfig c;
  try {
    c.in_channels = j.value("in_channels", 4);
    c.out_channels = j.value("out_channels", 4);
    c.block_out = j.at("block_out_channels").get<std::vector<int>>();
    c.down_attention.clear();
    for (const auto& t : j.at("down_block_types")) {
      const auto name = t.get<std::string>();
      if (name != "CrossAttnDownBlock2D" && name != "DownBlock2D") return make_error("unet config: unsupported block " + name);
      c.down_attention.push_back(name == "CrossAttnDownBlock2D");
    }
    c.up_attention.clear();
    for (const auto& t : j.at("up_block_types")) {
      const auto name = t.get<std::string>();
      if (name != "CrossAttnUpBlock2D" && name != "UpBlock2D") return make_error("unet config: unsupported block " + name);
      c.up_attention.push_back(name == "CrossAttnUpBlock2D");
    }
    if (j.value("mid_block_type", std::string("UNetMidBlock2DCrossAttn")) != "UNetMidBlock2DCrossAttn")
      return make_error("unet config: unsupported mid block");
    const json& heads = j.contains("num_attention_heads") && !j["num_attention_heads"].is_null() ? j["num_attention_heads"]
                                                                                                 : j.at("attention_head_dim");
    if (heads.is_array()) c.heads = heads.get<std::vector<int>>();
    else c.heads.assign(c.block_out.size(), heads.get<int>());
    c.layers_per_block = j.value("layers_per_block", 2);
    c.cross_attention_dim = j.value("cross_attention_dim", 768);
    c.groups = j.value("norm_num_groups", 32);
    c.eps = j.value("norm_eps", 1e-5);
    if (j.contains("transformer_layers_per_block") && j["transformer_layers_per_block"].is_number_integer())
      c.transformer_layers = j["transformer_layers_per_block"].get<int>();
    c.linear_projection = j.value("use_linear_projection", false);
    c.flip_sin_to_cos = j.value("flip_sin_to_cos", true);
    c.freq_shift = j.value("freq_shift", 0.0);
    c.downsample_padding = j.value("downsample_padding", 1);
  } catch (const std::exception& e) {
    return make_error(std::string("unet config: ") + e.what());
  }
  const size_t n = c.block_out.size();
  if (n == 0 || c.down_attention.size() != n || c.up_attention.size() != n || c.heads.size() != n)
    return make_error("unet config: block_out_channels, the block types and the head counts differ in length");
  for (size_t i = 0; i < n; ++i)
    if (c.block_out[i] <= 0 || c.heads[i] <= 0 || c.block_out[i] % c.heads[i] != 0 || c.block_out[i] % c.groups != 0)
      return make_error("unet config: block " + std::to_string(i) + " width " + std::to_string(c.block_out[i]) +
                        " does not divide into its heads and norm groups");
  return c;
}

torch::Tensor timestep_embedding(const torch::Tensor& t, int dim, bool flip_sin_to_cos, double freq_shift) {
  const int half = dim / 2;
  auto exponent = -std::log(10000.0) * torch::arange(half, t.options().dtype(torch::kFloat32)) / (half - freq_shift);
  auto args = t.to(torch::kFloat32).unsqueeze(1) * torch::exp(exponent).unsqueeze(0);
  auto emb = torch::cat({torch::sin(args), torch::cos(args)}, 1);
  if (flip_sin_to_cos) emb = torch::cat({emb.slice(1, half), emb.slice(1, 0, half)}, 1);
  return emb;
}

TimeEmbeddingImpl::TimeEmbeddingImpl(int in, int out) {
  linear_1 = register_module("linear_1", torch::nn::Linear(in, out));
  linear_2 = register_module("linear_2", torch::nn::Linear(out, out));
}

torch::Tensor TimeEmbeddingImpl::forward(const torch::Tensor& x) { return linear_2(torch::silu(linear_1(x))); }

UNetImpl::UNetImpl(const UNetConfig& c) : config(c) {
  const int n = static_cast<int>(c.block_out.size());
  const int temb = c.block_out[0] * 4;
  auto transformer = [&](int channels, int heads) {
    return Transformer2D(channels, heads, c.cross_attention_dim, c.groups, c.transformer_layers, c.linear_projection);
  };
  conv_in = register_module("conv_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_channels, c.block_out[0], 3).padding(1)));
  time_embedding = register_module("time_embedding", TimeEmbedding(c.block_out[0], temb));
  int out = c.block_out[0];
  for (int i = 0; i < n; ++i) {
    const int in = out;
    out = c.block_out[i];
    UNetBlock block;
    for (int j = 0; j < c.layers_per_block; ++j) {
      block->resnets->push_back(ResnetBlock(j == 0 ? in : out, out, temb, c.groups, c.eps));
      if (c.down_attention[i]) block->attentions->push_back(transformer(out, c.heads[i]));
    }
    if (i + 1 < n) block->samplers->push_back(Downsample(out, c.downsample_padding));
    block->register_module("resnets", block->resnets);
    if (c.down_attention[i]) block->register_module("attentions", block->attentions);
    if (i + 1 < n) block->register_module("downsamplers", block->samplers);
    down_blocks->push_back(block);
  }
  register_module("down_blocks", down_blocks);

  mid_block = UNetBlock();
  for (int j = 0; j < 2; ++j) mid_block->resnets->push_back(ResnetBlock(c.block_out.back(), c.block_out.back(), temb, c.groups, c.eps));
  mid_block->attentions->push_back(transformer(c.block_out.back(), c.heads.back()));
  mid_block->register_module("resnets", mid_block->resnets);
  mid_block->register_module("attentions", mid_block->attentions);
  register_module("mid_block", mid_block);

  out = c.block_out.back();
  for (int i = 0; i < n; ++i) {
    const int r = n - 1 - i;  // the width this up block works at
    const int prev = out;
    out = c.block_out[r];
    const int skip_in = c.block_out[std::max(r - 1, 0)];
    UNetBlock block;
    for (int j = 0; j <= c.layers_per_block; ++j) {
      const int skip = j == c.layers_per_block ? skip_in : out;
      block->resnets->push_back(ResnetBlock((j == 0 ? prev : out) + skip, out, temb, c.groups, c.eps));
      if (c.up_attention[i]) block->attentions->push_back(transformer(out, c.heads[r]));
    }
    if (i + 1 < n) block->samplers->push_back(Upsample(out));
    block->register_module("resnets", block->resnets);
    if (c.up_attention[i]) block->register_module("attentions", block->attentions);
    if (i + 1 < n) block->register_module("upsamplers", block->samplers);
    up_blocks->push_back(block);
  }
  register_module("up_blocks", up_blocks);
  conv_norm_out = register_module("conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.groups, c.block_out[0]).eps(c.eps)));
  conv_out = register_module("conv_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.block_out[0], c.out_channels, 3).padding(1)));
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& context) {
  const auto& c = config;
  auto ts = t.dim() == 0 ? t.expand({x.size(0)}) : t;
  auto emb = time_embedding(timestep_embedding(ts, c.block_out[0], c.flip_sin_to_cos, c.freq_shift).to(x.dtype()));
  auto h = conv_in(x);
  std::vector<torch::Tensor> skips{h};
  for (const auto& m : *down_blocks) {
    auto* block = m->as<UNetBlock>();
    for (size_t j = 0; j < block->resnets->size(); ++j) {
      h = block->resnets[j]->as<ResnetBlock>()->forward(h, emb);
      if (!block->attentions->is_empty()) h = block->attentions[j]->as<Transformer2D>()->forward(h, context);
      skips.push_back(h);
    }
    if (!block->samplers->is_empty()) {
      h = block->samplers[0]->as<Downsample>()->forward(h);
      skips.push_back(h);
    }
  }
  h = mid_block->resnets[0]->as<ResnetBlock>()->forward(h, emb);
  h = mid_block->attentions[0]->as<Transformer2D>()->forward(h, context);
  h = mid_block->resnets[1]->as<ResnetBlock>()->forward(h, emb);
  for (const auto& m : *up_blocks) {
    auto* block = m->as<UNetBlock>();
    for (size_t j = 0; j < block->resnets->size(); ++j) {
      h = torch::cat({h, skips.back()}, 1);
      skips.pop_back();
      h = block->resnets[j]->as<ResnetBlock>()->forward(h, emb);
      if (!block->attentions->is_empty()) h = block->attentions[j]->as<Transformer2D>()->forward(h, context);
    }
    if (!block->samplers->is_empty()) h = block->samplers[0]->as<Upsample>()->forward(h);
  }
  return conv_out(torch::silu(conv_norm_out(h)));
}

}  // namespace provena::sd1
