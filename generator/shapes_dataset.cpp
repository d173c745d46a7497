#include "generator/shapes_dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

namespace provena::shapes {
namespace {

// Bounding-box side of each Size as a fraction of the image's shorter side.
constexpr float kSizeFraction[kSizeCount] = {0.18f, 0.30f, 0.45f};
// Jitter keeps the model from memorising nine exact pixel positions; a cell is 1/3 wide.
constexpr float kMaxJitter = 0.03f;
// Clamped objects keep this gap to the border so their outline stays visible.
constexpr float kBorderMargin = 0.01f;
// Gap between the bounding boxes of two objects.
constexpr float kObjectGap = 0.02f;
constexpr int kPlacementAttempts = 32;  // then the scene keeps one object
// An object's colour is at least this far (RGB distance) from every background colour, or
// from every colour along a gradient, so it can be seen, learned and scored.
constexpr float kMinContrast = 90.0f;
constexpr int kMinStripes = 4, kStripeChoices = 3;  // 4..6 stripes
constexpr int kStripeSupersample = 4;
// Independent streams per (seed, index), so captions can change without moving scenes.
constexpr uint64_t kSceneStream = 1, kCaptionStream = 2;

// Scoring. Tolerances are RGB distances; the palette's closest pair is 90 apart.
constexpr float kBgTolerance = 48.0f;
constexpr float kMaxObjectTolerance = 100.0f;  // generated images are noisier than ours
constexpr float kWindowSlack = 0.04f;      // expected object window grows by this (fraction of side)
constexpr float kMinBgShare = 0.75f;       // samples away from objects that must match the background
constexpr float kMinBgShareLoose = 0.5f;   // ... of all samples, when none is away from objects
constexpr float kMinStripeShare = 0.1f;    // each stripe colour's share of all samples
constexpr float kMinGradientSpread = 0.3f; // mean position on the gradient, far band minus near band
constexpr float kMinObjectCoverage = 0.35f;  // matched pixels / expected area for "colour found"
constexpr int kBgSamplesPerSide = 32;
constexpr int kFillGrid = 64;
// check_image. A palette colour that makes up this share of the image's outermost pixels is
// the background the image shows (from 64x64 up, objects keep off those pixels; each end of
// a gradient and each stripe colour holds about a fifth of them or more).
constexpr float kMinBorderShare = 0.1f;
constexpr int kMaxBorderColours = 2;
constexpr int kPresenceRounds = 4;  // settles in two or three
// A measured object centre may lie this far (fraction of the side) past the midpoint
// between its expected cell centre and a neighbour's. Renders land within ~0.05 of the cell
// centre (jitter 0.03 and a pixel); an object one cell away lands at least 0.23 from it
// (large objects at the border are clamped inwards), i.e. 0.1 past the midpoint.
constexpr float kPositionSlack = 0.06f;
constexpr int kShapeGrid = 32;      // silhouettes compare on this grid
constexpr int kMinShapeSide = 3;    // pixels; a smaller silhouette is no shape
constexpr int kBridgePerSide = 32;  // gaps up to side/32 pixels join pieces of one object
constexpr int kTemplateInk = 7, kTemplatePaper = 8;  // white on black: the widest contrast
// Templates are drawn with their box at the silhouette's and somewhat larger: a small star
// or heart loses its thin tips to anti-aliasing, so its silhouette's box is smaller than
// the box it was drawn in.
constexpr float kTemplateScales[] = {1.0f, 1.15f, 1.3f};

constexpr const char* kShapeEn[kShapeCount] = {"circle", "square", "triangle", "star", "ring", "diamond", "cross", "heart"};
constexpr const char* kShapeZh[kShapeCount] = {"圆", "正方形", "三角形", "星星", "圆环", "菱形", "十字", "心形"};
constexpr const char* kSizeEn[kSizeCount] = {"small", "medium", "large"};
constexpr const char* kSizeZh[kSizeCount] = {"小", "中等", "大"};
constexpr const char* kPositionEn[kPositionCount] = {"top left", "top", "top right", "left", "center", "right",
                                                     "bottom left", "bottom", "bottom right"};
constexpr const char* kPositionZh[kPositionCount] = {"左上角", "上方", "右上角", "左侧", "中间", "右侧", "左下角", "下方", "右下角"};

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// SplitMix64 (Steele, Lea & Flood 2014) with our own bounded mapping: std distributions
// differ between standard libraries, and a scene must be the same everywhere.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, uint64_t stream) : state_(mix64(mix64(seed ^ stream) + index * kGolden)) {}
  uint64_t next() { return mix64(state_ += kGolden); }
  int below(int n) { return int(((next() >> 32) * uint64_t(n)) >> 32); }  // [0, n), n < 2^31
  float symmetric(float a) { return float(a * (2.0 * double(next() >> 11) * 0x1.0p-53 - 1.0)); }

