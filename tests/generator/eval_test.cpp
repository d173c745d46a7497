// The eval of the embedded model: the per-criterion fractions and the table of what was
// drawn for each shape asked for add up to the checks made on the images.
#include "generator/eval.h"

#include <gtest/gtest.h>

#include "generator/shapes_dataset.h"

namespace provena {
namespace {

TEST(Eval, ScoresTheShippedModelAndTablesWhatItDrew) {
  auto pipeline = Pipeline::load(std::string(PROVENA_SOURCE_DIR) + "/assets/tiny-flow", "cpu");
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  EvalOptions o;
  o.prompts = 6;
  o.steps = 2;
  o.batch = 2;
  o.positionless = 2;
  auto r = evaluate_model(**pipeline, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompts, 6);
  EXPECT_EQ(r->positionless_prompts, 2);
  for (double f : {r->positionless_background, r->positionless_colour, r->positionless_shape, r->positionless_once,
                   r->once}) {
    EXPECT_GE(f, 0.0);
    EXPECT_LE(f, 1.0);
  }
  for (double f : {r->background, r->colour, r->shape, r->position, r->score}) {
    EXPECT_GE(f, 0.0);
    EXPECT_LE(f, 1.0);
  }
  EXPECT_GT(r->images_per_second, 0);
  // One entry per object of the prompts the eval drew, in the row of its shape; the
  // diagonal is the shape fraction.
  int objects = 0;
  std::array<int, shapes::kShapeCount> asked{};
  std::array<int, shapes::kSizeCount + 1> sized{};
  for (int i = 0; i < o.prompts; ++i) {
    const auto scene = shapes::random_scene(o.seed, uint64_t(i));
    const auto wanted = shapes::parse_caption(shapes::random_caption(scene, o.seed, uint64_t(i)));
    ASSERT_TRUE(wanted);
    for (const auto& object : wanted->objects)
      ++objects, ++asked[size_t(object.shape)], ++sized[object.size_given ? size_t(object.size) : sized.size() - 1];
  }
  int total = 0, right = 0;
  for (int w = 0; w < shapes::kShapeCount; ++w) {
    int row = 0;
    for (int n : r->shape_seen[size_t(w)]) row += n;
    EXPECT_EQ(row, asked[size_t(w)]) << shapes::shape_name(shapes::Shape(w));
    total += row;
    right += r->shape_seen[size_t(w)][size_t(w)];
  }
  EXPECT_EQ(total, objects);
  EXPECT_DOUBLE_EQ(r->shape, double(right) / total);
  // The same checks by the size asked for: a row per size, the right ones summing to the diagonal.
  int right_by_size = 0;
  for (size_t z = 0; z < sized.size(); ++z) {
    EXPECT_EQ(r->shape_by_size[z][0], sized[z]) << shape_size_name(z);
    EXPECT_LE(r->shape_by_size[z][1], r->shape_by_size[z][0]);
    right_by_size += r->shape_by_size[z][1];
  }
  EXPECT_EQ(right_by_size, right);
}

// The prompts scored apart name a background and each object's size, never a position,
// in both languages, and are not among the training captions' scenes (another seed).
TEST(Eval, PositionlessPromptsKeepBackgroundAndSizesAndDropPositions) {
  EvalOptions o;
  int chinese = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string prompt = positionless_prompt(o, i);
    auto parsed = shapes::parse_caption(prompt);
    ASSERT_TRUE(parsed) << prompt;
    EXPECT_TRUE(parsed->background_given) << prompt;
    ASSERT_FALSE(parsed->objects.empty()) << prompt;
    for (const auto& object : parsed->objects) {
      EXPECT_FALSE(object.position_given) << prompt;
      EXPECT_TRUE(object.size_given) << prompt;
    }
    chinese += static_cast<unsigned char>(prompt[0]) >= 0x80;
  }
  EXPECT_EQ(chinese, 20);
  EXPECT_NE(positionless_prompt(o, 0), positionless_prompt(o, 2));
  EvalReport r;
  EXPECT_EQ(positionless_text(r), "");
  r.positionless_prompts = 40;
  r.positionless_background = 0.9, r.positionless_colour = 0.85, r.positionless_shape = 0.6, r.positionless_once = 0.4;
  EXPECT_EQ(positionless_text(r),
            "no position given (40 prompts): background 0.90, colour 0.85, shape 0.60, drawn once 0.40\n");
}

TEST(Eval, ShapeBySizeLineSkipsSizesNotAsked) {
  EvalReport r;
  r.shape_by_size[0] = {4, 1};
  r.shape_by_size[2] = {8, 6};
  r.shape_by_size[3] = {2, 0};
  EXPECT_EQ(shape_by_size_text(r), "shape by size asked: small 0.25 of 4, large 0.75 of 8, unsized 0.00 of 2\n");
}

TEST(Eval, ShapeTableNamesWhatWasDrawnInstead) {
  EvalReport r;
  auto& square = r.shape_seen[size_t(shapes::Shape::kSquare)];
  square[size_t(shapes::Shape::kSquare)] = 1;
  square[size_t(shapes::Shape::kCircle)] = 2;
  square[size_t(shapes::Shape::kRing)] = 3;
  square[shapes::kShapeCount] = 1;
  r.shape_seen[size_t(shapes::Shape::kHeart)][size_t(shapes::Shape::kHeart)] = 4;
  EXPECT_EQ(shape_confusion_text(r),
            "square      7: 0.14 right; seen ring 3, circle 2, none 1\n"
            "heart       4: 1.00 right\n");
}

}  // namespace
}  // namespace provena
