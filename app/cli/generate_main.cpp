// provena-generate: the libtorch side of `provena generate` (which execs it, so that the
// other commands never pay libtorch's ~0.3 s load). Generates with a model folder
// (default: the embedded assets/tiny-flow), writes each image in the own format with its
// complete generation record, and indexes it in the library at once.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/library/import.h"
#include "app/library/library.h"
#include "core/own_format.h"
#include "core/pixels.h"
#include "generator/pipeline.h"

namespace fs = std::filesystem;
using namespace provena;
using namespace provena::cli;

namespace {

constexpr const char* kUsage =
    "usage: provena generate PROMPT [--negative TEXT] [--seed N|random] [--steps N] [--cfg X] [--count N]\n"
    "                        [--size 64x64] [--sampler Euler] [--schedule flow] [--rng cpu|philox]\n"
    "                        [--device auto|cpu|cuda] [--model DIR] [--out DIR] [--sidecar] [--json]\n";

// The embedded model: assets/tiny-flow beside the build folder or the installed share dir.
std::string default_model_dir() {
  if (const char* env = std::getenv("PROVENA_MODEL_DIR")) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (fs::exists(dir / "assets/tiny-flow/model.json")) return (dir / "assets/tiny-flow").string();
    if (fs::exists(dir / "share/provena/tiny-flow/model.json")) return (dir / "share/provena/tiny-flow").string();
  }
  return "assets/tiny-flow";
}

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int run(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--sidecar"},
            {"--negative", "--seed", "--steps", "--cfg", "--count", "--batch", "--rng", "--noise", "--device", "--model",
             "--out", "--size", "--sampler", "--schedule"});
  if (args.positional().empty()) throw UsageError{"generate needs a PROMPT"};
  GenerateOptions o;
  for (const auto& p : args.positional()) o.prompt += (o.prompt.empty() ? "" : " ") + p;
  o.negative = args.option("--negative").value_or("");
  if (auto s = args.option("--seed"); s && *s != "random") {
    o.seed = args.int_option("--seed", 0, 0, INT64_MAX);
  } else {
    std::random_device rd;
    o.seed = static_cast<int64_t>((uint64_t(rd()) << 31 ^ rd()) & 0xFFFFFFFFull);
  }
  o.steps = static_cast<int>(args.int_option("--steps", 8, 1, 1000));
  o.batch = static_cast<int>(args.int_option(args.option("--batch") ? "--batch" : "--count", 1, 1, 64));
  if (auto c = args.option("--cfg")) {
    char* end = nullptr;
    o.cfg = std::strtod(c->c_str(), &end);
    if (*end || o.cfg < 0 || o.cfg > 50) throw UsageError{"--cfg expects a number from 0 to 50"};
  }
  if (auto n = args.option("--rng") ? args.option("--rng") : args.option("--noise")) {
    auto s = parse_noise_source(*n);
    if (!s) throw UsageError{"--rng expects cpu or philox"};
    o.noise = *s;
  }
  // The embedded family samples with flow-matching Euler on its own schedule at 64x64.
  if (auto s = args.option("--sampler"); s && *s != "Euler" && *s != "euler" && *s != "flow_euler")
    throw UsageError{"--sampler: the tiny-flow model samples with Euler only"};
  if (auto s = args.option("--schedule"); s && *s != "flow")
    throw UsageError{"--schedule: the tiny-flow model uses its flow schedule only"};
  o.device = args.option("--device").value_or("auto");
  const bool json_out = args.flag("--json");

  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  const std::string library = resolve_library_dir(args.option("--library").value_or(""));
  const std::string out_dir = args.option("--out").value_or(library + "/images/" + today());
  const std::string model_dir = args.option("--model").value_or(default_model_dir());

  auto pipeline = Pipeline::load(model_dir, o.device);
  if (!pipeline) {
    std::fprintf(stderr, "provena: %s\n", pipeline.error().message.c_str());
    return kExitFailures;
  }
  if (auto size = args.option("--size")) {
    const std::string native = std::to_string((*pipeline)->model().resolution);
    if (*size != native + "x" + native)
      throw UsageError{"--size: " + (*pipeline)->model().name + " makes " + native + "x" + native + " images"};
  }
  const bool tty = isatty(STDERR_FILENO);
  o.progress = [&](int step, int steps) {
    if (tty) std::fprintf(stderr, "\rgenerating: step %d/%d", step, steps);
    return true;
  };
  GenerationStats stats;
  auto images = (*pipeline)->generate(o, &stats);
  if (tty) std::fprintf(stderr, "\n");
  if (!images) {
    std::fprintf(stderr, "provena: %s\n", images.error().message.c_str());
    return kExitFailures;
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  const ModelInfo& model = (*pipeline)->model();
  std::vector<std::string> paths;
  std::vector<Hash128> pixel_hashes;
  for (size_t i = 0; i < images->size(); ++i) {
    const Image& img = (*images)[i];
    Record r;
    r.tool = "provena";
    r.prompt = o.prompt;
    if (!o.negative.empty()) r.negative_prompt = o.negative;
    r.seed = o.seed + static_cast<int64_t>(i);
    r.steps = o.steps;
    r.cfg_scale = o.cfg;
    r.sampler = "Euler";
    r.scheduler = "flow";
    r.model = model.name;
    r.model_family = model.family;
    r.model_sha256 = model.sha256;
    r.model_hash = model.sha256.substr(0, 10);
    r.requested_width = img.width;
    r.requested_height = img.height;
    r.noise_source = noise_source_name(o.noise);
    r.system.app_version = PROVENA_VERSION;
    r.system.torch_version = stats.torch_version;
    r.system.device = stats.device;
    r.performance.seconds = stats.seconds / static_cast<double>(images->size());
    char name[64];
    std::snprintf(name, sizeof name, "/provena-%lld.png", static_cast<long long>(*r.seed));
    std::string path = fs::absolute(out_dir + name).lexically_normal().string();
    for (int k = 2; fs::exists(path); ++k)  // never overwrite an earlier image
      path = fs::absolute(out_dir + "/provena-" + std::to_string(*r.seed) + "-" + std::to_string(k) + ".png").string();
    OwnFormatOptions fo;
    fo.sidecar = args.flag("--sidecar");
    if (auto st = write_own_png(path, img, r, fo); !st) {
      std::fprintf(stderr, "provena: %s: %s\n", path.c_str(), st.error().message.c_str());
      return kExitFailures;
    }
    paths.push_back(path);
    pixel_hashes.push_back(pixel_hash(img));
  }
  auto report = import_paths(*catalog, paths, {});
  if (!report) {
    std::fprintf(stderr, "provena: %s\n", report.error().message.c_str());
    return kExitFailures;
  }
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::pair<int64_t, Hash128>> hashes;
  for (size_t i = 0; i < paths.size(); ++i) {
    auto e = catalog->find_by_path(paths[i]);
    int64_t id = e && *e ? (*e)->id : 0;
    if (id) hashes.emplace_back(id, pixel_hashes[i]);
    out.push_back({{"id", id}, {"path", paths[i]}, {"seed", o.seed + static_cast<int64_t>(i)}});
    if (!json_out) std::printf("#%lld %s (seed %lld)\n", static_cast<long long>(id), paths[i].c_str(),
                               static_cast<long long>(o.seed + static_cast<int64_t>(i)));
  }
  catalog->set_pixel_hashes(hashes);  // known now: the background pass need not decode these
  if (json_out) std::printf("%s\n", out.dump(2).c_str());
  std::fprintf(stderr, "%zu image%s in %.2f s on %s with %s\n", paths.size(), paths.size() == 1 ? "" : "s",
               stats.seconds, stats.device.c_str(), model.name.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "provena generate: %s\n%s", e.message.c_str(), kUsage);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "provena generate: internal error: %s\n", e.what());
    return kExitFailures;
  }
}