 private:
  uint64_t state_;
};

struct Rgb {
  float r, g, b;
};

int clamp_colour(int i) { return std::clamp(i, 0, int(colours().size()) - 1); }
const Colour& colour_at(int i) {
  const auto& p = colours();
  return p[size_t(std::clamp(i, 0, int(p.size()) - 1))];
}
Rgb rgb_of(int i) {
  const Colour& c = colour_at(i);
  return {float(c.r), float(c.g), float(c.b)};
}
float distance(Rgb a, Rgb b) { return std::sqrt((a.r - b.r) * (a.r - b.r) + (a.g - b.g) * (a.g - b.g) + (a.b - b.b) * (a.b - b.b)); }

// Distance from c to the RGB segment a..b (every colour a gradient passes through); *t gets
// the position along it.
float segment_distance(Rgb c, Rgb a, Rgb b, float* t = nullptr) {
  Rgb ab{b.r - a.r, b.g - a.g, b.b - a.b};
  float len2 = ab.r * ab.r + ab.g * ab.g + ab.b * ab.b;
  float u = len2 > 0 ? std::clamp(((c.r - a.r) * ab.r + (c.g - a.g) * ab.g + (c.b - a.b) * ab.b) / len2, 0.0f, 1.0f) : 0.0f;
  if (t) *t = u;
  return distance(c, {a.r + u * ab.r, a.g + u * ab.g, a.b + u * ab.b});
}

// How far a colour is from everything the background shows: a gradient passes through
// every mix of its two colours, and anti-aliased stripe edges show them too.
float background_contrast(const Scene& s, Rgb c) { return segment_distance(c, rgb_of(s.bg_colour), rgb_of(s.bg_colour2)); }

float half_size(Size s) { return kSizeFraction[int(s)] / 2; }

// Centre as fractions of width and height: the cell centre plus jitter, clamped so the
// object stays inside the image.
std::pair<float, float> object_centre(const Object& o) {
  int cell = int(o.position);
  float lo = half_size(o.size) + kBorderMargin, hi = 1 - lo;
  return {std::clamp(float(cell % 3 * 2 + 1) / 6 + o.jitter_x, lo, hi),
          std::clamp(float(cell / 3 * 2 + 1) / 6 + o.jitter_y, lo, hi)};
}

bool overlaps(const Object& a, const Object& b) {
  auto [ax, ay] = object_centre(a);
  auto [bx, by] = object_centre(b);
  float reach = half_size(a.size) + half_size(b.size) + kObjectGap;
  return std::fabs(ax - bx) < reach && std::fabs(ay - by) < reach;
}

// Signed distances (negative inside) after Inigo Quilez's 2D distance functions
// (iquilezles.org/articles/distfunctions2d), y up as there.
float sd_box(float x, float y, float bx, float by) {
  float dx = std::fabs(x) - bx, dy = std::fabs(y) - by;
  float ox = std::max(dx, 0.0f), oy = std::max(dy, 0.0f);
  return std::sqrt(ox * ox + oy * oy) + std::min(std::max(dx, dy), 0.0f);
}
float sd_triangle(float x, float y, float r) {  // equilateral, side 2r, centroid at 0
  constexpr float k = 1.7320508f;
  x = std::fabs(x) - r;
  y = y + r / k;
  if (x + k * y > 0) {
    float nx = (x - k * y) / 2, ny = (-k * x - y) / 2;
    x = nx, y = ny;
  }
  x -= std::clamp(x, -2 * r, 0.0f);
  return -std::sqrt(x * x + y * y) * (y < 0 ? -1.0f : 1.0f);
}
float sd_star5(float x, float y, float r, float rf) {
  constexpr float k1x = 0.809016994f, k1y = -0.587785252f;
  x = std::fabs(x);
  float d = std::max(k1x * x + k1y * y, 0.0f) * 2;
  x -= d * k1x, y -= d * k1y;
  d = std::max(-k1x * x + k1y * y, 0.0f) * 2;
  x += d * k1x, y -= d * k1y;
  x = std::fabs(x);
  y -= r;
  float bax = -rf * k1y, bay = rf * k1x - 1;
  float h = std::clamp((x * bax + y * bay) / (bax * bax + bay * bay), 0.0f, r);
  float px = x - bax * h, py = y - bay * h;
  return std::sqrt(px * px + py * py) * (y * bax - x * bay < 0 ? -1.0f : 1.0f);
}
float sd_heart(float x, float y) {  // tip at the origin, about 1.21 wide and 1.10 tall
  x = std::fabs(x);
  if (x + y > 1) return std::sqrt((x - 0.25f) * (x - 0.25f) + (y - 0.75f) * (y - 0.75f)) - 0.35355339f;
  float m = 0.5f * std::max(x + y, 0.0f);
  float d2 = std::min(x * x + (y - 1) * (y - 1), (x - m) * (x - m) + (y - m) * (y - m));
  return std::sqrt(d2) * (x - y < 0 ? -1.0f : 1.0f);
}

// Each shape in a unit box centred on the origin, (x, y) in image orientation (y down).
float sd_shape(Shape s, float x, float y) {
  constexpr float kTriangleLift = 0.1443376f;  // centres the triangle's height (0.866) in the box
  constexpr float kStarLift = 0.0477457f;      // the star reaches 0.5 up but 0.405 down
  constexpr float kHeartScale = 1.2071068f;    // heart width in sd_heart's units
  constexpr float kHeartHalfHeight = 0.5517767f;
  const float yu = -y;
  switch (s) {
    case Shape::kCircle: return std::sqrt(x * x + y * y) - 0.5f;
    case Shape::kSquare: return sd_box(x, y, 0.44f, 0.44f);  // a full-box square looks bigger than the rest
    case Shape::kTriangle: return sd_triangle(x, yu + kTriangleLift, 0.5f);
    case Shape::kStar: return sd_star5(x, yu + kStarLift, 0.5f, 0.45f);
    case Shape::kRing: return std::fabs(std::sqrt(x * x + y * y) - 0.37f) - 0.13f;
    case Shape::kDiamond: return (std::fabs(x) + std::fabs(y) - 0.5f) * 0.70710678f;
    case Shape::kCross: return std::min(sd_box(x, y, 0.5f, 0.16f), sd_box(x, y, 0.16f, 0.5f));
    case Shape::kHeart: return sd_heart(x * kHeartScale, yu * kHeartScale + kHeartHalfHeight) / kHeartScale;
  }
  return 1.0f;
}

// Share of the bounding box a shape covers, measured on the renderer's own definition.
float fill_fraction(Shape s) {
  float sum = 0;
  for (int y = 0; y < kFillGrid; ++y)
    for (int x = 0; x < kFillGrid; ++x)
      sum += std::clamp(0.5f - kFillGrid * sd_shape(s, (x + 0.5f) / kFillGrid - 0.5f, (y + 0.5f) / kFillGrid - 0.5f), 0.0f, 1.0f);
  return sum / (kFillGrid * kFillGrid);
}

// The smallest fill_fraction among the shapes: a colour check that does not depend on the shape.
float thinnest_fill() {
  static const float kThinnest = [] {
    float f = 1;
    for (int k = 0; k < kShapeCount; ++k) f = std::min(f, fill_fraction(Shape(k)));
    return f;
  }();
  return kThinnest;
}

std::string stem_zh(const Colour& c) {
  std::string s = c.zh;
  const std::string suffix = "色";
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) s.resize(s.size() - suffix.size());
  return s;
}

std::string with_article(const std::string& words) { return (words[0] == 'a' || words[0] == 'e' || words[0] == 'i' || words[0] == 'o' || words[0] == 'u' ? "an " : "a ") + words; }

bool consume(std::string_view& s, std::string_view word) {
  if (s.substr(0, word.size()) != word) return false;
  s.remove_prefix(word.size());
  return true;
}

template <size_t N>
int index_of(const char* const (&names)[N], std::string_view word) {
  for (size_t i = 0; i < N; ++i)
    if (word == names[i]) return int(i);
  return -1;
}

int colour_en(std::string_view word) {
  if (word == "grey") word = "gray";
  const auto& p = colours();
  for (size_t i = 0; i < p.size(); ++i)
    if (word == p[i].en) return int(i);
  return -1;
}

