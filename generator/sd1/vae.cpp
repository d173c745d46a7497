#include "generator/sd1/vae.h"

#include <nlohmann/json.hpp>

#include "generator/sd1/weights.h"

namespace provena::sd1 {

namespace {
using nlohmann::json;
constexpr double kVaeEps = 1e-6;
}  // namespace

Result<VaeConfig> vae_config_from_json(std::string_view text) {
  auto parsed = parse_config(text, "vae config");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  VaeConfig c;
  try {
    c.in_channels = j.value("in_channels", 3);
    c.out_channels = j.value("out_channels", 3);
    c.latent_channels = j.value("latent_channels", 4);
    c.block_out = j.at("block_out_channels").get<std::vector<int>>();
    c.layers_per_block = j.value("layers_per_block", 2);
    c.groups = j.value("norm_num_groups", 32);
    c.scaling_factor = j.value("scaling_factor", 0.18215);
  } catch (const std::exception& e) {
    return make_error(std::string("vae config: ") + e.what());
  }
  if (c.block_out.empty()) return make_error("vae config: no block_out_channels");
  for (int w : c.block_out)
    if (w <= 0 || w % c.groups != 0) return make_error("vae config: width " + std::to_string(w) + " is not a multiple of the norm groups");
  return c;
}

VaeCoderImpl::VaeCoderImpl(const VaeConfig& c, bool decoder) : decoder(decoder) {
  const int n = static_cast<int>(c.block_out.size());
  auto conv3 = [](int in, int out) { return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)); };
  const int top = c.block_out.back();
  conv_in = register_module("conv_in", conv3(decoder ? c.latent_channels : c.in_channels, decoder ? top : c.block_out[0]));
  int out = decoder ? top : c.block_out[0];
  for (int i = 0; i < n; ++i) {
    const int in = out;
    out = decoder ? c.block_out[n - 1 - i] : c.block_out[i];
    VaeBlock block;
    const int resnets = decoder ? c.layers_per_block + 1 : c.layers_per_block;
    for (int j = 0; j < resnets; ++j) block->resnets->push_back(ResnetBlock(j == 0 ? in : out, out, 0, c.groups, kVaeEps));
    block->register_module("resnets", block->resnets);
    if (i + 1 < n) {
      if (decoder) block->samplers->push_back(Upsample(out));
      else block->samplers->push_back(Downsample(out, 0));
      block->register_module(decoder ? "upsamplers" : "downsamplers", block->samplers);
    }
    blocks->push_back(block);
  }
  register_module(decoder ? "up_blocks" : "down_blocks", blocks);
  mid_block = VaeBlock();
  for (int j = 0; j < 2; ++j) mid_block->resnets->push_back(ResnetBlock(top, top, 0, c.groups, kVaeEps));
  mid_block->attentions->push_back(VaeAttention(top, c.groups));
  mid_block->register_module("resnets", mid_block->resnets);
  mid_block->register_module("attentions", mid_block->attentions);
  register_module("mid_block", mid_block);
  const int last = decoder ? c.block_out[0] : top;
  conv_norm_out = register_module("conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.groups, last).eps(kVaeEps)));
  conv_out = register_module("conv_out", conv3(last, decoder ? c.out_channels : 2 * c.latent_channels));
}

torch::Tensor VaeCoderImpl::forward(const torch::Tensor& x) {
  auto h = conv_in(x);
  auto mid = [&] {
    h = mid_block->resnets[0]->as<ResnetBlock>()->forward(h);
    h = mid_block->attentions[0]->as<VaeAttention>()->forward(h);
    h = mid_block->resnets[1]->as<ResnetBlock>()->forward(h);
  };
  if (decoder) mid();
  for (const auto& m : *blocks) {
    auto* block = m->as<VaeBlock>();
    for (const auto& r : *block->resnets) h = r->as<ResnetBlock>()->forward(h);
    if (!block->samplers->is_empty())
      h = decoder ? block->samplers[0]->as<Upsample>()->forward(h) : block->samplers[0]->as<Downsample>()->forward(h);
  }
  if (!decoder) mid();
  return conv_out(torch::silu(conv_norm_out(h)));
}

VaeImpl::VaeImpl(const VaeConfig& c) : config(c) {
  encoder = register_module("encoder", VaeCoder(c, false));
  decoder = register_module("decoder", VaeCoder(c, true));
  const int z = c.latent_channels;
  quant_conv = register_module("quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * z, 2 * z, 1)));
  post_quant_conv = register_module("post_quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(z, z, 1)));
}

torch::Tensor VaeImpl::decode(const torch::Tensor& z) { return decoder(post_quant_conv(z)); }

std::pair<torch::Tensor, torch::Tensor> VaeImpl::encode(const torch::Tensor& x) {
  auto moments = quant_conv(encoder(x)).chunk(2, 1);
  return {moments[0], moments[1].clamp(-30, 20)};
}

}  // namespace provena::sd1
