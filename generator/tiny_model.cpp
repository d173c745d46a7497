#include "generator/tiny_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_shape.h"
#include "core/text.h"
#include "generator/safetensors.h"
#include "generator/shapes_dataset.h"

namespace provena::tiny {
namespace {

using nlohmann::json;
namespace F = torch::nn::functional;

constexpr int kTimeDim = 256;
constexpr int kGroups = 8;

torch::Tensor timestep_embedding(const torch::Tensor& t, int dim) {
  const int half = dim / 2;
  auto freqs = torch::exp(-std::log(10000.0) * torch::arange(half, t.options()) / half);
  auto args = t.unsqueeze(1) * freqs.unsqueeze(0);
  return torch::cat({torch::cos(args), torch::sin(args)}, 1);
}

// 2D sine-cosine encoding of a square grid of `cells` (row-major, as flatten(2) orders
// them) in `channels`: half the channels for x, half for y, at geometric frequencies. The
// learned embedding starts from it, so cross-attention can tell places apart from step 0.
torch::Tensor grid_position_encoding(int cells, int channels) {
  const int side = static_cast<int>(std::lround(std::sqrt(cells)));
  const int quarter = channels / 4;
  auto freqs = torch::exp(-std::log(100.0) * torch::arange(quarter, torch::kFloat32) / std::max(1, quarter));
  auto coord = torch::arange(side, torch::kFloat32);
  auto ang = coord.unsqueeze(1) * freqs.unsqueeze(0) * M_PI / 2;  // (side, quarter)
  auto axis = torch::cat({torch::sin(ang), torch::cos(ang)}, 1);    // (side, 2 quarter)
  auto x = axis.unsqueeze(0).expand({side, side, 2 * quarter});
  auto y = axis.unsqueeze(1).expand({side, side, 2 * quarter});
  auto enc = torch::zeros({side, side, channels});
  enc.slice(2, 0, 4 * quarter).copy_(torch::cat({x, y}, 2));
  return enc.reshape({cells, 1, channels}).clone();
}

std::optional<std::string> draw_weights_error(std::string_view key, const std::vector<int>& weights, int count) {
  if (weights.empty()) return std::nullopt;
  int total = 0;
  for (int w : weights) total += w;
  if (weights.size() != size_t(count) || total <= 0 ||
      std::any_of(weights.begin(), weights.end(), [](int w) { return w < 0 || w > 1000; }))
    return std::string(key) + " must be " + std::to_string(count) + " whole numbers from 0 to 1000, not all 0";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> shape_weights_error(const std::vector<int>& weights) {
  return draw_weights_error("shape_weights", weights, shapes::kShapeCount);
}

std::optional<std::string> size_weights_error(const std::vector<int>& weights) {
  return draw_weights_error("size_weights", weights, shapes::kSizeCount);
}

std::string config_to_json(const Config& c) {
  json j = {{"family", "tiny-flow"}, {"resolution", c.resolution}, {"patch", c.patch}, {"ch0", c.ch0},
            {"ch1", c.ch1}, {"ch2", c.ch2}, {"text_dim", c.text_dim}, {"text_layers", c.text_layers}, {"heads", c.heads},
            {"max_tokens", c.max_tokens}, {"shift", c.shift}, {"train_shift", c.train_shift}, {"vocab", c.vocab}};
  if (c.attn0) j["attn0"] = true;  // absent in configs from before it existed
  if (c.fine > 0) j["fine"] = c.fine;
  if (c.train_mix > 0) j["train_mix"] = c.train_mix;
  if (c.edge_weight > 0) j["edge_weight"] = c.edge_weight;
  if (c.object_weight > 0) j["object_weight"] = c.object_weight;
  if (c.object_balance > 0) j["object_balance"] = c.object_balance;
  if (c.snr_weight > 0) j["snr_weight"] = c.snr_weight;
  if (!c.shape_weights.empty()) j["shape_weights"] = c.shape_weights;
  if (!c.size_weights.empty()) j["size_weights"] = c.size_weights;
  if (c.unsized_means_medium) j["unsized_means_medium"] = true;
  if (c.position_optional) j["position_optional"] = true;
  if (c.short_caption_percent != shapes::kShortCaptionPercent) j["short_caption_percent"] = c.short_caption_percent;
  j["guidance"] = c.guidance;
  if (c.edm_sigma_data > 0) j["edm_sigma_data"] = c.edm_sigma_data;
  return j.dump(1);
}

Result<Config> config_from_json(std::string_view text) {
  if (auto problem = json_shape_error(text, 8, 1u << 20)) return make_error("model config: " + *problem);
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("family", "") != "tiny-flow") return make_error("model config: not a tiny-flow config");
  Config c;
  try {
    c.resolution = j.at("resolution").get<int>();
    c.patch = j.at("patch").get<int>();
    c.ch0 = j.at("ch0").get<int>();
    c.ch1 = j.at("ch1").get<int>();
    c.ch2 = j.at("ch2").get<int>();
    c.text_dim = j.at("text_dim").get<int>();
    c.text_layers = j.at("text_layers").get<int>();
    c.heads = j.at("heads").get<int>();
    c.max_tokens = j.at("max_tokens").get<int>();
    c.shift = j.value("shift", 1.0);
    c.train_shift = j.value("train_shift", c.shift);
    c.attn0 = j.value("attn0", false);
    c.fine = j.value("fine", 0);
    c.train_mix = j.value("train_mix", 0.0);
    c.edge_weight = j.value("edge_weight", 0.0);
    c.object_weight = j.value("object_weight", 0.0);
    c.object_balance = j.value("object_balance", 0.0);
    c.snr_weight = j.value("snr_weight", 0.0);
    c.shape_weights = j.value("shape_weights", std::vector<int>{});
    c.size_weights = j.value("size_weights", std::vector<int>{});
    c.unsized_means_medium = j.value("unsized_means_medium", false);
    c.position_optional = j.value("position_optional", false);
    c.short_caption_percent = j.value("short_caption_percent", shapes::kShortCaptionPercent);
    c.guidance = j.value("guidance", c.guidance);
    c.edm_sigma_data = j.value("edm_sigma_data", 0.0);
    c.vocab = j.at("vocab").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return make_error(std::string("model config: ") + e.what());
  }
  if (c.patch < 1 || c.resolution < 4 * c.patch || c.resolution % (4 * c.patch) != 0 || c.vocab.size() < 3 ||
      c.ch0 < kGroups || c.ch0 % kGroups || c.ch1 % kGroups || c.ch2 % kGroups || c.ch1 % c.heads ||
      c.ch2 % c.heads || c.text_dim % c.heads || c.max_tokens < 2 || c.fine < 0 || c.fine % kGroups)
    return make_error("model config: inconsistent sizes");
  if (auto problem = shape_weights_error(c.shape_weights)) return make_error("model config: " + *problem);
  if (auto problem = size_weights_error(c.size_weights)) return make_error("model config: " + *problem);
  if (c.short_caption_percent < 0 || c.short_caption_percent > 100)
    return make_error("model config: short_caption_percent must be 0..100, not " + std::to_string(c.short_caption_percent));
  return c;
}

std::vector<std::string> split_caption(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    uint32_t cp = next_code_point(text, i);
    if (is_cjk(cp)) {
      flush();
      out.emplace_back(text.substr(start, i - start));
    } else if (cp < 128 && std::isalnum(static_cast<int>(cp))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<int>(cp))));
    } else {
      flush();  // spaces, punctuation (ASCII and CJK: ，、。)
    }
  }
  flush();
  return out;
}