std::optional<Object> parse_object_en(const std::vector<std::string>& words) {
  Object o;
  int colour = -1, shape = -1, size = -1, row = -1, col = -1;
  bool centre = false;
  auto set_once = [](int& slot, int v) { return slot < 0 ? (slot = v, true) : false; };
  for (const std::string& w : words) {
    if (w == "a" || w == "an" || w == "the" || w == "at" || w == "in") continue;
    bool ok = true;
    if (int i = index_of(kSizeEn, w); i >= 0) ok = set_once(size, i);
    else if (int c = colour_en(w); c >= 0) ok = set_once(colour, c);
    else if (int s = index_of(kShapeEn, w); s >= 0) ok = set_once(shape, s);
    else if (w == "top" || w == "bottom") ok = set_once(row, w == "top" ? 0 : 2);
    else if (w == "left" || w == "right") ok = set_once(col, w == "left" ? 0 : 2);
    else if (w == "center" || w == "centre" || w == "middle") centre = true;
    else ok = false;
    if (!ok) return std::nullopt;
  }
  if (colour < 0 || shape < 0) return std::nullopt;
  o.colour = colour, o.shape = Shape(shape);
  o.size_given = size >= 0;
  o.size = o.size_given ? Size(size) : Size::kMedium;
  o.position_given = row >= 0 || col >= 0 || centre;
  o.position = Position((row < 0 ? 1 : row) * 3 + (col < 0 ? 1 : col));
  return o;
}

std::optional<Scene> parse_en(std::string_view text) {
  std::vector<std::string> words;
  std::string w;
  for (char ch : std::string(text) + " ") {
    if (std::isalpha(static_cast<unsigned char>(ch))) w += char(std::tolower(static_cast<unsigned char>(ch)));
    else if (!w.empty()) words.push_back(std::move(w)), w.clear();
  }
  Scene scene;
  auto on = std::find(words.rbegin(), words.rend(), "on");
  scene.background_given = on != words.rend();
  if (scene.background_given) {
    std::vector<std::string> bg(on.base(), words.end());
    words.erase(on.base() - 1, words.end());
    if (!bg.empty() && (bg[0] == "a" || bg[0] == "an" || bg[0] == "the")) bg.erase(bg.begin());
    if (bg.empty() || bg.back() != "background") return std::nullopt;
    bg.pop_back();
    if (bg.size() == 1) {
      scene.background = Background::kSolid;
    } else if (bg.size() == 4 && bg[1] == "to" && bg[3] == "gradient") {
      scene.background = Background::kGradient;
    } else if (bg.size() == 4 && bg[1] == "and" && (bg[3] == "striped" || bg[3] == "stripes")) {
      scene.background = Background::kStripes;
    } else {
      return std::nullopt;
    }
    scene.bg_colour = colour_en(bg[0]);
    scene.bg_colour2 = bg.size() == 1 ? scene.bg_colour : colour_en(bg[2]);
    if (scene.bg_colour < 0 || scene.bg_colour2 < 0) return std::nullopt;
  }
  std::vector<std::string> phrase;
  for (size_t i = 0; i <= words.size(); ++i) {
    if (i < words.size() && words[i] != "and") {
      phrase.push_back(words[i]);
      continue;
    }
    auto o = parse_object_en(phrase);
    if (!o) return std::nullopt;
    scene.objects.push_back(*o);
    phrase.clear();
  }
  return scene;
}

std::optional<Object> parse_object_zh(std::string_view s) {
  Object o;
  o.position_given = false;
  for (int i = 0; i < kPositionCount && !o.position_given; ++i)
    if (consume(s, kPositionZh[i])) o.position = Position(i), o.position_given = true;
  consume(s, "的");
  int colour = -1;
  for (size_t i = 0; i < colours().size() && colour < 0; ++i)
    if (consume(s, colours()[i].zh)) colour = int(i);
  if (colour < 0) return std::nullopt;
  o.colour = colour;
  consume(s, "的");
  o.size_given = false;
  for (int i = 0; i < kSizeCount && !o.size_given; ++i)
    if (consume(s, kSizeZh[i])) o.size = Size(i), o.size_given = true;
  int shape = -1;
  for (int i = 0; i < kShapeCount; ++i)  // the whole rest, so 圆环 is not read as 圆
    if (s == kShapeZh[i]) shape = i;
  if (shape < 0) return std::nullopt;
  o.shape = Shape(shape);
  return o;
}

std::optional<Scene> parse_zh(std::string_view text) {
  std::string clean;
  for (char ch : text)
    if (ch != ' ') clean += ch;
  std::string_view s = clean;
  if (s.size() >= 3 && s.substr(s.size() - 3) == "。") s.remove_suffix(3);
  Scene scene;
  size_t bg_end = s.find("背景");
  scene.background_given = bg_end != std::string_view::npos;
  if (scene.background_given) {
    std::string_view bg = s.substr(0, bg_end);
    s.remove_prefix(bg_end + std::string_view("背景").size());
    consume(s, "上的");  // not a bare 上: 上方 is a position
    const auto& p = colours();
    bool found = false;
    for (size_t a = 0; a < p.size() && !found; ++a) {
      if (bg == p[a].zh) scene.bg_colour = scene.bg_colour2 = int(a), found = true;
      for (size_t b = 0; b < p.size() && !found; ++b) {
        if (a == b) continue;
        const std::string pair = stem_zh(p[a]) + stem_zh(p[b]);
        if (bg == pair + "渐变") scene.background = Background::kGradient, found = true;
        if (bg == pair + "条纹") scene.background = Background::kStripes, found = true;
        if (found) scene.bg_colour = int(a), scene.bg_colour2 = int(b);
      }
    }
    if (!found) return std::nullopt;
  }
  while (true) {
    size_t cut = s.find("和");
    auto o = parse_object_zh(s.substr(0, cut));
    if (!o) return std::nullopt;
    scene.objects.push_back(*o);
    if (cut == std::string_view::npos) break;
    s.remove_prefix(cut + std::string_view("和").size());
  }
  return scene;
}

// Scoring helpers shared by score_image and check_image.

struct Image {
  const std::vector<uint8_t>& rgb;
  int width, height;
  Rgb at(int x, int y) const {
    const uint8_t* p = &rgb[(size_t(y) * size_t(width) + size_t(x)) * 3];
    return {float(p[0]), float(p[1]), float(p[2])};
  }
};

