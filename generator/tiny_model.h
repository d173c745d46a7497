// The embedded default model family "tiny-flow" (internal to generator/: includes torch).
// A text-conditioned rectified-flow model on 64x64 RGB: a word/character tokenizer over
// the caption vocabulary (English words, Chinese characters), a small transformer text
// encoder, and a three-level UNet over the image folded into patches (pixel unshuffle:
// 16x16, 8x8 and 4x4 cells for 64x64 and patch 4), with time FiLM in every residual block,
// the cell coordinates as two extra input channels, and self-attention (with learned
// position embeddings) plus cross-attention to the text at the two coarser levels: where
// an object goes is a question of absolute position, which convolutions alone answer poorly.
// The model predicts the clean image x0 from x_t = (1 - t) x0 + t noise; samplers get the
// flow velocity as v = (x_t - x0) / t. (Predicting v itself would push the noise through
// the patch bottleneck, which the model cannot represent: the loss stalled.)
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "generator/shapes_dataset.h"

namespace provena::tiny {

struct Config {
  int resolution = 64;
  int patch = 4;                  // pixel-unshuffle factor: the UNet's top level is resolution / patch
  int ch0 = 48, ch1 = 96, ch2 = 160;  // UNet widths at its three levels
  int text_dim = 128, text_layers = 2, heads = 4, max_tokens = 32;
  // Timestep shifts t -> s t / (1 + (s - 1) t) (SD3's resolution shift), at sampling and,
  // stronger, in training. Flat-coloured 64x64 scenes keep their layout visible through a
  // lot of noise (a medium object's ~1000 values still show at t = 0.95): the prompt's
  // "top left" is only needed above t ~ 0.97, which unshifted logit-normal timesteps
  // sample 0.1% of the time (a model trained so ignored position words entirely), shift 3
  // 0.9%, shift 12 16%.
  double shift = 3.0;
  double train_shift = 12.0;
  // Fraction of training timesteps drawn unshifted (plain logit-normal). Shift 12 alone
  // rarely visits t < 0.7 (5% of samples), where the edges that make a square a square
  // are decided; a mixture keeps the high-noise samples position words need.
  double train_mix = 0.0;
  // Extra loss weight on pixels at edges (where a pixel differs from its 3x3 mean by more
  // than 0.05, summed over channels): 1 + edge_weight there, 1 elsewhere. Object outlines
  // are a few per cent of the pixels, so plain MSE is content with blobs.
  double edge_weight = 0.0;
  // Extra loss weight on the objects' pixels (their rendered silhouettes grown by a pixel;
  // the training batch supplies the mask): 1 + object_weight there. The background is most
  // of every image and was learned first (background 1.00 in the eval); a small object is 3%
  // of the pixels and a medium one 9%, so their shapes got a few per cent of the gradient.
  double object_weight = 0.0;
  // With object_weight: an object's pixels weigh 1 + object_weight (A / a)^object_balance,
  // a its pixel count and A a sixteenth of the image (about a medium object's area at 64x64).
  // 1 gives each object about the same share of the loss whatever its size; 0 (the
  // default) weighs every object pixel alike, and a small object counts a fifth of a large one.
  double object_balance = 0.0;
  // Per-sample loss weight from the signal-to-noise ratio ((1 - t) / t)^2, clamped to
  // [1, snr_weight] (0: off): low-noise samples count up to snr_weight times more. With x0
  // = F the high-noise samples, whose error is mostly irreducible, dominated the gradient
  // and the model learned to ignore x_t: its x0 prediction for a square under noise 0.3
  // was the same blob as under 0.95.
  double snr_weight = 0.0;
  // How often each shape is drawn in training (shapes::random_scene's shape_weights; empty:
  // alike). A model that draws stars as circles sees more stars.
  std::vector<int> shape_weights;
  // How often each size (small, medium, large) is drawn, the same way. Small shapes were
  // the ones drawn wrong most (0.55 right against 0.99 for large).
  std::vector<int> size_weights;
  // A short training caption leaves out only a medium object's size
  // (shapes::random_caption): "a red star" then shows a medium star, not a blend of the three
  // sizes (which the eval's size-less prompts drew right 0.19 of the time).
  bool unsized_means_medium = false;
  // Short training captions may also leave out the positions alone, keeping the
  // background (shapes::CaptionOptions): no caption did, and "a blue heart on a white
  // background" rendered as clouds.
  bool position_optional = false;
  // Percent of training captions that are short (shapes::CaptionOptions::short_percent):
  // with position_optional at 10, a fortieth of the captions keep a background without a
  // position, and 1,760 steps of that left "a blue heart on a white background" clouds.
  int short_caption_percent = shapes::kShortCaptionPercent;
  // The default guidance scale at sampling. 2 scored best over 200 held-out prompts for
  // the shipped model (background 0.96 at 2, 0.88 at 2.5, 0.43 at 4: stronger guidance
  // over-saturates flat colours); a model.json without "guidance" gets this too.
  double guidance = 2.0;
  // How the network's output F becomes the x0 prediction. 0: x0 = F (the shipped model).
  // > 0: Karras et al.'s (EDM) preconditioning with this data standard deviation, in flow
  // form: x0 = c_skip(t) x_t + c_out(t) F(c_in(t) x_t), c_skip = s^2 (1 - t) / D,
  // c_out = t s / sqrt(D), c_in = 1 / sqrt(D), D = (1 - t)^2 s^2 + t^2. At low noise the
  // input passes through (c_skip -> 1) and F only corrects it; with x0 = F the model drew
  // the same round blob for a square whether it saw the square under noise 0.3 or 0.95.
  double edm_sigma_data = 0.0;
  // Cross-attention to the text at the top level too (after r0b and u0a), added as a
  // residual whose output projection starts at zero, so a model trained without it starts
  // out unchanged: shape words then act on 4x4-pixel cells, not only on the coarser
  // levels' 8x8 and 16x16.
  bool attn0 = false;
  // Width of a full-resolution head (0: none) that corrects the UNet's x0 prediction pixel
  // by pixel from the noisy input and that prediction: two ResBlocks at R x R, output
  // projection starting at zero (a model grown with it starts out unchanged). The UNet's
  // top level holds 48 values per 4x4-pixel cell, exactly the cell's pixels: it carried
  // the scene but not the input's detail (the blob at noise 0.3, see docs/generator.md).
  int fine = 0;
  std::vector<std::string> vocab;  // index = token id; 0 <pad>, 1 <unk>, 2 <bos>
};

// Why a Config::shape_weights / size_weights list is unusable (nullopt: empty or fine).
std::optional<std::string> shape_weights_error(const std::vector<int>& weights);
std::optional<std::string> size_weights_error(const std::vector<int>& weights);
std::string config_to_json(const Config& c);
Result<Config> config_from_json(std::string_view json);

// Lower-cased words split at spaces and punctuation; every CJK character is one token.
std::vector<std::string> split_caption(std::string_view text);
// <bos> + token ids, padded with <pad> to max_tokens (longer captions are cut).
std::vector<int64_t> tokenize(const Config& c, std::string_view text);

struct ResBlockImpl : torch::nn::Module {
  ResBlockImpl(int in, int out, int time_dim);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb);
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  torch::nn::Linear film{nullptr};
};
TORCH_MODULE(ResBlock);

