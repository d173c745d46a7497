#include "generator/sd1/ldm_layout.h"

#include <cstdio>
#include <vector>

#include "generator/sd1/weights.h"

namespace provena::sd1 {
namespace {

bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// "a.3.b.5.rest" after `head`: reads the numbers at the given places.
bool parse(const std::string& name, const char* format, int* a, int* b, std::string* rest) {
  char tail[256] = {0};
  int n = 0;
  const int want = b ? 3 : 2;
  if (b) n = std::sscanf(name.c_str(), format, a, b, tail);
  else n = std::sscanf(name.c_str(), format, a, tail);
  if (n != want) return false;
  *rest = tail;
  return rest->size() < sizeof tail - 1;
}

// A diffusers resnet parameter name within the block -> LDM's.
std::string unet_resnet(const std::string& rest) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"norm1.", "in_layers.0."},  {"conv1.", "in_layers.2."},  {"time_emb_proj.", "emb_layers.1."},
      {"norm2.", "out_layers.0."}, {"conv2.", "out_layers.3."}, {"conv_shortcut.", "skip_connection."}};
  for (const auto& [from, to] : kMap)
    if (starts(rest, from)) return to + rest.substr(std::string(from).size());
  return "";
}

std::string vae_resnet(const std::string& rest) {
  if (starts(rest, "conv_shortcut.")) return "nin_shortcut." + rest.substr(14);
  return rest;
}

std::string vae_attention(const std::string& rest) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"group_norm.", "norm."}, {"to_q.", "q."}, {"to_k.", "k."}, {"to_v.", "v."}, {"to_out.0.", "proj_out."}};
  for (const auto& [from, to] : kMap)
    if (starts(rest, from)) return to + rest.substr(std::string(from).size());
  return "";
}

}  // namespace

std::string unet_ldm_name(const UNetConfig& c, const std::string& name) {
  const int per = c.layers_per_block + 1;  // input blocks per level (resnets + a downsampler)
  int i = 0, j = 0;
  std::string rest;
  auto wrap = [](const std::string& mapped, const std::string& head) { return mapped.empty() ? "" : head + mapped; };
  if (starts(name, "time_embedding.linear_1.")) return "time_embed.0." + name.substr(24);
  if (starts(name, "time_embedding.linear_2.")) return "time_embed.2." + name.substr(24);
  if (starts(name, "conv_in.")) return "input_blocks.0.0." + name.substr(8);
  if (starts(name, "conv_norm_out.")) return "out.0." + name.substr(14);
  if (starts(name, "conv_out.")) return "out.2." + name.substr(9);
  if (parse(name, "down_blocks.%d.resnets.%d.%255s", &i, &j, &rest))
    return wrap(unet_resnet(rest), "input_blocks." + std::to_string(1 + i * per + j) + ".0.");
  if (parse(name, "down_blocks.%d.attentions.%d.%255s", &i, &j, &rest))
    return "input_blocks." + std::to_string(1 + i * per + j) + ".1." + rest;
  if (parse(name, "down_blocks.%d.downsamplers.0.conv.%255s", &i, nullptr, &rest))
    return "input_blocks." + std::to_string((i + 1) * per) + ".0.op." + rest;
  if (parse(name, "mid_block.resnets.%d.%255s", &i, nullptr, &rest))
    return wrap(unet_resnet(rest), "middle_block." + std::to_string(i * 2) + ".");
  if (starts(name, "mid_block.attentions.0.")) return "middle_block.1." + name.substr(23);
  if (parse(name, "up_blocks.%d.resnets.%d.%255s", &i, &j, &rest))
    return wrap(unet_resnet(rest), "output_blocks." + std::to_string(i * per + j) + ".0.");
  if (parse(name, "up_blocks.%d.attentions.%d.%255s", &i, &j, &rest))
    return "output_blocks." + std::to_string(i * per + j) + ".1." + rest;
  if (parse(name, "up_blocks.%d.upsamplers.0.conv.%255s", &i, nullptr, &rest)) {
    const bool attention = static_cast<size_t>(i) < c.up_attention.size() && c.up_attention[i];
    return "output_blocks." + std::to_string(i * per + c.layers_per_block) + (attention ? ".2" : ".1") + ".conv." + rest;
  }
  return "";
}

std::string vae_ldm_name(const VaeConfig& c, const std::string& name) {
  const int n = static_cast<int>(c.block_out.size());
  int i = 0, j = 0;
  std::string rest;
  for (const char* coder : {"encoder.", "decoder."}) {
    if (!starts(name, coder)) continue;
    const std::string head = coder, local = name.substr(head.size());
    const bool decoder = head == "decoder.";
    if (starts(local, "conv_norm_out.")) return head + "norm_out." + local.substr(14);
    if (starts(local, "conv_in.") || starts(local, "conv_out.")) return name;
    if (parse(local, "mid_block.resnets.%d.%255s", &i, nullptr, &rest))
      return head + "mid.block_" + std::to_string(i + 1) + "." + vae_resnet(rest);
    if (starts(local, "mid_block.attentions.0.")) {
      const std::string mapped = vae_attention(local.substr(23));
      return mapped.empty() ? "" : head + "mid.attn_1." + mapped;
    }
    // The decoder's up blocks run from the deepest level: diffusers' up_blocks.0 is LDM's up.{n-1}.
    const char* blocks = decoder ? "up_blocks.%d.resnets.%d.%255s" : "down_blocks.%d.resnets.%d.%255s";
    if (parse(local, blocks, &i, &j, &rest))
      return head + (decoder ? "up." + std::to_string(n - 1 - i) : "down." + std::to_string(i)) + ".block." +
             std::to_string(j) + "." + vae_resnet(rest);
    if (!decoder && parse(local, "down_blocks.%d.downsamplers.0.conv.%255s", &i, nullptr, &rest))
      return head + "down." + std::to_string(i) + ".downsample.conv." + rest;
    if (decoder && parse(local, "up_blocks.%d.upsamplers.0.conv.%255s", &i, nullptr, &rest))
      return head + "up." + std::to_string(n - 1 - i) + ".upsample.conv." + rest;
    return "";
  }
  if (starts(name, "quant_conv.") || starts(name, "post_quant_conv.")) return name;
  return "";
}