struct Window {
  int x0, y0, x1, y1;  // inclusive
  bool contains(int x, int y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
};

// Where each object may be: the union of its boxes over the sizes it may have, grown by
// jitter and slack; the whole image when the caption gave no position.
std::vector<Window> object_windows(const Scene& scene, int width, int height) {
  std::vector<Window> windows;
  for (const Object& o : scene.objects) {
    if (!o.position_given) {
      windows.push_back({0, 0, width - 1, height - 1});
      continue;
    }
    float fx0 = 1, fy0 = 1, fx1 = 0, fy1 = 0;
    for (int s = 0; s < kSizeCount; ++s) {
      if (o.size_given && s != int(o.size)) continue;
      Object t = o;
      t.size = Size(s);
      auto [cx, cy] = object_centre(t);
      const float h = half_size(t.size) + kMaxJitter + kWindowSlack;
      fx0 = std::min(fx0, cx - h), fx1 = std::max(fx1, cx + h), fy0 = std::min(fy0, cy - h), fy1 = std::max(fy1, cy + h);
    }
    windows.push_back({std::max(0, int(fx0 * width)), std::max(0, int(fy0 * height)), std::min(width - 1, int(fx1 * width)),
                       std::min(height - 1, int(fy1 * height))});
  }
  return windows;
}

// The background the scene names, judged on samples: colour matches away from the objects;
// which stripe colours show and which way a gradient runs, over the whole image (objects
// may hide whole stripes).
bool background_matches(const Scene& scene, const Image& img, const std::vector<Window>& windows) {
  const int width = img.width, height = img.height;
  const float side = float(std::min(width, height));
  const Rgb bg_a = rgb_of(scene.bg_colour), bg_b = rgb_of(scene.bg_colour2);
  int away = 0, away_matched = 0, all = 0, all_matched = 0, near_a = 0, near_b = 0;
  float band_t[4] = {0, 0, 0, 0};  // top, bottom, left, right: sum of gradient positions
  int band_n[4] = {0, 0, 0, 0};
  const int step = std::max(1, int(side) / kBgSamplesPerSide);
  for (int y = step / 2; y < height; y += step) {
    for (int x = step / 2; x < width; x += step) {
      const Rgb c = img.at(x, y);
      float t = 0;
      bool match = false;
      if (scene.background == Background::kGradient) {
        match = segment_distance(c, bg_a, bg_b, &t) < kBgTolerance;
        const bool band[4] = {y < height / 4, y >= height - height / 4, x < width / 4, x >= width - width / 4};
        for (int k = 0; k < 4; ++k)
          if (match && band[k]) band_t[k] += t, ++band_n[k];
      } else {
        const bool is_a = distance(c, bg_a) < kBgTolerance, is_b = distance(c, bg_b) < kBgTolerance;
        match = is_a || is_b, near_a += is_a, near_b += is_b;
      }
      ++all, all_matched += match;
      if (std::none_of(windows.begin(), windows.end(), [&](const Window& w) { return w.contains(x, y); }))
        ++away, away_matched += match;
    }
  }
  // No sample is away from the objects when a caption gave no position (or objects fill
  // the image): judge them all, leaving room for the objects.
  bool ok = away > 0 ? away_matched >= kMinBgShare * away : all_matched >= kMinBgShareLoose * all;
  if (scene.background == Background::kStripes) ok = ok && near_a >= kMinStripeShare * all && near_b >= kMinStripeShare * all;
  if (scene.background == Background::kGradient) {
    auto mean = [&](int k) { return band_n[k] ? band_t[k] / band_n[k] : 0.5f; };
    ok = ok && (mean(1) - mean(0) >= kMinGradientSpread || mean(3) - mean(2) >= kMinGradientSpread);
  }
  return ok;
}

// Distance from c to the nearest of the given colours or any mix of two of them (a
// gradient's colours, an anti-aliased edge between two of them); infinite for none.
float mix_distance(Rgb c, const std::vector<Rgb>& set) {
  float best = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < set.size(); ++i)
    for (size_t j = i; j < set.size(); ++j) best = std::min(best, segment_distance(c, set[i], set[j]));
  return best;
}

// The palette colour nearest to c; *d gets its distance.
int nearest_colour(Rgb c, float* d) {
  const auto& p = colours();
  int best = 0;
  float best_d2 = std::numeric_limits<float>::infinity();
  for (size_t k = 0; k < p.size(); ++k) {
    const float dr = c.r - p[k].r, dg = c.g - p[k].g, db = c.b - p[k].b;
    if (const float d2 = dr * dr + dg * dg + db * db; d2 < best_d2) best = int(k), best_d2 = d2;
  }
  *d = std::sqrt(best_d2);
  return best;
}

// The palette colours that make up a good share of the image's outermost pixels (objects
// keep off the border), at most kMaxBorderColours, or the most common one when none does.
std::vector<Rgb> border_colours(const Image& img) {
  std::vector<int> count(colours().size(), 0);
  int total = 0;
  auto visit = [&](int x, int y) {
    float d = 0;
    const int k = nearest_colour(img.at(x, y), &d);
    ++total;
    if (d < kMaxObjectTolerance) ++count[size_t(k)];
  };
  for (int x = 0; x < img.width; ++x) {
    visit(x, 0);
    if (img.height > 1) visit(x, img.height - 1);
  }
  for (int y = 1; y + 1 < img.height; ++y) {
    visit(0, y);
    if (img.width > 1) visit(img.width - 1, y);
  }
  std::vector<int> order(count.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = int(k);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return count[size_t(a)] > count[size_t(b)]; });
  std::vector<Rgb> out;
  for (int k : order)
    if (count[size_t(k)] > 0 && (out.empty() || count[size_t(k)] >= kMinBorderShare * total) && int(out.size()) < kMaxBorderColours)
      out.push_back(rgb_of(k));
  return out;
}

// What counts as background: the colours the caption names (and their mixes), and the
// colours the image itself shows along its border (and theirs), kept apart so that a mix of
// a named colour with a shown one (blue and yellow pass near gray) explains nothing.
struct Backgrounds {
  std::vector<std::vector<Rgb>> sets;
  bool explain(Rgb c, float d) const {
    return std::any_of(sets.begin(), sets.end(), [&](const std::vector<Rgb>& set) { return mix_distance(c, set) <= d; });
  }
};

Backgrounds backgrounds_of(const Scene& scene, const Image& img) {
  Backgrounds b;
  if (scene.background_given) b.sets.push_back({rgb_of(scene.bg_colour), rgb_of(scene.bg_colour2)});
  if (std::vector<Rgb> shown = border_colours(img); !shown.empty()) b.sets.push_back(std::move(shown));
  return b;
}

