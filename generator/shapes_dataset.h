// Procedural, captioned training data for Provena's embedded text-to-image model: scenes of
// one or two shapes in named colours, sizes and positions on solid, gradient or striped
// backgrounds, rendered by the project itself (no data set to download or license) and
// captioned in English and Chinese. The same vocabulary parses back, so the eval can score a
// generated image against the prompt that made it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provena::shapes {

enum class Shape { kCircle, kSquare, kTriangle, kStar, kRing, kDiamond, kCross, kHeart };
enum class Size { kSmall, kMedium, kLarge };  // about 18% / 30% / 45% of the image side
// Cells of a 3x3 grid, row by row.
enum class Position { kTopLeft, kTop, kTopRight, kLeft, kCenter, kRight, kBottomLeft, kBottom, kBottomRight };
enum class Background { kSolid, kGradient, kStripes };

inline constexpr int kShapeCount = 8;
inline constexpr int kSizeCount = 3;
inline constexpr int kPositionCount = 9;
inline constexpr int kBackgroundCount = 3;

struct Colour {
  const char* en;  // "red"
  const char* zh;  // "红色"; without the trailing 色 it is the stem used in "蓝白渐变"
  uint8_t r, g, b;
};
const std::vector<Colour>& colours();
const char* shape_name(Shape shape);  // "circle", as English captions write it  // 12 named colours, far enough apart to learn and score

struct Object {
  Shape shape = Shape::kCircle;
  int colour = 0;  // index into colours()
  Size size = Size::kMedium;
  Position position = Position::kCenter;
  // Offset from the cell centre as a fraction of the image side (0 for parsed captions).
  float jitter_x = 0, jitter_y = 0;
  // False where a caption left the attribute out ("red circle"): captions omit it and
  // score_image does not check it.
  bool size_given = true;
  bool position_given = true;
};

struct Scene {
  std::vector<Object> objects;  // 1 or 2, in different cells, not overlapping
  Background background = Background::kSolid;
  int bg_colour = 0;
  int bg_colour2 = 0;                // gradient end / second stripe colour; = bg_colour when solid
  bool stripes_vertical = false;     // stripes run top to bottom (colour changes along x)
  bool gradient_horizontal = false;  // gradient runs left to right instead of top to bottom
  int stripe_count = 5;              // 4..6
  bool background_given = true;      // false: a caption without "on a ... background"
};

// Deterministic on every platform: own SplitMix64 stream per (seed, index), own bounded mapping.
// `shape_weights` (empty, or kShapeCount non-negative integers, in Shape order) draws shape k
// with probability weight k / sum; empty or all equal draws them alike, the same scenes.
// `size_weights` (empty, or kSizeCount of them: small, medium, large) does the same for sizes.
Scene random_scene(uint64_t seed, uint64_t index, const std::vector<int>& shape_weights = {},
                   const std::vector<int>& size_weights = {});

// "a small red circle at top left and a large green star at bottom right on a yellow and
// white striped background"; gradients read "on a blue to white gradient background".
std::string caption_en(const Scene& scene);
// "黄白条纹背景左上角的红色小圆和右下角的绿色大星星"; "蓝白渐变背景", "蓝色背景".
std::string caption_zh(const Scene& scene);
// What short captions may leave out (random_caption); the defaults are the captions every
// model before these options was trained on, and the eval's.
inline constexpr int kShortCaptionPercent = 10;
struct CaptionOptions {
  // A short caption leaves out only a medium object's size: "a red circle" is then always
  // a medium one (as parse_caption reads it), never a blend of sizes.
  bool unsized_means_medium = false;
  // A fourth kind of short caption: no position, size and background kept ("a blue heart
  // on a white background"), as users write them.
  bool position_optional = false;
  // Percent of captions that are short (0..100): 10, the share every model before it saw;
  // more gives each kind of short caption a larger share.
  int short_percent = kShortCaptionPercent;
};
// English or Chinese about half each; 10% (short_percent) are short (no size, no background, or just
// "red circle"; with options, see CaptionOptions) so short prompts are in the training
// distribution too.
std::string random_caption(const Scene& scene, uint64_t seed, uint64_t index, const CaptionOptions& options = {});

// RGB8, row-major, width*height*3, anti-aliased by analytic coverage of signed distances.
// Sizes and positions scale with the image (designed for 64x64, fine from 32 to 256).
// `objects`, when given, gets width*height bytes: 0 where no object covers the pixel at
// all, else 1 + the index of the object drawn last there.
std::vector<uint8_t> render(const Scene& scene, int width, int height, std::vector<uint8_t>* objects = nullptr);

// English or Chinese, as the captions above write them (short variants too), back into a
// scene with zero jitter and *_given flags for what the caption said; nullopt when a word or
// the structure is not understood.
std::optional<Scene> parse_caption(std::string_view caption);

// How well an RGB8 image shows a scene, in [0,1]: the fraction of checks passed among the
// background (away from the objects), each object's colour near its expected place, and
// each object's size. Attributes that are not *_given are not checked.
double score_image(const Scene& scene, const std::vector<uint8_t>& rgb, int width, int height);

// The same question asked per criterion, as counts of checks made and passed, so an eval can
// sum them over many images. A buffer of the wrong size fails every check.
struct SceneCheck {
  // 1 per scene whose caption gives a background: its colours away from the objects, both
  // stripe colours shown, a gradient running the right way (as score_image checks it).
  int background_checks = 0, background_ok = 0;
  // 1 per object: its colour covers a good part of a small object's area anywhere in the
  // image, and is among the largest non-background colour clusters (as many as the scene
  // has object colours). Pixels the background explains as well are not counted; blends of
  // the scene's colours do not count for colours it does not ask for.
  int colour_checks = 0, colour_ok = 0;
  // 1 per object with a given position: the centre of its silhouette's box lies in the
  // expected cell of the 3x3 grid, or at most 0.06 of the image side past the midpoint
  // towards a neighbouring cell. Cell centres are placed as the renderer places an object of
  // the measured size (kept inside the image), so a large object at "top left" counts.
  int position_checks = 0, position_ok = 0;
  // 1 per object: its silhouette (the largest group of pixels its colour explains best)
  // overlaps the wanted shape's own rendering best among the 8, compared by IoU on a common
  // box after both are cropped to their bounding boxes.
  int shape_checks = 0, shape_ok = 0;
  // 1 per object: its colour forms as many sizeable groups (at least half the largest and a
  // good part of a small object) as the scene has objects of that colour, at least one; a
  // prompt without positions drawn as a star in every cell fails it, though its shape passes.
  int once_checks = 0, once_ok = 0;
  // Per shape check: what was drawn, shape_seen[wanted][seen]; column kShapeCount counts
  // objects with no silhouette big enough to classify. Sums to shape_checks.
  std::array<std::array<int, kShapeCount + 1>, kShapeCount> shape_seen{};
  // The shape checks by the size the caption asked for (index kSizeCount: no size given):
  // {checks, passed}. Sums to shape_checks, shape_ok.
  std::array<std::array<int, 2>, kSizeCount + 1> shape_by_size{};
};
SceneCheck check_image(const Scene& wanted, const std::vector<uint8_t>& rgb, int width, int height);
SceneCheck& operator+=(SceneCheck& sum, const SceneCheck& more);  // every count, over many images

}  // namespace provena::shapes