std::vector<int64_t> tokenize(const Config& c, std::string_view text) {
  std::vector<int64_t> ids(static_cast<size_t>(c.max_tokens), 0);
  ids[0] = 2;
  size_t n = 1;
  for (const auto& w : split_caption(text)) {
    if (n >= ids.size()) break;
    int64_t id = 1;
    for (size_t v = 3; v < c.vocab.size(); ++v)
      if (c.vocab[v] == w) id = static_cast<int64_t>(v);
    ids[n++] = id;
  }
  return ids;
}

ResBlockImpl::ResBlockImpl(int in, int out, int time_dim) {
  norm1 = register_module("norm1", torch::nn::GroupNorm(kGroups, in));
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
  film = register_module("film", torch::nn::Linear(time_dim, 2 * out));
  norm2 = register_module("norm2", torch::nn::GroupNorm(kGroups, out));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)));
  if (in != out) skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  auto h = conv1(torch::silu(norm1(x)));
  auto ss = film(temb).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
  h = norm2(h) * (1 + ss[0]) + ss[1];
  h = conv2(torch::silu(h));
  return h + (skip ? skip(x) : x);
}

CrossAttentionImpl::CrossAttentionImpl(int channels, int text_dim, int heads, int cells, bool self_attention) {
  norm = register_module("norm", torch::nn::GroupNorm(kGroups, channels));
  if (self_attention) {
    ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
    self_attn = register_module("self_attn", torch::nn::MultiheadAttention(channels, heads));
  }
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
  to_ctx = register_module("to_ctx", torch::nn::Linear(text_dim, channels));
  cross_attn = register_module("cross_attn", torch::nn::MultiheadAttention(channels, heads));
  pos = register_parameter("pos", grid_position_encoding(cells, channels));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& ctx, const torch::Tensor& pad_mask) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto seq = norm(x).flatten(2).permute({2, 0, 1});  // (HW, B, C)
  if (self_attn) {
    auto q = ln1(seq) + pos;
    seq = seq + std::get<0>(self_attn(q, q, q));
  }
  auto k = to_ctx(ctx);
  // The cell's position in the query too: "top left" in the prompt is found by where the
  // asking cell is, not only by what it holds.
  auto q = ln2(seq) + pos;
  seq = seq + std::get<0>(cross_attn(q, k, k, pad_mask));
  return x + seq.permute({1, 2, 0}).reshape({b, c, h, w});
}