// Pixels per palette colour, for the colour check. Each pixel goes to its nearest palette
// colour unless a background explains it as well. A colour the scene does not ask for gets
// no credit for pixels that mix two colours present (a background's, an asked one's, or one
// found present itself: an edge of orange on black passes near brown); which colours are
// present (asked, or with at least min_mass) is settled by repeating until it stops changing.
std::vector<int> colour_masses(const Image& img, const Backgrounds& background, const std::vector<bool>& asked, float min_mass) {
  const size_t palette = colours().size();
  std::vector<int> label(size_t(img.width) * size_t(img.height), -1);
  std::vector<float> label_distance(label.size(), 0);
  for (size_t i = 0; i < label.size(); ++i) {
    const Rgb p = img.at(int(i % size_t(img.width)), int(i / size_t(img.width)));
    float d = 0;
    const int k = nearest_colour(p, &d);
    if (d < kMaxObjectTolerance && !background.explain(p, d)) label[i] = k, label_distance[i] = d;
  }
  const std::vector<std::vector<Rgb>> no_background{{}};
  const auto& backgrounds = background.sets.empty() ? no_background : background.sets;
  std::vector<bool> present = asked;
  std::vector<int> mass(palette, 0);
  for (int round = 0; round < kPresenceRounds; ++round) {
    // Per colour not asked for, the sets whose mixes may explain its pixels: each
    // background with the other colours present.
    std::vector<std::vector<std::vector<Rgb>>> mixes(palette);
    for (size_t k = 0; k < palette; ++k) {
      if (asked[k]) continue;
      for (const std::vector<Rgb>& bg : backgrounds) {
        std::vector<Rgb> set = bg;
        for (size_t j = 0; j < palette; ++j)
          if (j != k && present[j]) set.push_back(rgb_of(int(j)));
        mixes[k].push_back(std::move(set));
      }
    }
    std::fill(mass.begin(), mass.end(), 0);
    for (size_t i = 0; i < label.size(); ++i) {
      if (label[i] < 0) continue;
      const size_t k = size_t(label[i]);
      if (!asked[k]) {
        const Rgb p = img.at(int(i % size_t(img.width)), int(i / size_t(img.width)));
        auto explains = [&](const std::vector<Rgb>& set) { return mix_distance(p, set) < label_distance[i]; };
        if (std::any_of(mixes[k].begin(), mixes[k].end(), explains)) continue;
      }
      ++mass[k];
    }
    std::vector<bool> next = asked;
    for (size_t k = 0; k < palette; ++k) next[k] = next[k] || mass[k] >= min_mass;
    if (next == present) break;
    present = std::move(next);
  }
  return mass;
}

// Object i's pixels: those its colour explains better than the backgrounds and the other
// objects' colours (on an edge, the "more than half covered" test). Objects that share a
// colour split its pixels by the nearer expected place.
std::vector<uint8_t> object_mask(const Scene& scene, int i, const Image& img, const Backgrounds& background) {
  const Object& o = scene.objects[size_t(i)];
  const Rgb col = rgb_of(o.colour);
  std::vector<uint8_t> mask(size_t(img.width) * size_t(img.height), 0);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const Rgb p = img.at(x, y);
      const float d = distance(p, col);
      if (d >= kMaxObjectTolerance || background.explain(p, d)) continue;
      bool mine = true;
      for (size_t j = 0; j < scene.objects.size() && mine; ++j) {
        const Object& other = scene.objects[j];
        if (int(j) == i) continue;
        if (clamp_colour(other.colour) != clamp_colour(o.colour)) {
          mine = distance(p, rgb_of(other.colour)) > d;
        } else if (o.position_given && other.position_given) {
          const auto [ax, ay] = object_centre(o);
          const auto [bx, by] = object_centre(other);
          const float fx = (float(x) + 0.5f) / float(img.width), fy = (float(y) + 0.5f) / float(img.height);
          mine = std::hypot(fx - ax, fy - ay) <= std::hypot(fx - bx, fy - by);
        }
      }
      mask[size_t(y) * size_t(img.width) + size_t(x)] = mine;
    }
  }
  return mask;
}

// A binary mask with its bounding box (inclusive); empty when x1 < x0.
struct Silhouette {
  std::vector<uint8_t> mask;  // width*height of the image it came from
  int width = 0, x0 = 0, y0 = 0, x1 = -1, y1 = -1;
  int pixels = 0;
  bool empty() const { return pixels == 0; }
  int box_width() const { return x1 - x0 + 1; }
  int box_height() const { return y1 - y0 + 1; }
};

Silhouette silhouette(std::vector<uint8_t> mask, int width, int height) {
  Silhouette s;
  s.width = width;
  s.x0 = width, s.y0 = height;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    const int x = int(i % size_t(width)), y = int(i / size_t(width));
    ++s.pixels;
    s.x0 = std::min(s.x0, x), s.x1 = std::max(s.x1, x), s.y0 = std::min(s.y0, y), s.y1 = std::max(s.y1, y);
  }
  if (s.empty()) s.x0 = s.y0 = 0;
  s.mask = std::move(mask);
  return s;
}

// The largest group of mask pixels, where pixels at most `bridge` apart (Chebyshev) join:
// stray specks of the colour elsewhere do not stretch the object's box, and an object
// drawn with a gap or two still counts as one. `copies`: the groups at least half its size
// (and at least `min_pixels`), itself included.
Silhouette largest_group(const std::vector<uint8_t>& mask, int width, int height, int bridge, int min_pixels,
                         int* copies) {
  std::vector<int> group(mask.size(), -1);
  std::vector<int> stack, sizes;
  int best = -1, best_size = 0, groups = 0;
  for (size_t start = 0; start < mask.size(); ++start) {
    if (!mask[start] || group[start] >= 0) continue;
    int size = 0;
    group[start] = groups;
    stack.assign(1, int(start));
    while (!stack.empty()) {
      const int at = stack.back();
      stack.pop_back();
      ++size;
      const int ax = at % width, ay = at / width;
      for (int y = std::max(0, ay - bridge); y <= std::min(height - 1, ay + bridge); ++y)
        for (int x = std::max(0, ax - bridge); x <= std::min(width - 1, ax + bridge); ++x) {
          const size_t i = size_t(y) * size_t(width) + size_t(x);
          if (mask[i] && group[i] < 0) group[i] = groups, stack.push_back(int(i));
        }
    }
    if (size > best_size) best = groups, best_size = size;
    sizes.push_back(size);
    ++groups;
  }
  *copies = static_cast<int>(std::count_if(sizes.begin(), sizes.end(), [&](int n) {
    return n >= min_pixels && 2 * n >= best_size;
  }));
  std::vector<uint8_t> kept(mask.size(), 0);
  for (size_t i = 0; i < mask.size(); ++i) kept[i] = best >= 0 && group[i] == best;
  return silhouette(std::move(kept), width, height);
}

// A silhouette's box resampled (nearest pixel) to kShapeGrid x kShapeGrid, so shapes of
// any size and aspect compare cell by cell.
std::vector<uint8_t> normalised(const Silhouette& s) {
  std::vector<uint8_t> out(size_t(kShapeGrid) * kShapeGrid);
  const int bw = s.box_width(), bh = s.box_height();
  for (int gy = 0; gy < kShapeGrid; ++gy)
    for (int gx = 0; gx < kShapeGrid; ++gx) {
      const int x = s.x0 + std::min(bw - 1, int((gx + 0.5f) * float(bw) / kShapeGrid));
      const int y = s.y0 + std::min(bh - 1, int((gy + 0.5f) * float(bh) / kShapeGrid));
      out[size_t(gy) * kShapeGrid + size_t(gx)] = s.mask[size_t(y) * size_t(s.width) + size_t(x)];
    }
  return out;
}

