// `provena demo [--dir DIR]`: the main job until the generator lands. Writes a handful of
// images in the own format (procedural shapes with English and Chinese prompts), imports
// them into a library and runs a few searches, printing what a user would see.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/output.h"
#include "app/library/import.h"
#include "app/library/library.h"
#include "core/own_format.h"

namespace provena::cli {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

struct Scene {
  const char* prompt;
  Rgb background, shape;
  bool circle;
  float cx, cy, radius;  // fractions of the image size
};

Image render(const Scene& s, int size) {
  Image img;
  img.width = img.height = size;
  img.channels = 3;
  img.pixels.resize(size_t(size) * size * 3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      float fx = (x + 0.5f) / size, fy = (y + 0.5f) / size;
      float dx = fx - s.cx, dy = fy - s.cy;
      bool inside = s.circle ? std::sqrt(dx * dx + dy * dy) <= s.radius
                             : std::fabs(dx) <= s.radius && std::fabs(dy) <= s.radius;
      Rgb c = inside ? s.shape : s.background;
      float shade = inside ? 1.0f : 0.85f + 0.15f * fy;  // a soft gradient behind the shape
      uint8_t* p = &img.pixels[(size_t(y) * size + x) * 3];
      p[0] = static_cast<uint8_t>(c.r * shade);
      p[1] = static_cast<uint8_t>(c.g * shade);
      p[2] = static_cast<uint8_t>(c.b * shade);
    }
  }
  return img;
}

int run_search(Catalog& catalog, const std::string& query) {
  std::printf("\n$ provena search '%s'\n", query.c_str());
  auto hits = catalog.search(query);
  if (!hits) {
    std::printf("  error: %s\n", hits.error().message.c_str());
    return 1;
  }
  for (const auto& e : hits->entries)
    std::printf("  #%lld seed %lld  %s\n", static_cast<long long>(e.id),
                static_cast<long long>(e.record.seed.value_or(-1)), one_line(e.record.prompt.value_or(""), 70).c_str());
  std::printf("  (%zu results)\n", hits->entries.size());
  return 0;
}

}  // namespace

int cmd_demo(const std::vector<std::string>& argv) {
  Args args(argv, {}, {"--dir"});
  std::string dir = args.option("--dir").value_or("provena-demo");
  std::string images = dir + "/images";
  std::string library = args.option("--library").value_or(dir + "/library");
  std::error_code ec;
  std::filesystem::create_directories(images, ec);
  if (ec) {
    std::fprintf(stderr, "provena: %s: cannot create (%s)\n", images.c_str(), ec.message().c_str());
    return kExitFailures;
  }
  static const Scene kScenes[] = {
      {"a small red circle at top left on a blue background", {40, 60, 200}, {220, 30, 30}, true, 0.25f, 0.25f, 0.12f},
      {"a large yellow square in the center on a green background", {30, 150, 60}, {240, 220, 40}, false, 0.5f, 0.5f, 0.3f},
      {"a white circle at bottom right on a black background", {10, 10, 10}, {245, 245, 245}, true, 0.72f, 0.72f, 0.18f},
      {"蓝色背景左上角的红色小圆", {40, 60, 200}, {220, 30, 30}, true, 0.25f, 0.25f, 0.1f},
      {"一只可爱的橘色猫咪, orange circle, (masterpiece:1.2)", {250, 240, 220}, {240, 140, 30}, true, 0.5f, 0.55f, 0.25f},
      {"a purple square at top right on an orange background", {240, 150, 40}, {130, 40, 170}, false, 0.72f, 0.28f, 0.15f},
  };
  std::printf("Writing %zu images with full provenance records to %s\n", std::size(kScenes), images.c_str());
  int64_t seed = 1000;
  for (const auto& scene : kScenes) {
    Record r;
    r.prompt = scene.prompt;
    r.negative_prompt = "blurry, lowres";
    r.seed = seed++;
    r.steps = 20;
    r.cfg_scale = 7.0;
    r.sampler = "Euler";
    r.scheduler = "discrete";
    r.model = "procedural-demo";
    r.requested_width = r.requested_height = 64;
    std::string path = images + "/demo-" + std::to_string(*r.seed) + ".png";
    if (std::filesystem::exists(path)) continue;  // a second run re-imports what is there
    auto st = write_own_png(path, render(scene, 64), r);
    if (!st) {
      std::fprintf(stderr, "provena: %s\n", st.error().message.c_str());
      return kExitFailures;
    }
  }
  auto catalog = open_library(library);
  if (!catalog) {
    std::fprintf(stderr, "provena: %s\n", catalog.error().message.c_str());
    return kExitFailures;
  }
  std::printf("\n$ provena --library %s import %s\n", library.c_str(), images.c_str());
  auto report = import_paths(**catalog, {images});
  if (!report) {
    std::fprintf(stderr, "provena: %s\n", report.error().message.c_str());
    return kExitFailures;
  }
  std::printf("  %lld new, %lld unchanged, %zu failed\n", static_cast<long long>(report->stored.new_assets),
              static_cast<long long>(report->unchanged), report->failures.size());
  int bad = 0;
  bad += run_search(**catalog, "red circle");
  bad += run_search(**catalog, "猫咪");
  bad += run_search(**catalog, "圆");
  bad += run_search(**catalog, "seed:1002");
  if (generator_available()) {
    // The built-in generator: images from the embedded model, recorded, indexed, found
    // again and one of them reproduced and verified.
    const std::string generated = dir + "/generated";
    const char* prompts[] = {"a large red circle at center on a blue background",
                             "a small yellow star at top left and a green square at bottom right on a white background",
                             "黑色背景中间的白色大圆环"};
    int64_t gen_seed = 42;
    for (const char* p : prompts) {
      std::printf("\n$ provena generate '%s' --seed %lld --count 2\n", p, static_cast<long long>(gen_seed));
      bad += run_generator_and_wait("generate", {p, "--seed", std::to_string(gen_seed), "--count", "2", "--library",
                                                 library, "--out", generated}) != 0;
      gen_seed += 100;
    }
    catalog = open_library(library);
    if (!catalog) return kExitFailures;
    bad += run_search(**catalog, "circle tool:provena");
    bad += run_search(**catalog, "圆环");
    auto made = (*catalog)->search("tool:provena seed:42");
    if (made && !made->entries.empty()) {
      const std::string id = std::to_string(made->entries[0].id);
      std::printf("\n$ provena reproduce %s\n", id.c_str());
      bad += run_generator_and_wait("reproduce", {id, "--library", library}) != 0;
    }
  } else {
    std::printf("\n(The built-in generator is not built or its model is missing: skipping generate and reproduce.)\n");
  }
  std::printf("\nTry: provena --library %s show 1   |   provena inspect %s/demo-1000.png\n", library.c_str(),
              images.c_str());
  return bad ? kExitFailures : kExitOk;
}

}  // namespace provena::cli
