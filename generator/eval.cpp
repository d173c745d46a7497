#include "generator/eval.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "core/file_io.h"
#include "core/png.h"

namespace provena {

Result<EvalReport> evaluate_model(Pipeline& pipeline, const EvalOptions& o) {
  EvalReport r;
  const int res = pipeline.model().resolution;
  double sum_en = 0, sum_zh = 0, shuffled = 0;
  int n_en = 0, n_zh = 0;
  shapes::SceneCheck checks;  // summed over all prompts
  std::string index;
  if (!o.dump_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dump_dir, ec);
    if (ec) return make_error(o.dump_dir + ": cannot create: " + ec.message());
    index = "image\tbackground\tcolour\tshape\tposition\tprompt\n";
  }
  auto fraction = [](int ok, int total) { return total > 0 ? static_cast<double>(ok) / total : 0.0; };
  // Generates one image for `caption`, adds its checks to `sum` and returns its pixels;
  // dumps it under `name` when asked.
  auto run = [&](const std::string& caption, const shapes::Scene& wanted, int64_t seed, const char* name,
                 shapes::SceneCheck& sum) -> Result<std::vector<uint8_t>> {
    GenerateOptions g;
    g.prompt = caption;
    g.seed = seed;
    g.steps = o.steps;
    g.cfg = o.cfg;
    auto images = pipeline.generate(g);
    if (!images) return images.error();
    std::vector<uint8_t> pixels = std::move((*images)[0].pixels);
    const shapes::SceneCheck c = shapes::check_image(wanted, pixels, res, res);
    sum += c;
    if (!o.dump_dir.empty()) {
      auto png = encode_png(Image{res, res, 3, pixels}, {{"prompt", caption}});
      if (!png) return png.error();
      if (auto st = write_file_atomic(o.dump_dir + "/" + name, *png); !st) return st.error();
      auto cell = [](int ok, int total) { return std::to_string(ok) + "/" + std::to_string(total); };
      index += std::string(name) + "\t" + cell(c.background_ok, c.background_checks) + "\t" +
               cell(c.colour_ok, c.colour_checks) + "\t" + cell(c.shape_ok, c.shape_checks) + "\t" +
               cell(c.position_ok, c.position_checks) + "\t" + caption + "\n";
    }
    return pixels;
  };
  char name[32];
  for (int i = 0; i < o.prompts; ++i) {
    const auto scene = shapes::random_scene(o.seed, static_cast<uint64_t>(i));
    const std::string caption = shapes::random_caption(scene, o.seed, static_cast<uint64_t>(i));
    auto wanted = shapes::parse_caption(caption);
    if (!wanted) return make_error("eval: cannot parse its own caption '" + caption + "'");
    std::snprintf(name, sizeof name, "%03d.png", i);
    auto pixels = run(caption, *wanted, static_cast<int64_t>(o.seed * 7919 + static_cast<uint64_t>(i)), name, checks);
    if (!pixels) return pixels.error();
    const bool chinese = static_cast<unsigned char>(caption[0]) >= 0x80;
    (chinese ? sum_zh : sum_en) += shapes::score_image(*wanted, *pixels, res, res);
    ++(chinese ? n_zh : n_en);
    // Chance level: the image against the scene of a different prompt.
    const auto other = shapes::random_scene(o.seed + 1, static_cast<uint64_t>(i));
    shuffled += shapes::score_image(other, *pixels, res, res);
  }
  shapes::SceneCheck apart;
  for (int i = 0; i < o.positionless; ++i) {
    const std::string caption = positionless_prompt(o, i);
    auto wanted = shapes::parse_caption(caption);
    if (!wanted) return make_error("eval: cannot parse its own caption '" + caption + "'");
    std::snprintf(name, sizeof name, "p%03d.png", i);
    auto pixels = run(caption, *wanted, static_cast<int64_t>((o.seed + 2) * 7919 + static_cast<uint64_t>(i)), name, apart);
    if (!pixels) return pixels.error();
  }
  r.positionless_prompts = std::max(0, o.positionless);
  r.positionless_background = fraction(apart.background_ok, apart.background_checks);
  r.positionless_colour = fraction(apart.colour_ok, apart.colour_checks);
  r.positionless_shape = fraction(apart.shape_ok, apart.shape_checks);
  r.positionless_once = fraction(apart.once_ok, apart.once_checks);
  if (!o.dump_dir.empty())
    if (auto st = write_file_atomic(o.dump_dir + "/index.tsv", index); !st) return st.error();
  r.prompts = o.prompts;
  r.score_en = n_en ? sum_en / n_en : 0;
  r.score_zh = n_zh ? sum_zh / n_zh : 0;
  r.score = (sum_en + sum_zh) / o.prompts;
  r.shuffled_score = shuffled / o.prompts;
  r.background = fraction(checks.background_ok, checks.background_checks);
  r.colour = fraction(checks.colour_ok, checks.colour_checks);
  r.shape = fraction(checks.shape_ok, checks.shape_checks);
  r.position = fraction(checks.position_ok, checks.position_checks);
  r.once = fraction(checks.once_ok, checks.once_checks);
  r.shape_seen = checks.shape_seen;
  r.shape_by_size = checks.shape_by_size;
  // Speed at the benchmark setting: a batch of `batch` with guidance.
  GenerateOptions g;
  g.prompt = "a small red circle at top left on a blue background";
  g.steps = o.steps;
  g.cfg = o.cfg;
  g.batch = o.batch;
  GenerationStats stats;
  pipeline.generate(g, &stats);  // warm-up
  r.cfg = stats.cfg;  // the pipeline's choice when o.cfg asks for the model's default
  const auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 3;
  for (int k = 0; k < kRounds; ++k) {
    g.seed = k;
    if (auto images = pipeline.generate(g); !images) return images.error();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.images_per_second = kRounds * o.batch / secs;
  return r;
}

std::string positionless_prompt(const EvalOptions& o, int i) {
  shapes::Scene scene = shapes::random_scene(o.seed + 2, static_cast<uint64_t>(i));
  for (shapes::Object& object : scene.objects) object.position_given = false;
  return i % 2 == 0 ? shapes::caption_en(scene) : shapes::caption_zh(scene);
}

std::string positionless_text(const EvalReport& r) {
  if (r.positionless_prompts <= 0) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "no position given (%d prompts): background %.2f, colour %.2f, shape %.2f, drawn once %.2f\n",
                r.positionless_prompts, r.positionless_background, r.positionless_colour, r.positionless_shape,
                r.positionless_once);
  return buf;
}