// The shape whose own rendering, at about the silhouette's box size (kTemplateScales),
// overlaps it best (IoU after both boxes are scaled to the same grid). A template is a
// single white object on black, more than half covered pixels in: what the "closest colour"
// mask keeps of an edge.
Shape classify_shape(const Silhouette& s) {
  const std::vector<uint8_t> seen = normalised(s);
  // Beyond the grid's resolution a larger template tells nothing more.
  const int box = std::min(kShapeGrid, std::max(s.box_width(), s.box_height()));
  Shape best = Shape::kCircle;
  float best_iou = -1;
  for (float scale : kTemplateScales) {
    const int side = std::max(4, int(std::lround(scale * float(box) / kSizeFraction[int(Size::kLarge)])));
    for (int k = 0; k < kShapeCount; ++k) {
      Scene t;
      t.objects = {Object{Shape(k), kTemplateInk, Size::kLarge, Position::kCenter}};
      t.bg_colour = t.bg_colour2 = kTemplatePaper;
      const std::vector<uint8_t> img = render(t, side, side);
      std::vector<uint8_t> mask(size_t(side) * size_t(side));
      const Rgb ink = rgb_of(kTemplateInk), paper = rgb_of(kTemplatePaper);
      for (size_t i = 0; i < mask.size(); ++i) {
        const Rgb p{float(img[i * 3]), float(img[i * 3 + 1]), float(img[i * 3 + 2])};
        mask[i] = distance(p, ink) < distance(p, paper);
      }
      const Silhouette tmpl = silhouette(std::move(mask), side, side);
      if (tmpl.empty()) continue;
      const std::vector<uint8_t> want = normalised(tmpl);
      int both = 0, either = 0;
      for (size_t i = 0; i < want.size(); ++i) both += want[i] && seen[i], either += want[i] || seen[i];
      const float iou = either ? float(both) / float(either) : 0.0f;
      if (iou > best_iou) best = Shape(k), best_iou = iou;
    }
  }
  return best;
}

// Whether a centre (fractions of width and height) lies in an object's expected cell. Cell
// centres are where the renderer puts an object of the silhouette's size (clamped inside
// the image, so a large object's "top" is lower than a small one's); a cell is the region
// nearer its centre than its neighbours', grown by kPositionSlack into each neighbour.
bool in_cell(Position expected, float cx, float cy, float half) {
  const int col = int(expected) % 3, row = int(expected) / 3;
  auto axis_ok = [&](int want, float v) {
    const float lo = half + kBorderMargin, hi = 1 - lo;
    auto centre = [&](int i) { return lo < hi ? std::clamp(float(i * 2 + 1) / 6, lo, hi) : 0.5f; };
    for (int other = 0; other < 3; ++other) {
      if (other == want) continue;
      const float a = centre(want), b = centre(other);
      if (b == a) continue;
      const float toward = b > a ? v - (a + b) / 2 : (a + b) / 2 - v;  // how far past the midpoint
      if (toward > kPositionSlack) return false;
    }
    return true;
  };
  return axis_ok(col, cx) && axis_ok(row, cy);
}

// One draw from 0..count-1, k with probability weights[k] / sum; alike when the list is not
// `count` long or sums to nothing (so equal weights give the very draws of none).
int weighted_pick(Rng& rng, const std::vector<int>& weights, int count) {
  if (weights.size() != size_t(count)) return rng.below(count);
  int total = 0;
  for (int w : weights) total += std::max(w, 0);
  if (total <= 0) return rng.below(count);
  int r = rng.below(total);
  for (int k = 0; k < count; ++k) {
    r -= std::max(weights[size_t(k)], 0);
    if (r < 0) return k;
  }
  return count - 1;  // not reached: r < total
}

}  // namespace

const char* shape_name(Shape shape) {
  const int k = static_cast<int>(shape);
  return k >= 0 && k < kShapeCount ? kShapeEn[k] : "?";
}

const std::vector<Colour>& colours() {
  static const std::vector<Colour> kColours = {
      {"red", "红色", 220, 30, 30},      {"orange", "橙色", 250, 140, 0}, {"yellow", "黄色", 250, 225, 30},
      {"green", "绿色", 30, 160, 50},    {"blue", "蓝色", 30, 70, 220},   {"purple", "紫色", 130, 50, 180},
      {"pink", "粉色", 250, 140, 200},   {"white", "白色", 245, 245, 245}, {"black", "黑色", 15, 15, 15},
      {"gray", "灰色", 128, 128, 128},   {"brown", "棕色", 125, 70, 25},  {"cyan", "青色", 0, 200, 220},
  };
  return kColours;
}

Scene random_scene(uint64_t seed, uint64_t index, const std::vector<int>& shape_weights,
                   const std::vector<int>& size_weights) {
  Rng rng(seed, index, kSceneStream);
  const int n = int(colours().size());
  Scene s;
  s.background = Background(rng.below(kBackgroundCount));
  s.bg_colour = rng.below(n);
  int second = rng.below(n - 1);
  s.bg_colour2 = s.background == Background::kSolid ? s.bg_colour : second + (second >= s.bg_colour);
  bool vertical = rng.below(2) == 1;
  int stripes = kMinStripes + rng.below(kStripeChoices);
  if (s.background == Background::kStripes) s.stripes_vertical = vertical, s.stripe_count = stripes;
  if (s.background == Background::kGradient) s.gradient_horizontal = vertical;

  std::vector<int> candidates;
  for (int c = 0; c < n; ++c)
    if (background_contrast(s, rgb_of(c)) >= kMinContrast) candidates.push_back(c);
  if (candidates.empty()) candidates.push_back(s.bg_colour == 0 ? 1 : 0);  // never with this palette (7 left at worst)
  auto draw_object = [&](Object& o) {
    o.shape = Shape(weighted_pick(rng, shape_weights, kShapeCount));
    o.size = Size(weighted_pick(rng, size_weights, kSizeCount));
    o.position = Position(rng.below(kPositionCount));
    o.jitter_x = rng.symmetric(kMaxJitter);
    o.jitter_y = rng.symmetric(kMaxJitter);
  };
  Object first;
  draw_object(first);
  first.colour = candidates[size_t(rng.below(int(candidates.size())))];
  s.objects.push_back(first);
  if (rng.below(2) == 1 && candidates.size() >= 2) {
    for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
      Object o;
      draw_object(o);
      if (o.position == first.position || overlaps(o, first)) continue;
      int c = rng.below(int(candidates.size()) - 1);
      o.colour = candidates[size_t(c)] == first.colour ? candidates.back() : candidates[size_t(c)];
      s.objects.push_back(o);
      break;
    }
  }
  return s;
}

