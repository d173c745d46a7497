#include "generator/sd1/clip_text_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "generator/sd1/weights.h"

namespace provena::sd1 {

namespace {
using nlohmann::json;
}

Result<ClipTextConfig> clip_text_config_from_json(std::string_view text) {
  auto parsed = parse_config(text, "text encoder config");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  ClipTextConfig c;
  try {
    c.hidden = j.at("hidden_size").get<int>();
    c.layers = j.at("num_hidden_layers").get<int>();
    c.heads = j.at("num_attention_heads").get<int>();
    c.intermediate = j.at("intermediate_size").get<int>();
    c.positions = j.value("max_position_embeddings", 77);
    c.vocab = j.value("vocab_size", 49408);
    c.quick_gelu = j.value("hidden_act", std::string("quick_gelu")) == "quick_gelu";
    c.eps = j.value("layer_norm_eps", 1e-5);
    if (j.contains("eos_token_id") && j["eos_token_id"].is_number_integer()) c.eos_id = j["eos_token_id"].get<int>();
  } catch (const std::exception& e) {
    return make_error(std::string("text encoder config: ") + e.what());
  }
  if (c.hidden <= 0 || c.layers <= 0 || c.heads <= 0 || c.hidden % c.heads != 0 || c.intermediate <= 0 ||
      c.positions <= 0 || c.vocab <= 0)
    return make_error("text encoder config: sizes must be positive and hidden_size a multiple of the head count");
  return c;
}

Result<ClipTextConfig> clip_text_config_from_shapes(const SafetensorsFile& f, const std::string& prefix, int heads) {
  ClipTextConfig c;
  auto tok = shape_of(f, prefix + "embeddings.token_embedding.weight");
  auto pos = shape_of(f, prefix + "embeddings.position_embedding.weight");
  auto fc1 = shape_of(f, prefix + "encoder.layers.0.mlp.fc1.weight");
  if (!tok) return tok.error();
  if (!pos) return pos.error();
  if (!fc1) return fc1.error();
  if (tok->size() != 2 || pos->size() != 2 || fc1->size() != 2) return make_error(f.path() + ": text encoder tensors are not matrices");
  c.vocab = static_cast<int>((*tok)[0]);
  c.hidden = static_cast<int>((*tok)[1]);
  c.positions = static_cast<int>((*pos)[0]);
  c.intermediate = static_cast<int>((*fc1)[0]);
  int layers = 0;
  while (f.find(prefix + "encoder.layers." + std::to_string(layers) + ".layer_norm1.weight")) ++layers;
  c.layers = layers;
  c.heads = heads > 0 ? heads : std::max(1, c.hidden / 64);
  if (c.hidden % c.heads != 0) return make_error(f.path() + ": text encoder width " + std::to_string(c.hidden) +
                                                 " is not a multiple of " + std::to_string(c.heads) + " heads");
  return c;
}

ClipAttentionImpl::ClipAttentionImpl(int hidden, int heads) : heads(heads) {
  q_proj = register_module("q_proj", torch::nn::Linear(hidden, hidden));
  k_proj = register_module("k_proj", torch::nn::Linear(hidden, hidden));
  v_proj = register_module("v_proj", torch::nn::Linear(hidden, hidden));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden, hidden));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t b = x.size(0), l = x.size(1), c = x.size(2), d = c / heads;
  auto split = [&](const torch::Tensor& t) { return t.view({b, l, heads, d}).transpose(1, 2); };
  auto q = split(q_proj(x)) * (1.0 / std::sqrt(static_cast<double>(d)));
  auto k = split(k_proj(x)), v = split(v_proj(x));
  auto w = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) + mask, -1);
  return out_proj(torch::matmul(w, v).transpose(1, 2).reshape({b, l, c}));
}

ClipMlpImpl::ClipMlpImpl(int hidden, int intermediate, bool quick_gelu) : quick_gelu(quick_gelu) {
  fc1 = register_module("fc1", torch::nn::Linear(hidden, intermediate));
  fc2 = register_module("fc2", torch::nn::Linear(intermediate, hidden));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  h = quick_gelu ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
  return fc2(h);
}

ClipLayerImpl::ClipLayerImpl(const ClipTextConfig& c) {
  auto ln = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.eps)); };
  layer_norm1 = register_module("layer_norm1", ln());
  self_attn = register_module("self_attn", ClipAttention(c.hidden, c.heads));
  layer_norm2 = register_module("layer_norm2", ln());
  mlp = register_module("mlp", ClipMlp(c.hidden, c.intermediate, c.quick_gelu));
}

torch::Tensor ClipLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto h = x + self_attn(layer_norm1(x), mask);
  return h + mlp(layer_norm2(h));
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const ClipTextConfig& c) {
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocab, c.hidden));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(c.positions, c.hidden));
}

ClipEncoderImpl::ClipEncoderImpl(const ClipTextConfig& c) {
  for (int i = 0; i < c.layers; ++i) layers->push_back(ClipLayer(c));
  register_module("layers", layers);
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& c) : config(c) {
  embeddings = register_module("embeddings", ClipEmbeddings(c));
  encoder = register_module("encoder", ClipEncoder(c));
  final_layer_norm =
      register_module("final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.eps)));
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& ids) {
  const int64_t l = ids.size(1);
  TORCH_CHECK(l <= config.positions, "text encoder: ", l, " tokens, more than its ", config.positions, " positions");
  auto positions = torch::arange(l, ids.options().dtype(torch::kLong));
  auto x = embeddings->token_embedding(ids) + embeddings->position_embedding(positions).unsqueeze(0);
  // Causal: position i attends to positions <= i.
  auto mask = torch::full({l, l}, -std::numeric_limits<float>::infinity(), x.options()).triu(1);
  ClipTextOutput out;
  out.hidden_states.push_back(x);
  for (const auto& layer : *encoder->layers) {
    x = layer->as<ClipLayer>()->forward(x, mask);
    out.hidden_states.push_back(x);
  }
  out.last_hidden_state = final_layer_norm(x);
  auto eos_at = (ids == config.eos_id).to(torch::kFloat32).argmax(1);  // the first EOS
  out.pooled = out.last_hidden_state.index({torch::arange(ids.size(0), eos_at.options()), eos_at});
  return out;
}

torch::Tensor ClipTextModelImpl::encode(const torch::Tensor& ids, int clip_skip) {
  auto out = forward(ids);
  const int skip = std::clamp(clip_skip, 1, config.layers);
  if (skip == 1) return out.last_hidden_state;
  return final_layer_norm(out.hidden_states[out.hidden_states.size() - static_cast<size_t>(skip)]);
}

}  // namespace provena::sd1
