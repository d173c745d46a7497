// generate_bench: images/s of the embedded model on this machine at the default settings
// (8 steps, guidance 4, batch 8) and its eval scores (generator/eval.h).
//   generate_bench [--model DIR] [--prompts N] [--positionless N] [--device cpu|cuda] [--threads T] [--dump DIR]
//                  [--steps N] [--cfg X]
// --dump writes every eval image and an index.tsv of per-criterion outcomes, to look at.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "generator/eval.h"
#include "generator/threads.h"

int main(int argc, char** argv) {
  std::string model = std::string(PROVENA_SOURCE_DIR) + "/assets/tiny-flow";
  provena::EvalOptions o;
  provena::use_compute_threads(0);
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model") model = argv[i + 1];
    else if (a == "--prompts") o.prompts = std::atoi(argv[i + 1]);
    else if (a == "--positionless") o.positionless = std::atoi(argv[i + 1]);
    else if (a == "--device") o.device = argv[i + 1];
    else if (a == "--dump") o.dump_dir = argv[i + 1];
    else if (a == "--steps") o.steps = std::atoi(argv[i + 1]);
    else if (a == "--cfg") o.cfg = std::atof(argv[i + 1]);
    else if (a == "--threads") provena::use_compute_threads(std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: generate_bench [--model DIR] [--prompts N] [--positionless N] [--device cpu|cuda] [--threads T]\n"
                           "                      [--dump DIR] [--steps N] [--cfg X]\n");
      return 2;
    }
  }
  auto pipeline = provena::Pipeline::load(model, o.device);
  if (!pipeline) {
    std::fprintf(stderr, "generate_bench: %s\n", pipeline.error().message.c_str());
    return 1;
  }
  auto r = provena::evaluate_model(**pipeline, o);
  if (!r) {
    std::fprintf(stderr, "generate_bench: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("model %s (%lld parameters, sha256 %.12s...), %d threads\n", (*pipeline)->model().name.c_str(),
              static_cast<long long>((*pipeline)->model().parameters), (*pipeline)->model().sha256.c_str(),
              torch::get_num_threads());
  std::printf("speed: %.2f images/s (%d steps, cfg %.1f, batch %d; target >= 5 on 2 cores)\n", r->images_per_second,
              o.steps, r->cfg, o.batch);
  std::printf("eval over %d held-out prompts: score %.3f (English %.3f, Chinese %.3f); chance level %.3f\n", r->prompts,
              r->score, r->score_en, r->score_zh, r->shuffled_score);
  std::printf("background %.2f (target >= 0.95)\n", r->background);
  std::printf("colour %.2f (target >= 0.90)\n", r->colour);
  std::printf("shape %.2f (target >= 0.80)\n", r->shape);
  std::printf("position %.2f (target >= 0.80)\n", r->position);
  std::printf("drawn once %.2f (each object as many times as asked; no target)\n", r->once);
  std::printf("%s%sshapes as drawn (per shape asked for):\n%s", provena::positionless_text(*r).c_str(),
              provena::shape_by_size_text(*r).c_str(), provena::shape_confusion_text(*r).c_str());
  return 0;
}
