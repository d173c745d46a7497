// How well a model draws what its prompt asks for: prompts from held-out scenes of the
// shapes data set, each generated image scored by shapes::score_image against the scene
// its caption describes (background colour, each object's colour at its position, its
// size) and checked per criterion by shapes::check_image (background, colour, shape,
// position). Also the generation speed at those settings.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "generator/pipeline.h"
#include "generator/shapes_dataset.h"

namespace provena {

struct EvalOptions {
  int prompts = 200;
  int steps = 8;
  double cfg = -1;  // < 0: the model's default
  int batch = 8;
  uint64_t seed = 1000;  // scene indices used by training are (training seed, 0...): another seed holds out
  std::string device = "auto";
  // When set: each generated image is written there as NNN.png (its prompt in a tEXt
  // `prompt` chunk), with an index.tsv of prompt and per-criterion outcomes.
  std::string dump_dir;
  // Further prompts, scored apart: a background and objects with sizes but no position
  // ("a small blue heart on a white background"), the form users type most and the
  // training captions long held none of. Written as pNNN.png when dumped.
  int positionless = 40;
};

// The eval's i-th prompt without positions: a held-out scene (seed + 2), every object's
// position left out, English for even i and Chinese for odd.
std::string positionless_prompt(const EvalOptions& options, int i);

struct EvalReport {
  int prompts = 0;
  double score = 0;                 // mean score_image over all prompts, 0..1
  double score_en = 0, score_zh = 0;
  double shuffled_score = 0;        // the same images scored against another prompt's scene: the chance level
  double images_per_second = 0;     // generation alone
  double cfg = 0;                   // the guidance scale used
  // Fractions of shapes::check_image's checks passed over all prompts, per criterion; the
  // targets are background >= 0.95, colour >= 0.90, shape >= 0.80, position >= 0.80.
  double background = 0, colour = 0, shape = 0, position = 0;
  // Objects drawn once (shapes::SceneCheck::once_ok): not a target, a check on the others.
  double once = 0;
  // What the images drew for each shape asked for (shapes::SceneCheck::shape_seen, summed).
  std::array<std::array<int, shapes::kShapeCount + 1>, shapes::kShapeCount> shape_seen{};
  // The shape checks by the size asked for ({checks, passed}; last: no size in the prompt).
  std::array<std::array<int, 2>, shapes::kSizeCount + 1> shape_by_size{};
  // The prompts without positions (EvalOptions::positionless): their own fractions, not
  // counted in the ones above.
  int positionless_prompts = 0;
  double positionless_background = 0, positionless_colour = 0, positionless_shape = 0, positionless_once = 0;
};

// The prompts without positions as one line: "no position given (40 prompts): background
// 0.90, colour 0.85, shape 0.60, drawn once 0.40"; empty when there were none.
std::string positionless_text(const EvalReport& report);

// The names of shape_by_size's rows: "small", "medium", "large", "unsized".
const char* shape_size_name(size_t row);
// shape_by_size as one line: "shape by size: small 0.19 of 27, medium 0.24 of 34, ...".
std::string shape_by_size_text(const EvalReport& report);

// shape_seen as a table: a row per shape asked for, its checks, the fraction drawn right and
// the shapes seen instead ("square 13: 0.00 right; seen circle 7, ring 4, none 2").
std::string shape_confusion_text(const EvalReport& report);

Result<EvalReport> evaluate_model(Pipeline& pipeline, const EvalOptions& options);

}  // namespace provena