std::string caption_en(const Scene& scene) {
  std::string out;
  for (const Object& o : scene.objects) {
    if (!out.empty()) out += " and ";
    std::string words = (o.size_given ? std::string(kSizeEn[int(o.size)]) + " " : std::string()) + colour_at(o.colour).en + " " + kShapeEn[int(o.shape)];
    out += with_article(words);
    if (o.position_given) out += std::string(" at ") + kPositionEn[int(o.position)];
  }
  if (!scene.background_given) return out;
  std::string a = colour_at(scene.bg_colour).en, b = colour_at(scene.bg_colour2).en;
  std::string bg = scene.background == Background::kSolid      ? a
                   : scene.background == Background::kGradient ? a + " to " + b + " gradient"
                                                               : a + " and " + b + " striped";
  return out + (out.empty() ? "" : " on ") + with_article(bg + " background");
}

std::string caption_zh(const Scene& scene) {
  std::string out;
  if (scene.background_given) {
    const Colour &a = colour_at(scene.bg_colour), &b = colour_at(scene.bg_colour2);
    out += scene.background == Background::kSolid      ? std::string(a.zh)
           : scene.background == Background::kGradient ? stem_zh(a) + stem_zh(b) + "渐变"
                                                       : stem_zh(a) + stem_zh(b) + "条纹";
    out += "背景";
    // "蓝色背景上的红色圆": without a position the object still needs "on the background".
    if (!scene.objects.empty() && !scene.objects[0].position_given) out += "上的";
  }
  for (size_t i = 0; i < scene.objects.size(); ++i) {
    const Object& o = scene.objects[i];
    if (i > 0) out += "和";
    if (o.position_given) out += std::string(kPositionZh[int(o.position)]) + "的";
    out += colour_at(o.colour).zh;
    if (o.size_given) out += kSizeZh[int(o.size)];
    out += kShapeZh[int(o.shape)];
  }
  return out;
}

std::string random_caption(const Scene& scene, uint64_t seed, uint64_t index, const CaptionOptions& options) {
  Rng rng(seed, index, kCaptionStream);
  const bool zh = rng.below(2) == 1;
  Scene s = scene;
  if (rng.below(100) < options.short_percent) {
    // 0: no size, 1: no background, 2: just "red circle", 3: no position
    const int variant = rng.below(options.position_optional ? 4 : 3);
    if (variant == 3) {
      for (Object& o : s.objects) o.position_given = false;
      return zh ? caption_zh(s) : caption_en(s);
    }
    if (variant != 1)
      for (Object& o : s.objects) o.size_given = options.unsized_means_medium && o.size != Size::kMedium;
    if (variant == 2)
      for (Object& o : s.objects) o.position_given = false;
    if (variant != 0) s.background_given = false;
  }
  return zh ? caption_zh(s) : caption_en(s);
}

std::vector<uint8_t> render(const Scene& scene, int width, int height, std::vector<uint8_t>* objects) {
  if (objects) objects->clear();
  if (width <= 0 || height <= 0) return {};
  if (objects) objects->assign(size_t(width) * size_t(height), 0);
  std::vector<uint8_t> img(size_t(width) * size_t(height) * 3);
  // The background varies along one axis only: colour one line, then copy it.
  const bool along_x = (scene.background == Background::kStripes && scene.stripes_vertical) ||
                       (scene.background == Background::kGradient && scene.gradient_horizontal);
  const int n = along_x ? width : height;
  const Rgb a = rgb_of(scene.bg_colour), b = rgb_of(scene.bg_colour2);
  const int stripes = std::max(1, scene.stripe_count);
  std::vector<uint8_t> line(size_t(n) * 3);
  for (int i = 0; i < n; ++i) {
    float t = 0;  // share of the second colour
    if (scene.background == Background::kGradient) {
      t = n > 1 ? float(i) / float(n - 1) : 0.0f;
    } else if (scene.background == Background::kStripes) {
      for (int k = 0; k < kStripeSupersample; ++k)
        t += float(int((i + (k + 0.5f) / kStripeSupersample) * stripes / n) % 2) / kStripeSupersample;
    }
    line[size_t(i) * 3 + 0] = uint8_t(a.r + (b.r - a.r) * t + 0.5f);
    line[size_t(i) * 3 + 1] = uint8_t(a.g + (b.g - a.g) * t + 0.5f);
    line[size_t(i) * 3 + 2] = uint8_t(a.b + (b.b - a.b) * t + 0.5f);
  }
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      std::copy_n(&line[size_t(along_x ? x : y) * 3], 3, &img[(size_t(y) * width + x) * 3]);

  const float side = float(std::min(width, height));
  for (size_t index = 0; index < scene.objects.size(); ++index) {
    const Object& o = scene.objects[index];
    const Rgb c = rgb_of(o.colour);
    const float col[3] = {c.r, c.g, c.b};
    auto [fx, fy] = object_centre(o);
    const float cx = fx * width, cy = fy * height, s = kSizeFraction[int(o.size)] * side;
    const int x0 = std::max(0, int(cx - s / 2 - 1)), x1 = std::min(width - 1, int(cx + s / 2 + 1));
    const int y0 = std::max(0, int(cy - s / 2 - 1)), y1 = std::min(height - 1, int(cy + s / 2 + 1));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        // Coverage from the distance in pixels: exact for straight edges, close elsewhere.
        const float d = s * sd_shape(o.shape, (x + 0.5f - cx) / s, (y + 0.5f - cy) / s);
        const float cover = std::clamp(0.5f - d, 0.0f, 1.0f);
        if (cover <= 0) continue;
        if (objects) (*objects)[size_t(y) * width + x] = uint8_t(std::min<size_t>(255, 1 + index));
        uint8_t* p = &img[(size_t(y) * width + x) * 3];
        for (int k = 0; k < 3; ++k) p[k] = uint8_t(p[k] + (col[k] - p[k]) * cover + 0.5f);
      }
    }
  }
  return img;
}

