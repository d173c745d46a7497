// provena-train: trains (or resumes training of) the embedded default model and exports
// it to assets/. Kept out of `provena` so that commands that do not generate never load
// libtorch.
//   provena-train --dir CKPT [--steps N] [--batch B] [--seed S] [--max-minutes M] [--threads T]
//   provena-train --dir NEW --init-from CKPT [--attn0] [...]   (a fresh run from CKPT's weights)
//   provena-train --dir CKPT --export assets/tiny-flow
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "generator/train.h"

namespace {

// "2,4,2,6,2,2,3,2" -> the numbers; anything but whole numbers and commas exits with usage 2.
std::vector<int> weight_list(const std::string& option, const char* text) {
  std::vector<int> out;
  const char* p = text;
  while (*p) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p || (*end != ',' && *end != '\0') || v < 0 || v > 1000) {
      std::fprintf(stderr, "provena-train: %s '%s': expected whole numbers 0..1000 separated by commas\n", option.c_str(), text);
      std::exit(2);
    }
    out.push_back(int(v));
    p = *end ? end + 1 : end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  provena::TrainOptions o;
  std::string export_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "provena-train: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") o.checkpoint_dir = value();
    else if (a == "--steps") o.steps = std::atoll(value());
    else if (a == "--batch") o.batch = std::atoi(value());
    else if (a == "--seed") o.seed = std::strtoull(value(), nullptr, 10);
    else if (a == "--max-minutes") o.max_seconds = 60 * std::atof(value());
    else if (a == "--lr-by-clock") o.lr_follows_clock = true;
    else if (a == "--threads") o.threads = std::atoi(value());
    else if (a == "--device") o.device = value();
    else if (a == "--lr") o.learning_rate = std::atof(value());
    else if (a == "--ema") o.ema_decay = std::atof(value());
    else if (a == "--export") export_dir = value();
    else if (a == "--ch0") o.ch0 = std::atoi(value());
    else if (a == "--ch1") o.ch1 = std::atoi(value());
    else if (a == "--ch2") o.ch2 = std::atoi(value());
    else if (a == "--patch") o.patch = std::atoi(value());
    else if (a == "--attn0") o.attn0 = true;
    else if (a == "--fine") o.fine = std::atoi(value());
    else if (a == "--train-mix") o.train_mix = std::atof(value());
    else if (a == "--edm") o.edm_sigma_data = std::atof(value());
    else if (a == "--edge-weight") o.edge_weight = std::atof(value());
    else if (a == "--object-weight") o.object_weight = std::atof(value());
    else if (a == "--object-balance") o.object_balance = std::atof(value());
    else if (a == "--snr-weight") o.snr_weight = std::atof(value());
    else if (a == "--shape-weights") o.shape_weights = weight_list(a, value());
    else if (a == "--size-weights") o.size_weights = weight_list(a, value());
    else if (a == "--unsized-means-medium") o.unsized_means_medium = true;
    else if (a == "--position-optional") o.position_optional = true;
    else if (a == "--short-captions") o.short_caption_percent = std::atoi(value());
    else if (a == "--init-from") o.init_from = value();
    else {
      std::fprintf(stderr, "usage: provena-train --dir CKPT [--steps N] [--batch B] [--seed S] [--max-minutes M [--lr-by-clock]]\n"
                           "                     [--threads T] [--device auto|cpu|cuda] [--lr X] [--ema D]   (D: the weights' moving average's decay)\n"
                           "                     [--patch P --ch0 C --ch1 C --ch2 C] [--attn0] [--fine C]\n"
                           "                     [--train-mix F]   (fraction of timesteps drawn unshifted)\n"
                           "                     [--edm SIGMA_DATA]   (EDM preconditioning, e.g. 0.5)\n"
                           "                     [--edge-weight W]   (extra loss weight on edge pixels)\n"
                           "                     [--object-weight W [--object-balance P]]   (extra loss weight on the objects' pixels,\n"
                           "                                                  times (image/16 / object's pixels)^P)\n"
                           "                     [--snr-weight G]   (low-noise samples weigh up to G times more)\n"
                           "                     [--shape-weights W,W,...]   (how often each of circle, square, triangle, star, ring,\n"
                           "                                                  diamond, cross, heart is drawn; default alike)\n"
                           "                     [--size-weights W,W,W]   (the same for small, medium, large)\n"
                           "                     [--unsized-means-medium]   (short captions leave out only a medium object's size)\n"
                           "                     [--position-optional]   (short captions may leave out positions alone)\n"
                           "                     [--short-captions P]   (percent of captions that are short; default 10)\n"
                           "                     [--init-from CKPT|MODEL_DIR]   (a fresh run from those weights)\n"
                           "       provena-train --dir CKPT --export DIR\n");
      return 2;
    }
  }
  if (o.checkpoint_dir.empty() || o.steps < 1 || o.batch < 1) {
    std::fprintf(stderr, "provena-train: --dir is required; steps and batch must be positive\n");
    return 2;
  }
  if (!export_dir.empty()) {
    auto st = provena::export_tiny(o.checkpoint_dir, export_dir);
    if (!st) {
      std::fprintf(stderr, "provena-train: %s\n", st.error().message.c_str());
      return 1;
    }
    std::printf("exported %s to %s\n", o.checkpoint_dir.c_str(), export_dir.c_str());
    return 0;
  }
  o.progress = [](const provena::TrainProgress& p) {
    std::printf("step %6lld/%lld  loss %.4f  lr %.2e  %.1f images/s  %.0f s\n", static_cast<long long>(p.step),
                static_cast<long long>(p.steps), p.loss, p.learning_rate, p.images_per_second, p.elapsed_seconds);
    std::fflush(stdout);
  };
  auto st = provena::train_tiny(o);
  if (!st) {
    std::fprintf(stderr, "provena-train: %s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
