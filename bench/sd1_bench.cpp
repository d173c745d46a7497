// sd1_bench: Stable Diffusion 1.5 speed with SD 1.5's architecture and random weights (the
// real model's shapes and FLOPs; no checkpoint needed): text encoding, the guided UNet
// steps and the VAE decode of one image, as issue 7's GPU figure asks (512x512, batch 1,
// CFG, 50 steps, fp16 on the GPU).
//   sd1_bench [--device auto|cpu|cuda] [--precision auto|fp32|fp16|bf16] [--steps N] [--size WxH]
//             [--batch N] [--runs N] [--sampler NAME] [--threads T]
// The CLIP vocabulary comes from $PROVENA_CLIP_TOKENIZER or the Hugging Face cache.
// Prints iterations/s (UNet steps with guidance, measured between the first and the last
// step callback, so text encoding and decoding are outside it) and seconds per image.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "generator/pipeline.h"
#include "generator/threads.h"

int main(int argc, char** argv) {
  provena::LoadOptions lo;
  provena::GenerateOptions o;
  o.prompt = "a photograph of an astronaut riding a horse, (highly detailed:1.2), golden hour";
  o.negative = "blurry, low quality";
  o.steps = 50;
  o.cfg = 7;
  o.width = o.height = 512;
  o.sampler = "Euler";
  int runs = 2, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--device") lo.device = v;
    else if (a == "--precision") lo.precision = v;
    else if (a == "--steps") o.steps = std::atoi(v.c_str());
    else if (a == "--size") std::sscanf(v.c_str(), "%dx%d", &o.width, &o.height);
    else if (a == "--batch") o.batch = std::atoi(v.c_str());
    else if (a == "--runs") runs = std::atoi(v.c_str());
    else if (a == "--sampler") o.sampler = v;
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "usage: sd1_bench [--device auto|cpu|cuda] [--precision auto|fp32|fp16|bf16] [--steps N]\n"
                           "                 [--size WxH] [--batch N] [--runs N] [--sampler NAME] [--threads T]\n");
      return 2;
    }
  }
  provena::use_compute_threads(threads);
  const auto load_start = std::chrono::steady_clock::now();
  auto pipeline = provena::Pipeline::random_sd15(lo, 1);
  if (!pipeline) {
    std::fprintf(stderr, "sd1_bench: %s\n", pipeline.error().message.c_str());
    return 1;
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  std::printf("model %s: %.0fM parameters, built in %.1f s\n", (*pipeline)->model().name.c_str(),
              static_cast<double>((*pipeline)->model().parameters) / 1e6, load_s);
  if (auto st = (*pipeline)->check(o); !st) {
    std::fprintf(stderr, "sd1_bench: %s\n", st.error().message.c_str());
    return 2;
  }
  // Run 0 warms up (allocator, kernels' autotuning); the others are measured.
  std::vector<double> its, seconds;
  for (int run = 0; run <= runs; ++run) {
    std::chrono::steady_clock::time_point first, last;
    int first_step = 0, last_step = 0;
    o.progress = [&](int step, int) {
      const auto now = std::chrono::steady_clock::now();
      if (first_step == 0) first = now, first_step = step;
      last = now, last_step = step;
      return true;
    };
    provena::GenerationStats stats;
    auto images = (*pipeline)->generate(o, &stats);
    if (!images) {
      std::fprintf(stderr, "sd1_bench: %s\n", images.error().message.c_str());
      return 1;
    }
    const double span = std::chrono::duration<double>(last - first).count();
    const double it_s = last_step > first_step && span > 0 ? (last_step - first_step) / span : 0;
    std::printf("%s %d: %.2f it/s, %.2f s/image (%d steps %dx%d batch %d, %s, %s %s%s%s)\n", run ? "run" : "warm-up", run,
                it_s, stats.seconds / o.batch, o.steps, o.width, o.height, o.batch, stats.sampler.c_str(),
                stats.device.c_str(), stats.precision.c_str(), stats.gpu_name.empty() ? "" : ", ", stats.gpu_name.c_str());
    if (run) its.push_back(it_s), seconds.push_back(stats.seconds / o.batch);
    std::fflush(stdout);
  }
  double best_it = 0, best_s = 1e30;
  for (size_t i = 0; i < its.size(); ++i) best_it = std::max(best_it, its[i]), best_s = std::min(best_s, seconds[i]);
  if (!its.empty())
    std::printf("best: %.2f it/s, %.2f s/image (target on an H100: >= 40 it/s, eager diffusers with SDPA)\n", best_it,
                best_s);
  return 0;
}