std::optional<Scene> parse_caption(std::string_view caption) {
  const bool has_non_ascii = std::any_of(caption.begin(), caption.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  auto scene = has_non_ascii ? parse_zh(caption) : parse_en(caption);
  if (!scene || scene->objects.empty()) return std::nullopt;
  return scene;
}

double score_image(const Scene& scene, const std::vector<uint8_t>& rgb, int width, int height) {
  if (width <= 0 || height <= 0 || rgb.size() != size_t(width) * size_t(height) * 3) return 0.0;
  const Image img{rgb, width, height};
  const float side = float(std::min(width, height));
  auto pixel = [&](int x, int y) { return img.at(x, y); };
  const std::vector<Window> windows = object_windows(scene, width, height);
  int checks = 0, passed = 0;
  if (scene.background_given) {
    ++checks;
    passed += background_matches(scene, img, windows);
  }

  for (size_t i = 0; i < scene.objects.size(); ++i) {
    const Object& o = scene.objects[i];
    const Rgb c = rgb_of(o.colour);
    // A pixel is this object's when the object's colour explains it better than anything
    // else that may be there. Against the scene's own colours alone that is the "more than
    // half covered" test on edge pixels, so the count estimates the area for the size check;
    // against the whole palette too, a different scene's colours do not pass for this one.
    auto belongs = [&](Rgb p, bool whole_palette) {
      const float d = distance(p, c);
      if (d >= kMaxObjectTolerance) return false;
      if (whole_palette || !scene.background_given)
        for (int k = 0; k < int(colours().size()); ++k)
          if (k != o.colour && distance(p, rgb_of(k)) <= d) return false;
      if (scene.background_given && background_contrast(scene, p) <= d) return false;
      for (const Object& other : scene.objects)
        if (other.colour != o.colour && distance(p, rgb_of(other.colour)) <= d) return false;
      return true;
    };
    const Window& w = windows[i];
    int strict = 0, count = 0;
    for (int y = w.y0; y <= w.y1; ++y) {
      for (int x = w.x0; x <= w.x1; ++x) {
        const Rgb p = pixel(x, y);
        count += belongs(p, false);
        strict += belongs(p, true);
      }
    }
    const float fill = fill_fraction(o.shape);
    auto area = [&](Size s) { return fill * kSizeFraction[int(s)] * side * kSizeFraction[int(s)] * side; };
    ++checks;
    const bool found = strict >= kMinObjectCoverage * area(o.size_given ? o.size : Size::kSmall);
    passed += found;
    if (o.size_given) {
      const float estimate = std::sqrt(count / fill) / side;
      int best = 0;
      for (int s = 1; s < kSizeCount; ++s)
        if (std::fabs(std::log(estimate / kSizeFraction[s])) < std::fabs(std::log(estimate / kSizeFraction[best]))) best = s;
      ++checks;
      passed += found && best == int(o.size);
    }
  }
  return checks > 0 ? double(passed) / checks : 0.0;
}

namespace {
// SceneCheck::shape_by_size's row for an object: its size, or the last row when not given.
size_t size_row(const Object& o) { return o.size_given ? size_t(o.size) : size_t(kSizeCount); }
}  // namespace

SceneCheck& operator+=(SceneCheck& a, const SceneCheck& b) {
  a.background_checks += b.background_checks, a.background_ok += b.background_ok;
  a.colour_checks += b.colour_checks, a.colour_ok += b.colour_ok;
  a.position_checks += b.position_checks, a.position_ok += b.position_ok;
  a.shape_checks += b.shape_checks, a.shape_ok += b.shape_ok;
  a.once_checks += b.once_checks, a.once_ok += b.once_ok;
  for (size_t w = 0; w < a.shape_seen.size(); ++w)
    for (size_t s = 0; s < a.shape_seen[w].size(); ++s) a.shape_seen[w][s] += b.shape_seen[w][s];
  for (size_t z = 0; z < a.shape_by_size.size(); ++z)
    a.shape_by_size[z][0] += b.shape_by_size[z][0], a.shape_by_size[z][1] += b.shape_by_size[z][1];
  return a;
}

SceneCheck check_image(const Scene& wanted, const std::vector<uint8_t>& rgb, int width, int height) {
  SceneCheck r;
  const int n_objects = int(wanted.objects.size());
  r.background_checks = wanted.background_given ? 1 : 0;
  r.colour_checks = r.shape_checks = r.once_checks = n_objects;
  for (const Object& o : wanted.objects) {
    r.position_checks += o.position_given;
    ++r.shape_by_size[size_row(o)][0];
  }
  if (width <= 0 || height <= 0 || rgb.size() != size_t(width) * size_t(height) * 3) {  // every check fails
    for (const Object& o : wanted.objects) ++r.shape_seen[size_t(o.shape)][kShapeCount];
    return r;
  }
  const Image img{rgb, width, height};
  const float side = float(std::min(width, height));

  if (wanted.background_given) r.background_ok = background_matches(wanted, img, object_windows(wanted, width, height));

  const Backgrounds background = backgrounds_of(wanted, img);
  std::vector<bool> asked(colours().size(), false);
  for (const Object& o : wanted.objects) asked[size_t(clamp_colour(o.colour))] = true;
  const int asked_count = int(std::count(asked.begin(), asked.end(), true));
  // Enough for a good part of a small object of the thinnest shape: colour, not size or shape.
  const float small_side = kSizeFraction[int(Size::kSmall)] * side;
  const float min_mass = kMinObjectCoverage * thinnest_fill() * small_side * small_side;
  const std::vector<int> mass = colour_masses(img, background, asked, min_mass);

  const int bridge = std::max(1, int(side) / kBridgePerSide);
  for (int i = 0; i < n_objects; ++i) {
    const Object& o = wanted.objects[size_t(i)];
    const int m = mass[size_t(clamp_colour(o.colour))];
    const int larger = int(std::count_if(mass.begin(), mass.end(), [&](int other) { return other > m; }));
    r.colour_ok += m >= min_mass && larger < asked_count;

    int copies = 0;
    const Silhouette s = largest_group(object_mask(wanted, i, img, background), width, height, bridge,
                                       static_cast<int>(min_mass), &copies);
    // Drawn once: as many sizeable groups of its colour as the scene has objects of it.
    const int same_colour = int(std::count_if(wanted.objects.begin(), wanted.objects.end(), [&](const Object& other) {
      return clamp_colour(other.colour) == clamp_colour(o.colour);
    }));
    r.once_ok += copies >= 1 && copies <= same_colour;
    auto& seen = r.shape_seen[size_t(o.shape)];
    if (s.empty()) {
      ++seen[kShapeCount];
      continue;
    }
    if (o.position_given) {
      // The centre of the silhouette's box, not its mass: a triangle's mass sits low in its
      // box and a heart's high, and the renderer centres boxes.
      const float cx = float(s.x0 + s.x1 + 1) / 2 / float(width), cy = float(s.y0 + s.y1 + 1) / 2 / float(height);
      const float half = float(std::max(s.box_width(), s.box_height())) / side / 2;
      r.position_ok += in_cell(o.position, cx, cy, half);
    }
    if (std::min(s.box_width(), s.box_height()) < kMinShapeSide) {
      ++seen[kShapeCount];
      continue;
    }
    const Shape drawn = classify_shape(s);
    ++seen[size_t(drawn)];
    r.shape_ok += drawn == o.shape;
    r.shape_by_size[size_row(o)][1] += drawn == o.shape;
  }
  return r;
}

}  // namespace provena::shapes