struct CrossAttentionImpl : torch::nn::Module {
  // `self_attention` false: cross-attention to the text only (the top level's 256 cells
  // attending to each other cost 3x the rest of the model).
  CrossAttentionImpl(int channels, int text_dim, int heads, int cells, bool self_attention = true);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& ctx, const torch::Tensor& pad_mask);
  // The cross-attention's output alone (B, C, H, W), for a plain residual x + text(x).
  torch::Tensor text(const torch::Tensor& x, const torch::Tensor& ctx, const torch::Tensor& pad_mask);
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::MultiheadAttention self_attn{nullptr}, cross_attn{nullptr};
  torch::nn::Linear to_ctx{nullptr};
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::Tensor pos;  // (cells, 1, channels): learned position embedding for self-attention
};
TORCH_MODULE(CrossAttention);

struct ModelImpl : torch::nn::Module {
  explicit ModelImpl(const Config& c);
  // tokens (B, max_tokens) -> (context (L, B, text_dim), pad mask (B, L))
  std::pair<torch::Tensor, torch::Tensor> encode_text(const torch::Tensor& tokens);
  // x (B, 3, R, R) in [-1, 1] scale, t (B) in [0, 1000] -> predicted x0 (B, 3, R, R)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& ctx,
                        const torch::Tensor& pad_mask);
  Config config;
  torch::nn::Embedding tok_emb{nullptr}, pos_emb{nullptr};
  torch::nn::TransformerEncoder text{nullptr};
  torch::nn::LayerNorm text_norm{nullptr};
  torch::nn::Linear time1{nullptr}, time2{nullptr};
  torch::nn::Conv2d in_conv{nullptr}, down0{nullptr}, down1{nullptr}, out_conv{nullptr};
  torch::nn::ConvTranspose2d up0{nullptr}, up1{nullptr};
  ResBlock r0a{nullptr}, r0b{nullptr}, r1a{nullptr}, r1b{nullptr}, r2a{nullptr}, mid{nullptr}, u2{nullptr},
      u1a{nullptr}, u1b{nullptr}, u0a{nullptr}, u0b{nullptr};
  CrossAttention a1{nullptr}, a2{nullptr}, amid{nullptr}, au1{nullptr};
  CrossAttention a0{nullptr}, au0{nullptr};  // config.attn0 only: cross-attention alone, zero-initialized output
  torch::nn::GroupNorm out_norm{nullptr};
  torch::nn::Conv2d fine_in{nullptr}, fine_out{nullptr};  // config.fine only
  ResBlock fine_a{nullptr}, fine_b{nullptr};
  torch::nn::GroupNorm fine_norm{nullptr};
};
TORCH_MODULE(Model);

int64_t parameter_count(Model& m);

// The training loss of an x0 prediction `pred` for images `x0` noised to timesteps `t`
// (one per sample, in [0, 1]): squared error with pixel weight 1 + edge_weight on edge
// pixels + object_weight x `objects` (B x 1 x H x W: 0 off the objects, else the object's
// weight factor, 1 without object_balance; undefined: none known), and a per-sample weight clamp(SNR(t), 1, snr_weight), SNR = ((1 - t) / t)^2
// (Config), each normalized by its mean so the loss stays on the plain MSE's scale.
torch::Tensor training_loss(const torch::Tensor& pred, const torch::Tensor& x0, const torch::Tensor& t,
                            const Config& c, const torch::Tensor& objects = {});
// Weights as safetensors (parameter names as keys; F32, or F16 for the shipped model) and back.
std::string save_weights(Model& m, const std::map<std::string, std::string>& metadata, bool half = false);
// `allow_missing`: parameters the file lacks keep their initial values (a run started from
// a checkpoint of a smaller configuration); otherwise a missing tensor is an error.
Status load_weights(Model& m, const std::string& safetensors_bytes, const std::string& name, bool allow_missing = false);

}  // namespace provena::tiny
