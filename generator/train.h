// Training of the embedded default model (tiny-flow) on the procedurally rendered,
// captioned shapes of generator/shapes_dataset.h. Deterministic given the seed (data,
// noise and timesteps are functions of (seed, step)) and resumable: a checkpoint folder
// holds the config, the weights, the optimizer state and the step reached.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace provena {

struct TrainProgress {
  int64_t step = 0, steps = 0;
  double loss = 0;          // mean over the last report interval
  double learning_rate = 0;  // at the last step
  double images_per_second = 0;
  double elapsed_seconds = 0;
};

struct TrainOptions {
  std::string checkpoint_dir;  // created or resumed
  int64_t steps = 6000;
  int batch = 32;
  uint64_t seed = 1;
  double learning_rate = 3e-4;
  int checkpoint_every = 200;
  double max_seconds = 0;  // > 0: stop (after a checkpoint) once this much time has passed
  // With max_seconds: the learning rate's cosine runs over that time (or the steps, if they
  // end first), so a run boxed into a GPU lease ends at the low rate whatever its speed.
  bool lr_follows_clock = false;
  int threads = 0;         // 0: all cores
  // > 0: keep an exponential moving average of the weights with this decay (e.g. 0.999;
  // lower over the first steps, see train.cpp), saved as CKPT/ema.safetensors beside the
  // weights; export_tiny then exports the average. 0: none.
  double ema_decay = 0;
  // Where the model trains: auto (CUDA when available), cpu, cuda. Batches are rendered
  // and noise is drawn on the CPU either way (the same numbers on every device), in
  // parallel over the batch.
  std::string device = "auto";
  // Architecture of a fresh run (0: the defaults of tiny::Config); a resumed run keeps its own.
  int ch0 = 0, ch1 = 0, ch2 = 0, patch = 0;
  double edm_sigma_data = -1;  // a fresh run: tiny::Config::edm_sigma_data (< 0: the default)
  // A fresh run's training choices, tiny::Config's fields of the same names (< 0: the
  // default, or init_from's).
  double train_mix = -1;
  double edge_weight = -1;
  double object_weight = -1;
  double object_balance = -1;
  double snr_weight = -1;
  std::vector<int> shape_weights;  // empty: init_from's, or alike
  std::vector<int> size_weights;   // the same
  bool unsized_means_medium = false;  // true: set it (false: init_from's, or off)
  bool position_optional = false;     // the same
  int short_caption_percent = -1;     // 0..100 (< 0: init_from's, or shapes::kShortCaptionPercent)
  bool attn0 = false;  // a fresh run: attention at the top level too (tiny::Config::attn0)
  int fine = 0;        // a fresh run: a full-resolution head this wide (tiny::Config::fine)
  // A fresh run that starts from another checkpoint's weights and configuration (its
  // architecture, plus attn0 or fine when asked; new parameters keep their initial values), or from
  // an exported model's (a folder with model.json and model.safetensors, as assets/tiny-flow).
  std::string init_from;
  std::function<void(const TrainProgress&)> progress;  // every 20 steps
};

Status train_tiny(const TrainOptions& options);

// The objects' loss weight factors of one training image (tiny::Config::object_balance):
// `covered` as shapes::render() reports it (0, or 1 + the object's index, per pixel); per
// pixel 0 off the objects, else (covered.size() / 16 / the object's pixel count)^balance.
std::vector<float> object_loss_factors(const std::vector<uint8_t>& covered, double balance);

// Writes DIR/model.safetensors, DIR/model.json (config) and DIR/model.sha256 from a
// checkpoint (its weights' moving average when it has one): the layout of assets/tiny-flow/.
Status export_tiny(const std::string& checkpoint_dir, const std::string& out_dir);

}  // namespace provena