Result<UNetConfig> unet_config_from_ldm(const SafetensorsFile& f, int heads, int groups) {
  const std::string p = kLdmUNetPrefix;
  auto has = [&](const std::string& n) { return f.find(p + n) != nullptr; };
  if (!has("input_blocks.0.0.weight") || !has("out.2.weight") || !has("time_embed.0.weight"))
    return make_error(f.path() + ": no Stable Diffusion UNet (model.diffusion_model.input_blocks/out/time_embed are missing)");
  int inputs = 0;
  while (has("input_blocks." + std::to_string(inputs) + ".0.weight") ||
         has("input_blocks." + std::to_string(inputs) + ".0.in_layers.0.weight") ||
         has("input_blocks." + std::to_string(inputs) + ".0.op.weight"))
    ++inputs;
  int first_op = 0;
  for (int k = 1; k < inputs && !first_op; ++k)
    if (has("input_blocks." + std::to_string(k) + ".0.op.weight")) first_op = k;
  UNetConfig c;
  c.layers_per_block = first_op ? first_op - 1 : inputs - 1;
  const int per = c.layers_per_block + 1;
  if (c.layers_per_block < 1 || inputs % per != 0)
    return make_error(f.path() + ": the UNet's input blocks do not form levels (" + std::to_string(inputs) + " blocks)");
  const int levels = inputs / per;
  c.block_out.clear();
  c.down_attention.clear();
  c.up_attention.clear();
  for (int i = 0; i < levels; ++i) {
    const std::string first = "input_blocks." + std::to_string(1 + i * per);
    auto w = shape_of(f, p + first + ".0.out_layers.3.weight");
    if (!w) return w.error();
    c.block_out.push_back(static_cast<int>((*w)[0]));
    c.down_attention.push_back(has(first + ".1.proj_in.weight"));
    c.up_attention.push_back(has("output_blocks." + std::to_string(i * per) + ".1.proj_in.weight"));
  }
  auto in = shape_of(f, p + "input_blocks.0.0.weight");
  auto out = shape_of(f, p + "out.2.weight");
  if (!in || !out || in->size() != 4 || out->size() != 4) return make_error(f.path() + ": the UNet's conv_in/conv_out are not convolutions");
  c.in_channels = static_cast<int>((*in)[1]);
  c.out_channels = static_cast<int>((*out)[0]);
  // The attention details, from the first transformer (the mid block always has one).
  const std::string t = "middle_block.1.";
  auto k = shape_of(f, p + t + "transformer_blocks.0.attn2.to_k.weight");
  auto proj = shape_of(f, p + t + "proj_in.weight");
  if (!k || !proj) return make_error(f.path() + ": the UNet's middle block has no spatial transformer");
  c.cross_attention_dim = static_cast<int>((*k)[1]);
  c.linear_projection = proj->size() == 2;
  c.transformer_layers = 0;
  while (has(t + "transformer_blocks." + std::to_string(c.transformer_layers) + ".norm1.weight")) ++c.transformer_layers;
  c.heads.assign(c.block_out.size(), heads);
  c.groups = groups;
  for (size_t i = 0; i < c.block_out.size(); ++i)
    if (c.block_out[i] % heads != 0 || c.block_out[i] % groups != 0)
      return make_error(f.path() + ": UNet width " + std::to_string(c.block_out[i]) + " does not divide into " +
                        std::to_string(heads) + " heads and " + std::to_string(groups) +
                        " norm groups (set them in the config beside the checkpoint)");
  return c;
}

Result<VaeConfig> vae_config_from_ldm(const SafetensorsFile& f, int groups) {
  const std::string p = std::string(kLdmVaePrefix) + "encoder.down.";
  VaeConfig c;
  c.block_out.clear();
  for (int i = 0;; ++i) {
    auto w = shape_of(f, p + std::to_string(i) + ".block.0.conv1.weight");
    if (!w) break;
    c.block_out.push_back(static_cast<int>((*w)[0]));
  }
  if (c.block_out.empty()) return make_error(f.path() + ": no VAE (first_stage_model.encoder.down.* is missing)");
  c.layers_per_block = 0;
  while (f.find(p + "0.block." + std::to_string(c.layers_per_block) + ".conv1.weight")) ++c.layers_per_block;
  auto post = shape_of(f, std::string(kLdmVaePrefix) + "post_quant_conv.weight");
  auto in = shape_of(f, std::string(kLdmVaePrefix) + "encoder.conv_in.weight");
  auto out = shape_of(f, std::string(kLdmVaePrefix) + "decoder.conv_out.weight");
  if (!post) return post.error();
  if (!in) return in.error();
  if (!out) return out.error();
  c.latent_channels = static_cast<int>((*post)[0]);
  c.in_channels = static_cast<int>((*in)[1]);
  c.out_channels = static_cast<int>((*out)[0]);
  c.groups = groups;
  for (int w : c.block_out)
    if (w % groups != 0)
      return make_error(f.path() + ": VAE width " + std::to_string(w) + " is not a multiple of " + std::to_string(groups) +
                        " norm groups (set them in the config beside the checkpoint)");
  return c;
}

}  // namespace provena::sd1