const char* shape_size_name(size_t row) {
  constexpr const char* kNames[shapes::kSizeCount + 1] = {"small", "medium", "large", "unsized"};
  return row < std::size(kNames) ? kNames[row] : "?";
}

std::string shape_by_size_text(const EvalReport& report) {
  std::string out = "shape by size asked:";
  char buf[64];
  for (size_t z = 0; z < report.shape_by_size.size(); ++z) {
    const auto [checks, ok] = report.shape_by_size[z];
    if (checks == 0) continue;
    std::snprintf(buf, sizeof buf, "%s %s %.2f of %d", out.back() == ':' ? "" : ",", shape_size_name(z),
                  double(ok) / checks, checks);
    out += buf;
  }
  return out + "\n";
}

std::string shape_confusion_text(const EvalReport& report) {
  std::string out;
  char buf[64];
  for (int w = 0; w < shapes::kShapeCount; ++w) {
    const auto& row = report.shape_seen[size_t(w)];
    int total = 0;
    for (int n : row) total += n;
    if (total == 0) continue;
    std::snprintf(buf, sizeof buf, "%-9s %3d: %.2f right", shapes::shape_name(shapes::Shape(w)), total,
                  double(row[size_t(w)]) / total);
    out += buf;
    // The other shapes seen, most frequent first.
    std::vector<int> others;
    for (int s = 0; s <= shapes::kShapeCount; ++s)
      if (s != w && row[size_t(s)] > 0) others.push_back(s);
    std::stable_sort(others.begin(), others.end(), [&](int a, int b) { return row[size_t(a)] > row[size_t(b)]; });
    for (size_t i = 0; i < others.size(); ++i) {
      const int s = others[i];
      out += i == 0 ? "; seen " : ", ";
      out += s == shapes::kShapeCount ? "none" : shapes::shape_name(shapes::Shape(s));
      out += " " + std::to_string(row[size_t(s)]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace provena