torch::Tensor CrossAttentionImpl::text(const torch::Tensor& x, const torch::Tensor& ctx, const torch::Tensor& pad_mask) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto q = ln2(norm(x).flatten(2).permute({2, 0, 1})) + pos;  // (HW, B, C)
  auto k = to_ctx(ctx);
  return std::get<0>(cross_attn(q, k, k, pad_mask)).permute({1, 2, 0}).reshape({b, c, h, w});
}

ModelImpl::ModelImpl(const Config& c) : config(c) {
  const int in_ch = 3 * c.patch * c.patch;
  tok_emb = register_module("tok_emb", torch::nn::Embedding(static_cast<int64_t>(c.vocab.size()), c.text_dim));
  pos_emb = register_module("pos_emb", torch::nn::Embedding(c.max_tokens, c.text_dim));
  auto layer = torch::nn::TransformerEncoderLayer(
      torch::nn::TransformerEncoderLayerOptions(c.text_dim, c.heads).dim_feedforward(2 * c.text_dim).dropout(0.0));
  text = register_module("text", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, c.text_layers)));
  text_norm = register_module("text_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.text_dim})));
  time1 = register_module("time1", torch::nn::Linear(128, kTimeDim));
  time2 = register_module("time2", torch::nn::Linear(kTimeDim, kTimeDim));
  const int cells1 = (c.resolution / c.patch / 2) * (c.resolution / c.patch / 2), cells2 = cells1 / 4;
  in_conv = register_module("in_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_ch + 2, c.ch0, 3).padding(1)));
  r0a = register_module("r0a", ResBlock(c.ch0, c.ch0, kTimeDim));
  r0b = register_module("r0b", ResBlock(c.ch0, c.ch0, kTimeDim));
  down0 = register_module("down0", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.ch0, c.ch1, 3).stride(2).padding(1)));
  r1a = register_module("r1a", ResBlock(c.ch1, c.ch1, kTimeDim));
  a1 = register_module("a1", CrossAttention(c.ch1, c.text_dim, c.heads, cells1));
  r1b = register_module("r1b", ResBlock(c.ch1, c.ch1, kTimeDim));
  down1 = register_module("down1", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.ch1, c.ch2, 3).stride(2).padding(1)));
  r2a = register_module("r2a", ResBlock(c.ch2, c.ch2, kTimeDim));
  a2 = register_module("a2", CrossAttention(c.ch2, c.text_dim, c.heads, cells2));
  mid = register_module("mid", ResBlock(c.ch2, c.ch2, kTimeDim));
  amid = register_module("amid", CrossAttention(c.ch2, c.text_dim, c.heads, cells2));
  u2 = register_module("u2", ResBlock(2 * c.ch2, c.ch2, kTimeDim));
  up1 = register_module("up1", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(c.ch2, c.ch1, 4).stride(2).padding(1)));
  u1a = register_module("u1a", ResBlock(2 * c.ch1, c.ch1, kTimeDim));
  au1 = register_module("au1", CrossAttention(c.ch1, c.text_dim, c.heads, cells1));
  u1b = register_module("u1b", ResBlock(c.ch1, c.ch1, kTimeDim));
  up0 = register_module("up0", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(c.ch1, c.ch0, 4).stride(2).padding(1)));
  u0a = register_module("u0a", ResBlock(2 * c.ch0, c.ch0, kTimeDim));
  u0b = register_module("u0b", ResBlock(c.ch0, c.ch0, kTimeDim));
  if (c.attn0) {
    const int cells0 = (c.resolution / c.patch) * (c.resolution / c.patch);
    a0 = register_module("a0", CrossAttention(c.ch0, c.text_dim, c.heads, cells0, /*self_attention=*/false));
    au0 = register_module("au0", CrossAttention(c.ch0, c.text_dim, c.heads, cells0, /*self_attention=*/false));
    torch::NoGradGuard no_grad;
    for (auto* a : {&a0, &au0}) {
      (*a)->cross_attn->out_proj->weight.zero_();
      (*a)->cross_attn->out_proj->bias.zero_();
    }
  }
  out_norm = register_module("out_norm", torch::nn::GroupNorm(kGroups, c.ch0));
  out_conv = register_module("out_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.ch0, in_ch, 3).padding(1)));
  if (c.fine > 0) {
    fine_in = register_module("fine_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, c.fine, 3).padding(1)));
    fine_a = register_module("fine_a", ResBlock(c.fine, c.fine, kTimeDim));
    fine_b = register_module("fine_b", ResBlock(c.fine, c.fine, kTimeDim));
    fine_norm = register_module("fine_norm", torch::nn::GroupNorm(kGroups, c.fine));
    fine_out = register_module("fine_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.fine, 3, 3).padding(1)));
  }
  // The output starts at zero: training begins from a stable point, and a head added to a
  // trained model starts as no change.
  torch::NoGradGuard no_grad;
  for (auto* conv : {&out_conv, &fine_out}) {
    if (!*conv) continue;
    (*conv)->weight.zero_();
    (*conv)->bias.zero_();
  }
}

std::pair<torch::Tensor, torch::Tensor> ModelImpl::encode_text(const torch::Tensor& tokens) {
  auto pos = torch::arange(tokens.size(1), tokens.options());
  auto h = (tok_emb(tokens) + pos_emb(pos).unsqueeze(0)).transpose(0, 1);  // (L, B, D)
  auto pad = tokens.eq(0);
  h = text->forward(h, /*src_mask=*/torch::Tensor(), /*src_key_padding_mask=*/pad);
  return {text_norm(h), pad};
}

torch::Tensor ModelImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& ctx,
                                 const torch::Tensor& pad_mask) {
  auto temb = time2(torch::silu(time1(timestep_embedding(t, 128))));
  // Cell coordinates in [-1, 1] as two extra channels (x, then y).
  const int64_t g = x.size(2) / config.patch;
  auto axis = torch::linspace(-1, 1, g, x.options());
  auto coords = torch::stack({axis.view({1, g}).expand({g, g}), axis.view({g, 1}).expand({g, g})})
                    .unsqueeze(0)
                    .expand({x.size(0), 2, g, g});
  torch::Tensor c_skip, c_out, input = x;
  if (config.edm_sigma_data > 0) {
    const double s2 = config.edm_sigma_data * config.edm_sigma_data;
    auto tt = (t / 1000).reshape({-1, 1, 1, 1}).to(x.dtype());
    auto d = (1 - tt) * (1 - tt) * s2 + tt * tt;
    c_skip = s2 * (1 - tt) / d;
    c_out = tt * config.edm_sigma_data / d.sqrt();
    input = x / d.sqrt();
  }
  auto h0 = r0b(r0a(in_conv(torch::cat({torch::pixel_unshuffle(input, config.patch), coords}, 1)), temb), temb);
  if (config.attn0) h0 = h0 + a0->text(h0, ctx, pad_mask);
  auto h1 = r1b(a1(r1a(down0(h0), temb), ctx, pad_mask), temb);
  auto h2 = a2(r2a(down1(h1), temb), ctx, pad_mask);
  auto u = amid(mid(h2, temb), ctx, pad_mask);
  u = up1(u2(torch::cat({u, h2}, 1), temb));
  u = u1b(au1(u1a(torch::cat({u, h1}, 1), temb), ctx, pad_mask), temb);
  u = u0a(torch::cat({up0(u), h0}, 1), temb);
  if (config.attn0) u = u + au0->text(u, ctx, pad_mask);
  u = u0b(u, temb);
  auto f = torch::pixel_shuffle(out_conv(torch::silu(out_norm(u))), config.patch);
  if (config.fine > 0) {
    auto d = fine_b(fine_a(fine_in(torch::cat({input, f}, 1)), temb), temb);
    f = f + fine_out(torch::silu(fine_norm(d)));
  }
  return config.edm_sigma_data > 0 ? c_skip * x + c_out * f : f;
}

torch::Tensor training_loss(const torch::Tensor& pred, const torch::Tensor& x0, const torch::Tensor& t,
                            const Config& c, const torch::Tensor& objects) {
  auto err = (pred - x0).pow(2);
  const bool by_objects = c.object_weight > 0 && objects.defined();
  if (c.edge_weight > 0 || by_objects) {
    auto w = torch::ones_like(x0.select(1, 0).unsqueeze(1));
    if (c.edge_weight > 0) {
      auto local_mean = F::avg_pool2d(x0, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
      w = w + c.edge_weight * ((x0 - local_mean).abs().sum(1, true) > 0.05).to(x0.dtype());
    }
    if (by_objects) w = w + c.object_weight * objects.to(x0.dtype());
    err = w * err / w.mean();
  }
  if (c.snr_weight <= 0) return err.mean();
  auto snr = ((1 - t) / t.clamp_min(1e-4)).pow(2);
  auto w = snr.clamp(1.0, c.snr_weight).reshape({-1, 1, 1, 1});
  return (w * err).mean() / w.mean();
}

int64_t parameter_count(Model& m) {
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

std::string save_weights(Model& m, const std::map<std::string, std::string>& metadata, bool half) {
  std::vector<TensorOut> out;
  for (const auto& item : m->named_parameters()) {
    auto t = item.value().detach().to(torch::kCPU, half ? torch::kHalf : torch::kFloat32).contiguous();
    TensorOut o;
    o.name = item.key();
    o.dtype = half ? DType::kF16 : DType::kF32;
    o.shape = t.sizes().vec();
    o.data.assign(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel() * t.element_size()));
    out.push_back(std::move(o));
  }
  return encode_safetensors(out, metadata);
}

Status load_weights(Model& m, const std::string& bytes, const std::string& name, bool allow_missing) {
  auto f = SafetensorsFile::parse(bytes, name);
  if (!f) return f.error();
  torch::NoGradGuard no_grad;
  for (auto& item : m->named_parameters()) {
    const TensorInfo* t = f->find(item.key());
    if (!t && allow_missing) continue;
    if (!t) return make_error(name + ": no tensor '" + item.key() + "' (not weights of this model configuration)");
    if (t->shape != item.value().sizes().vec())
      return make_error(name + ": tensor '" + item.key() + "' has the wrong shape for this configuration");
    auto v = f->read_f32(*t);
    if (!v) return v.error();
    item.value().copy_(torch::from_blob(v->data(), t->shape, torch::kFloat32));
  }
  return Ok{};
}

}  // namespace provena::tiny
