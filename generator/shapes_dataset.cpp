#include "generator/shapes_dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
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
constexpr int kShortCaptionPercent = 10;
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

}  // namespace

const std::vector<Colour>& colours() {
  static const std::vector<Colour> kColours = {
      {"red", "红色", 220, 30, 30},      {"orange", "橙色", 250, 140, 0}, {"yellow", "黄色", 250, 225, 30},
      {"green", "绿色", 30, 160, 50},    {"blue", "蓝色", 30, 70, 220},   {"purple", "紫色", 130, 50, 180},
      {"pink", "粉色", 250, 140, 200},   {"white", "白色", 245, 245, 245}, {"black", "黑色", 15, 15, 15},
      {"gray", "灰色", 128, 128, 128},   {"brown", "棕色", 125, 70, 25},  {"cyan", "青色", 0, 200, 220},
  };
  return kColours;
}

Scene random_scene(uint64_t seed, uint64_t index) {
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
    o.shape = Shape(rng.below(kShapeCount));
    o.size = Size(rng.below(kSizeCount));
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

std::string random_caption(const Scene& scene, uint64_t seed, uint64_t index) {
  Rng rng(seed, index, kCaptionStream);
  const bool zh = rng.below(2) == 1;
  Scene s = scene;
  if (rng.below(100) < kShortCaptionPercent) {
    const int variant = rng.below(3);  // 0: no size, 1: no background, 2: just "red circle"
    if (variant != 1)
      for (Object& o : s.objects) o.size_given = false;
    if (variant == 2)
      for (Object& o : s.objects) o.position_given = false;
    if (variant != 0) s.background_given = false;
  }
  return zh ? caption_zh(s) : caption_en(s);
}

std::vector<uint8_t> render(const Scene& scene, int width, int height) {
  if (width <= 0 || height <= 0) return {};
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
  for (const Object& o : scene.objects) {
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
  const float side = float(std::min(width, height));
  auto pixel = [&](int x, int y) {
    const uint8_t* p = &rgb[(size_t(y) * width + x) * 3];
    return Rgb{float(p[0]), float(p[1]), float(p[2])};
  };
  // Where each object may be: the union of its boxes over the sizes it may have, grown by
  // jitter and slack; the whole image when the caption gave no position.
  struct Window {
    int x0, y0, x1, y1;  // inclusive
    bool contains(int x, int y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
  };
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
  int checks = 0, passed = 0;
  const Rgb bg_a = rgb_of(scene.bg_colour), bg_b = rgb_of(scene.bg_colour2);

  if (scene.background_given) {
    // Colour matches are judged away from the objects; which stripe colours show and which
    // way a gradient runs, over the whole image (objects may hide whole stripes).
    int away = 0, away_matched = 0, all = 0, all_matched = 0, near_a = 0, near_b = 0;
    float band_t[4] = {0, 0, 0, 0};  // top, bottom, left, right: sum of gradient positions
    int band_n[4] = {0, 0, 0, 0};
    const int step = std::max(1, int(side) / kBgSamplesPerSide);
    for (int y = step / 2; y < height; y += step) {
      for (int x = step / 2; x < width; x += step) {
        const Rgb c = pixel(x, y);
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
    ++checks;
    passed += ok;
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

}  // namespace provena::shapes
