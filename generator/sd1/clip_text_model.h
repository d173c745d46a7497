// CLIP's text transformer as Stable Diffusion 1.x uses it (transformers' CLIPTextModel):
// token + position embeddings, pre-LN layers with causal self-attention and a quick_gelu
// MLP, a final layer norm. Parameter names follow transformers below "text_model.", so
// diffusers' text_encoder/model.safetensors and an LDM checkpoint's
// "cond_stage_model.transformer.text_model." tensors load directly. Internal to
// generator/ (includes torch).
#pragma once

#include <torch/torch.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "generator/safetensors.h"

namespace provena::sd1 {

struct ClipTextConfig {
  int vocab = 49408, hidden = 768, layers = 12, heads = 12, intermediate = 3072, positions = 77;
  bool quick_gelu = true;  // SD 1.x; "gelu" (SD 2.x OpenCLIP) when false
  double eps = 1e-5;
  int eos_id = 49407;      // the pooled output is taken at the first EOS
};

// From transformers' config.json (hidden_size, num_hidden_layers, num_attention_heads,
// intermediate_size, max_position_embeddings, vocab_size, hidden_act, layer_norm_eps,
// eos_token_id).
Result<ClipTextConfig> clip_text_config_from_json(std::string_view json);
// What the tensors below `prefix` tell (sizes, layer count); the head count cannot be
// seen in shapes: `heads` when given (> 0), else hidden / 64 as in every CLIP.
Result<ClipTextConfig> clip_text_config_from_shapes(const SafetensorsFile& file, const std::string& prefix, int heads = 0);

struct ClipAttentionImpl : torch::nn::Module {
  ClipAttentionImpl(int hidden, int heads);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  int heads;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(ClipAttention);

struct ClipMlpImpl : torch::nn::Module {
  ClipMlpImpl(int hidden, int intermediate, bool quick_gelu);
  torch::Tensor forward(const torch::Tensor& x);
  bool quick_gelu;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

struct ClipLayerImpl : torch::nn::Module {
  explicit ClipLayerImpl(const ClipTextConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  ClipAttention self_attn{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipLayer);

struct ClipEmbeddingsImpl : torch::nn::Module {
  explicit ClipEmbeddingsImpl(const ClipTextConfig& c);
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(ClipEmbeddings);

struct ClipEncoderImpl : torch::nn::Module {
  explicit ClipEncoderImpl(const ClipTextConfig& c);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(ClipEncoder);

struct ClipTextOutput {
  torch::Tensor last_hidden_state;           // (B, L, hidden), after the final layer norm
  std::vector<torch::Tensor> hidden_states;  // embeddings, then each layer's output (before the final LN)
  torch::Tensor pooled;                      // (B, hidden): last_hidden_state at the first EOS
};

struct ClipTextModelImpl : torch::nn::Module {
  explicit ClipTextModelImpl(const ClipTextConfig& c);
  // ids: (B, L) int64, L <= positions. Causal mask, no padding mask (as CLIP).
  ClipTextOutput forward(const torch::Tensor& ids);
  // What conditions the UNet: the last layer's output with clip_skip 1, the output of
  // layer (layers - clip_skip + 1) for larger values (A1111's "CLIP skip"), through the
  // final layer norm either way.
  torch::Tensor encode(const torch::Tensor& ids, int clip_skip = 1);
  ClipTextConfig config;
  ClipEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextModel);

}  // namespace provena::sd1
