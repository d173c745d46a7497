// provena-generate: the libtorch side of `provena generate` (which execs it, so that the
// other commands never pay libtorch's ~0.3 s load). Generates with a model folder
// (default: the embedded assets/tiny-flow), writes each image in the own format with its
// complete generation record, and indexes it in the library at once.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/library/import.h"
#include "app/library/library.h"
#include "app/library/models.h"
#include "core/decode.h"
#include "core/file_io.h"
#include "core/own_format.h"
#include "db/model_registry.h"
#include "db/template_store.h"
#include "core/pixels.h"
#include "generator/eval.h"
#include "generator/pipeline.h"
#include "generator/threads.h"

namespace fs = std::filesystem;
using namespace provena;
using namespace provena::cli;

namespace {

constexpr const char* kUsage =
    "usage: provena generate PROMPT [--negative TEXT] [--seed N|random] [--steps N] [--cfg X] [--count N]\n"
    "                        [--size WxH] [--sampler NAME] [--schedule flow|discrete|karras] [--clip-skip N]\n"
    "                        [--rng cpu|philox] [--ensd N] [--device auto|cpu|cuda] [--precision auto|fp32|fp16|bf16]\n"
    "                        [--model DIR|CHECKPOINT.safetensors] [--out DIR] [--sidecar] [--json]\n"
    "       provena generate --template NAME [--set SLOT=a|b ...] [same options]\n";

std::string default_model_dir() {
  std::string d = embedded_model_dir();
  return d.empty() ? "assets/tiny-flow" : d;
}

// Peak resident memory of this process so far (the model, activations, libtorch).
double peak_memory_mb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return std::round(static_cast<double>(ru.ru_maxrss) / 1024.0 * 10) / 10;  // ru_maxrss is in KiB
}

// Loads a model. A checkpoint's (or diffusers folder's) SHA-256 comes from the models
// registry, hashed once per size and mtime and registered when new, instead of hashing
// gigabytes at every load; the embedded tiny-flow folder checks its own small hash.
Result<std::unique_ptr<Pipeline>> load_model(Catalog& catalog, const std::string& path, const std::string& device,
                                             const std::string& precision) {
  LoadOptions options;
  options.device = device;
  options.precision = precision;
  std::error_code ec;
  if (!fs::exists(fs::path(path) / "model.json", ec)) {
    auto entry = registered_model(catalog, path, [](const std::string& file) {
      std::fprintf(stderr, "hashing %s (once: the models registry keeps its SHA-256)\n", file.c_str());
    });
    if (entry) options.sha256 = entry->sha256;  // else the pipeline's own error is the clearer one
  }
  return Pipeline::load(path, options);
}

// Sets (or, with an empty value, removes) one of a record's extra fields.
void set_extra(Record& r, const std::string& key, const std::string& value) {
  r.extra.erase(std::remove_if(r.extra.begin(), r.extra.end(), [&](const auto& kv) { return kv.first == key; }), r.extra.end());
  if (!value.empty()) r.extra.emplace_back(key, value);
}

// A record's extra field `key` as an integer in [lo, hi]: nullopt when absent, an error
// naming the field and its value when it is anything else.
Result<std::optional<int64_t>> extra_int(const Record& r, const std::string& key, int64_t lo, int64_t hi) {
  for (const auto& [k, value] : r.extra) {
    if (k != key) continue;
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end || v < lo || v > hi)
      return make_error("the record's " + key + " '" + value + "' is not a number the generator takes");
    return std::optional<int64_t>(v);
  }
  return std::optional<int64_t>();
}

// "Precision: fp16" in a record made in half precision (fp32, the CPU's, is not written).
std::string precision_field(const GenerationStats& stats) { return stats.precision == "fp32" ? "" : stats.precision; }

std::string today() { return utc_now_iso8601().substr(0, 10); }  // YYYY-MM-DD, UTC

int run(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--sidecar", "--progress"},
            {"--negative", "--seed", "--steps", "--cfg", "--count", "--batch", "--rng", "--noise", "--device", "--precision", "--model",
             "--out", "--size", "--sampler", "--schedule", "--template", "--set", "--clip-skip", "--ensd"});
  if (args.positional().empty() && !args.option("--template")) throw UsageError{"generate needs a PROMPT or --template NAME"};
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
  // Sampler, schedule and size are checked by the model's family once it is loaded.
  o.sampler = args.option("--sampler").value_or("");
  o.schedule = args.option("--schedule").value_or("");
  o.clip_skip = static_cast<int>(args.int_option("--clip-skip", 1, 1, 12));
  o.ensd = args.int_option("--ensd", 0, 0, INT32_MAX);
  if (auto size = args.option("--size")) {
    char x = 0;
    if (std::sscanf(size->c_str(), "%d%c%d", &o.width, &x, &o.height) != 3 || x != 'x' || o.width < 1 || o.height < 1)
      throw UsageError{"--size expects WIDTHxHEIGHT, e.g. 512x512"};
  }
  o.device = args.option("--device").value_or("auto");
  if (auto p = args.option("--precision"); p && *p != "auto" && *p != "fp32" && *p != "fp16" && *p != "bf16")
    throw UsageError{"--precision expects auto, fp32, fp16 or bf16"};
  const bool json_out = args.flag("--json");

  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  const std::string library = resolve_library_dir(args.option("--library").value_or(""));
  const std::string out_dir = args.option("--out").value_or(library + "/images/" + today());
  const std::string model_dir = args.option("--model").value_or(default_model_dir());

  auto pipeline = load_model(*catalog, model_dir, o.device, args.option("--precision").value_or("auto"));
  if (!pipeline) {
    std::fprintf(stderr, "provena: %s\n", pipeline.error().message.c_str());
    return kExitFailures;
  }
  if (auto st = (*pipeline)->check(o); !st) throw UsageError{st.error().message};
  // --progress: one "progress STEP STEPS" line per step on stderr, for programs (the GUI).
  const bool progress_lines = args.flag("--progress");
  const bool tty = isatty(STDERR_FILENO) && !progress_lines;
  o.progress = [&](int step, int steps) {
    if (tty) std::fprintf(stderr, "\rgenerating: step %d/%d", step, steps);
    if (progress_lines) std::fprintf(stderr, "progress %d %d\n", step, steps), std::fflush(stderr);
    return true;
  };
  // One batch from the prompt; from a template, one expansion per image (seed + i picks
  // expansion i, so a seed names the same prompt and the same image), recorded with it.
  struct Job {
    GenerateOptions options;
    std::optional<TemplateUse> use;
  };
  std::vector<Job> jobs;
  if (auto name = args.option("--template")) {
    auto tpl = find_template(*catalog, *name);
    if (!tpl || !*tpl) {
      std::fprintf(stderr, "provena: %s\n", tpl ? ("no template named " + *name).c_str() : tpl.error().message.c_str());
      return kExitFailures;
    }
    auto wildcards = list_wildcards(*catalog);
    if (!wildcards) return kExitFailures;
    ExpandOptions eo;
    for (const auto& set : args.all("--set")) {
      size_t eq = set.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError{"--set expects SLOT=VALUE[|VALUE...]"};
      auto& values = eo.set[set.substr(0, eq)];
      for (size_t pos = eq + 1;;) {
        size_t bar = set.find('|', pos);
        values.push_back(set.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
        if (bar == std::string::npos) break;
        pos = bar + 1;
      }
    }
    auto expansions = expand_random(**tpl, *wildcards, eo, static_cast<size_t>(o.batch), static_cast<uint64_t>(o.seed));
    if (!expansions) {
      std::fprintf(stderr, "provena: template %s: %s\n", name->c_str(), expansions.error().message.c_str());
      return kExitFailures;
    }
    for (size_t i = 0; i < expansions->size(); ++i) {
      Job j{o, TemplateUse{(*tpl)->name, (*tpl)->version, (*expansions)[i].choices}};
      j.options.batch = 1;
      j.options.seed = o.seed + static_cast<int64_t>(i);
      j.options.prompt = (*expansions)[i].prompt;
      if (!(*expansions)[i].negative.empty()) j.options.negative = (*expansions)[i].negative;
      jobs.push_back(std::move(j));
    }
  } else {
    jobs.push_back({o, std::nullopt});
  }
  GenerationStats stats;
  struct Made {
    Image image;
    const Job* job;
    int64_t seed;
  };
  std::vector<Made> made;
  double seconds = 0;
  for (const Job& job : jobs) {
    auto images = (*pipeline)->generate(job.options, &stats);
    if (!images) {
      if (tty) std::fprintf(stderr, "\n");
      std::fprintf(stderr, "provena: %s\n", images.error().message.c_str());
      return kExitFailures;
    }
    seconds += stats.seconds;
    for (size_t k = 0; k < images->size(); ++k)
      made.push_back({std::move((*images)[k]), &job, job.options.seed + static_cast<int64_t>(k)});
  }
  stats.seconds = seconds;
  if (tty) std::fprintf(stderr, "\n");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  const ModelInfo& model = (*pipeline)->model();
  std::vector<std::string> paths;
  std::vector<Hash128> pixel_hashes;
  for (const Made& m : made) {
    const Image& img = m.image;
    const GenerateOptions& jo = m.job->options;
    Record r;
    r.tool = "provena";
    r.prompt = jo.prompt;
    if (!jo.negative.empty()) r.negative_prompt = jo.negative;
    r.seed = m.seed;
    r.template_use = m.job->use;
    r.steps = o.steps;
    r.cfg_scale = stats.cfg;
    r.sampler = stats.sampler;
    r.scheduler = stats.schedule;
    if (o.clip_skip > 1) r.extra.emplace_back("Clip skip", std::to_string(o.clip_skip));
    // A1111's batch fields: the float rounding of a batch can differ from the same image
    // alone (a level in a pixel), so reproduce regenerates the whole batch.
    if (jo.batch > 1) {
      r.extra.emplace_back("Batch size", std::to_string(jo.batch));
      r.extra.emplace_back("Batch pos", std::to_string(m.seed - jo.seed));
    }
    if (o.ensd) r.extra.emplace_back("ENSD", std::to_string(o.ensd));
    set_extra(r, "Precision", precision_field(stats));
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
    if (!stats.gpu_name.empty()) r.system.gpu_name = stats.gpu_name;
    if (!stats.cuda_version.empty()) r.system.cuda = stats.cuda_version;
    r.performance.seconds = stats.seconds / static_cast<double>(made.size());
    r.performance.peak_memory_mb = peak_memory_mb();
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
    out.push_back({{"id", id}, {"path", paths[i]}, {"seed", made[i].seed}, {"prompt", made[i].job->options.prompt}});
    if (!json_out)
      std::printf("#%lld %s (seed %lld)\n", static_cast<long long>(id), paths[i].c_str(), static_cast<long long>(made[i].seed));
  }
  catalog->set_pixel_hashes(hashes);  // known now: the background pass need not decode these
  if (json_out) std::printf("%s\n", out.dump(2).c_str());
  std::fprintf(stderr, "%zu image%s in %.2f s on %s with %s\n", paths.size(), paths.size() == 1 ? "" : "s",
               stats.seconds, stats.device.c_str(), model.name.c_str());
  return kExitOk;
}

// --- reproduce ----------------------------------------------------------------------------

// The model folder holding the weights with this sha256 (library.h: the embedded model,
// $PROVENA_MODELS, LIBRARY/models).
std::optional<std::string> find_model(const std::string& sha256, const std::string& library) {
  for (const auto& m : list_model_folders(library))
    if (m.sha256 == sha256) return m.path;
  return std::nullopt;
}

struct Comparison {
  std::string verdict;  // identical, near, similar, diverged
  double psnr = 0;      // dB; infinity when identical
  int max_abs_diff = 0;
  Image heatmap;        // |difference|, amplified, as a heat colour map
};

Comparison compare_pixels(const Image& original, const Image& repro) {
  Comparison c;
  const size_t n = static_cast<size_t>(repro.width) * repro.height;
  double sq = 0;
  c.heatmap.width = repro.width;
  c.heatmap.height = repro.height;
  c.heatmap.channels = 3;
  c.heatmap.pixels.resize(n * 3);
  for (size_t i = 0; i < n; ++i) {
    int d_max = 0;
    for (int ch = 0; ch < 3; ++ch) {
      int d = std::abs(int(original.pixels[i * original.channels + ch]) - int(repro.pixels[i * 3 + ch]));
      sq += double(d) * d;
      d_max = std::max(d_max, d);
    }
    c.max_abs_diff = std::max(c.max_abs_diff, d_max);
    const int v = std::min(255 * 3, d_max * 8 * 3);  // x8: a difference of 32 levels is white-hot
    c.heatmap.pixels[i * 3] = static_cast<uint8_t>(std::min(255, v));
    c.heatmap.pixels[i * 3 + 1] = static_cast<uint8_t>(std::clamp(v - 255, 0, 255));
    c.heatmap.pixels[i * 3 + 2] = static_cast<uint8_t>(std::clamp(v - 510, 0, 255));
  }
  const double mse = sq / static_cast<double>(n * 3);
  c.psnr = mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse);
  c.verdict = pixel_hash(original) == pixel_hash(repro) ? "identical"
              : c.psnr >= 40                             ? "near"
              : c.psnr >= 20                             ? "similar"
                                                         : "diverged";
  return c;
}

int reproduce(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--progress"}, {"--device", "--precision", "--out"});
  if (args.positional().size() != 1) throw UsageError{"reproduce needs exactly one ID or PATH"};
  const std::string& what = args.positional()[0];
  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  const std::string library = resolve_library_dir(args.option("--library").value_or(""));
  const bool numeric = !what.empty() && what.find_first_not_of("0123456789") == std::string::npos;
  auto found = numeric ? catalog->get(std::stoll(what)) : catalog->find_by_path(fs::absolute(what).lexically_normal().string());
  // With --json a failure is also a JSON object {"error": ...} on stdout, for programs
  // (the GUI) that read the result there.
  auto json_error = [&](const std::string& message) {
    if (args.flag("--json")) std::printf("%s\n", nlohmann::json({{"error", message}}).dump(2).c_str());
  };
  if (!found || !*found) {
    const std::string why = found ? "not in the catalog" : found.error().message;
    std::fprintf(stderr, "provena: %s: %s\n", what.c_str(), why.c_str());
    json_error(what + ": " + why);
    return kExitFailures;
  }
  const Entry& e = **found;
  const Record& r = e.record;
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "provena: cannot reproduce #%lld: %s\n", static_cast<long long>(e.id), why.c_str());
    json_error(why);
    return kExitFailures;
  };
  // Say exactly what is missing.
  std::string family = r.model_family.value_or("");
  std::vector<std::string> missing;
  if (!r.prompt) missing.push_back("prompt");
  if (!r.seed) missing.push_back("seed");
  if (!r.steps) missing.push_back("steps");
  if (!r.cfg_scale) missing.push_back("cfg_scale");
  if (!r.model_sha256 && !r.model_hash) missing.push_back("model hash");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return fail("the record lacks " + list);
  }
  // The noise source: ours is recorded; A1111's infotext says "RNG: CPU|GPU|NV", and
  // without it A1111 and its forks drew on the GPU (the philox source reproduces that).
  std::string rng = r.noise_source.value_or("");
  for (const auto& [key, value] : r.extra)
    if (rng.empty() && key == "RNG") rng = value;
  const bool a1111_like = r.tool == "a1111" || r.tool == "forge" || r.tool == "reforge" || r.tool == "sdnext";
  if (rng.empty()) rng = a1111_like ? "GPU" : "cpu";
  std::optional<NoiseSource> noise = parse_noise_source(rng);
  if (!noise) return fail("unknown noise source '" + rng + "'");
  // A1111's "Clip skip" and "ENSD" (the step-noise seed offset) change the picture too.
  auto clip_skip_field = extra_int(r, "Clip skip", 1, 12);
  if (!clip_skip_field) return fail(clip_skip_field.error().message);
  auto ensd_field = extra_int(r, "ENSD", 0, INT32_MAX);
  if (!ensd_field) return fail(ensd_field.error().message);
  const int clip_skip = static_cast<int>(clip_skip_field->value_or(1));
  const int64_t ensd = ensd_field->value_or(0);
  if (!e.primary_path() || e.files.front().missing) return fail("the archived file is missing (nothing to compare with)");
  // The weights: by sha256 in the model folders, else in the registry (provena models
  // scan) by sha256 or by A1111's short "Model hash".
  std::optional<std::string> model_dir;
  if (r.model_sha256) model_dir = find_model(*r.model_sha256, library);
  if (!model_dir) {
    auto hit = find_model_by_hash(*catalog, r.model_sha256 ? *r.model_sha256 : *r.model_hash);
    if (hit && *hit) {
      model_dir = (*hit)->path;
      if (family.empty()) family = (*hit)->family;
    }
  }
  const std::string hash = r.model_sha256 ? "sha256 " + *r.model_sha256 : "hash " + *r.model_hash;
  if (!model_dir) {
    std::string where;
    for (const auto& d : model_search_dirs(library)) where += "\n  " + d;
    return fail("no model with " + hash + " (" + r.model.value_or("?") + ") in:" + where +
                "\nnor in the models registry (put the model in one of them and run provena models scan, or list "
                "its folder in PROVENA_MODELS)");
  }
  if (family != "tiny-flow" && family != "sd1")
    return fail("model family '" + (family.empty() ? std::string("unknown") : family) + "' of " + *model_dir +
                " cannot be generated yet (tiny-flow and Stable Diffusion 1.x can)");
  auto bytes = read_file(*e.primary_path());
  if (!bytes) return fail(bytes.error().message);
  auto original = decode_image(*bytes);
  if (!original) return fail(*e.primary_path() + ": " + original.error().message);

  // The recorded precision where this machine can run it (fp16 needs a GPU); our own
  // records without one were made in fp32; other tools' in what the GPU default is.
  std::string precision = args.option("--precision").value_or("");
  for (const auto& [key, value] : r.extra)
    if (precision.empty() && key == "Precision") precision = value;
  if (precision.empty() && r.tool == "provena") precision = "fp32";
  const std::string device = args.option("--device").value_or("auto");
  auto pipeline = load_model(*catalog, *model_dir, device, precision.empty() ? "auto" : precision);
  if (!pipeline && !precision.empty() && !args.option("--precision"))
    pipeline = load_model(*catalog, *model_dir, device, "auto");
  if (!pipeline) return fail(pipeline.error().message);
  GenerateOptions o;
  o.prompt = *r.prompt;
  o.negative = r.negative_prompt.value_or("");
  o.seed = *r.seed;
  o.steps = *r.steps;
  o.cfg = *r.cfg_scale;
  o.noise = *noise;
  o.clip_skip = clip_skip;
  o.ensd = ensd;
  o.sampler = r.sampler.value_or("");
  std::string schedule = r.scheduler.value_or("");
  for (char& ch : schedule) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  o.schedule = schedule;
  if (r.requested_width && r.requested_height) o.width = static_cast<int>(*r.requested_width), o.height = static_cast<int>(*r.requested_height);
  if (auto st = (*pipeline)->check(o); !st) return fail(st.error().message);
  if (args.flag("--progress"))  // one "progress STEP STEPS" line per step, for the app
    o.progress = [](int step, int steps) { return std::fprintf(stderr, "progress %d %d\n", step, steps), std::fflush(stderr), true; };
  // An image made in a batch is regenerated in the same batch (A1111's "Batch size" and
  // "Batch pos"; image i of a batch has seed + i).
  // Unreadable batch fields are ignored: the image is then regenerated alone.
  int64_t batch_pos = 0;
  auto batch_size = extra_int(r, "Batch size", 1, 64);
  auto pos = extra_int(r, "Batch pos", 0, 63);
  if (batch_size && pos && *batch_size && *pos && **pos < **batch_size && o.seed >= **pos) {
    o.batch = static_cast<int>(**batch_size);
    batch_pos = **pos;
    o.seed -= batch_pos;
  }
  GenerationStats stats;
  auto images = (*pipeline)->generate(o, &stats);
  if (!images) return fail(images.error().message);
  const Image& repro = (*images)[static_cast<size_t>(batch_pos)];
  if (repro.width != original->width || repro.height != original->height)
    return fail("the model makes " + std::to_string(repro.width) + "x" + std::to_string(repro.height) +
                " images, the archived one is " + std::to_string(original->width) + "x" + std::to_string(original->height));
  Comparison cmp = compare_pixels(*original, repro);

  const std::string out_dir = args.option("--out").value_or(library + "/reproductions");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  const std::string stem = fs::absolute(out_dir).lexically_normal().string() + "/repro-" + std::to_string(e.id) + "-" +
                           std::to_string(std::time(nullptr));
  Record rr = r;
  rr.created_at.reset();
  rr.pixel_hash.reset();
  rr.template_use = r.template_use;
  rr.system = SystemInfo{};
  rr.system.app_version = PROVENA_VERSION;
  rr.system.torch_version = stats.torch_version;
  rr.system.device = stats.device;
  set_extra(rr, "Precision", precision_field(stats));
  if (!stats.gpu_name.empty()) rr.system.gpu_name = stats.gpu_name;
  if (!stats.cuda_version.empty()) rr.system.cuda = stats.cuda_version;
  rr.performance = PerformanceInfo{};
  rr.performance.seconds = stats.seconds;
  rr.performance.peak_memory_mb = peak_memory_mb();
  rr.extra.clear();
  rr.extra.emplace_back("Reproduction of", e.content_hash.hex());
  rr.extra.emplace_back("Verdict", cmp.verdict);
  if (auto st = write_own_png(stem + ".png", repro, rr); !st) return fail(st.error().message);
  auto heat = encode_png(cmp.heatmap, {});
  if (heat) write_file_atomic(stem + "-diff.png", *heat);
  auto report = import_paths(*catalog, {stem + ".png"}, {});
  int64_t repro_id = 0;
  if (report)
    if (auto f = catalog->find_by_path(stem + ".png"); f && *f) repro_id = (*f)->id;
  nlohmann::json details = {{"verdict", cmp.verdict}, {"max_abs_diff", cmp.max_abs_diff},
                            {"psnr", std::isinf(cmp.psnr) ? nlohmann::json(nullptr) : nlohmann::json(cmp.psnr)},
                            {"device", stats.device}, {"model", *model_dir}};
  if (repro_id) {
    catalog->set_pixel_hashes({{repro_id, pixel_hash(repro)}});
    catalog->add_lineage({repro_id, e.id, "reproduction", details.dump(), 0});
  }
  if (args.flag("--json")) {
    nlohmann::json j = details;
    j["original"] = e.id;
    j["reproduction"] = repro_id;
    j["path"] = stem + ".png";
    j["heatmap"] = heat ? nlohmann::json(stem + "-diff.png") : nlohmann::json(nullptr);
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("#%lld reproduced as #%lld: %s", static_cast<long long>(e.id), static_cast<long long>(repro_id),
                cmp.verdict.c_str());
    if (std::isinf(cmp.psnr)) std::printf(" (pixel hashes equal)\n");
    else std::printf(" (PSNR %.1f dB, max difference %d)\n", cmp.psnr, cmp.max_abs_diff);
    std::printf("  reproduction: %s\n  difference:   %s-diff.png\n", (stem + ".png").c_str(), stem.c_str());
  }
  return kExitOk;
}

// `provena eval`: the embedded model (or --model DIR) on held-out prompts of its data set,
// scored per criterion by the procedural checker (generator/eval.h).
int eval(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {"--model", "--prompts", "--positionless", "--steps", "--cfg", "--device", "--dump", "--seed"});
  if (!args.positional().empty()) throw UsageError{"eval takes no positional arguments"};
  EvalOptions o;
  o.prompts = static_cast<int>(args.int_option("--prompts", 200, 1, 100000));
  o.positionless = static_cast<int>(args.int_option("--positionless", o.positionless, 0, 100000));
  o.steps = static_cast<int>(args.int_option("--steps", o.steps, 1, 1000));
  o.seed = static_cast<uint64_t>(args.int_option("--seed", static_cast<long long>(o.seed), 0, INT64_MAX));
  if (auto c = args.option("--cfg")) o.cfg = std::atof(c->c_str());
  o.device = args.option("--device").value_or("auto");
  o.dump_dir = args.option("--dump").value_or("");
  const std::string model_dir = args.option("--model").value_or(default_model_dir());
  auto pipeline = Pipeline::load(model_dir, o.device);
  if (!pipeline) return std::fprintf(stderr, "provena eval: %s\n", pipeline.error().message.c_str()), kExitFailures;
  auto r = evaluate_model(**pipeline, o);
  if (!r) return std::fprintf(stderr, "provena eval: %s\n", r.error().message.c_str()), kExitFailures;
  const ModelInfo& m = (*pipeline)->model();
  if (args.flag("--json")) {
    nlohmann::json j = {{"model", m.name}, {"sha256", m.sha256}, {"prompts", r->prompts}, {"steps", o.steps},
                        {"cfg", r->cfg}, {"score", r->score}, {"score_en", r->score_en}, {"score_zh", r->score_zh},
                        {"chance", r->shuffled_score}, {"background", r->background}, {"colour", r->colour},
                        {"shape", r->shape}, {"position", r->position}, {"drawn_once", r->once},
                        {"images_per_second", r->images_per_second}};
    if (r->positionless_prompts > 0)
      j["positionless"] = {{"prompts", r->positionless_prompts}, {"background", r->positionless_background},
                           {"colour", r->positionless_colour}, {"shape", r->positionless_shape},
                           {"drawn_once", r->positionless_once}};
    // shape_seen: per shape asked for, how often each shape (or none) was drawn.
    auto& seen = j["shape_seen"] = nlohmann::json::object();
    for (int w = 0; w < shapes::kShapeCount; ++w) {
      nlohmann::json row = nlohmann::json::object();
      for (int s = 0; s <= shapes::kShapeCount; ++s)
        if (int n = r->shape_seen[size_t(w)][size_t(s)])
          row[s == shapes::kShapeCount ? "none" : shapes::shape_name(shapes::Shape(s))] = n;
      if (!row.empty()) seen[shapes::shape_name(shapes::Shape(w))] = row;
    }
    auto& by_size = j["shape_by_size"] = nlohmann::json::object();
    for (size_t z = 0; z < r->shape_by_size.size(); ++z)
      if (r->shape_by_size[z][0] > 0)
        by_size[shape_size_name(z)] = {{"checks", r->shape_by_size[z][0]}, {"right", r->shape_by_size[z][1]}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("model %s (sha256 %.12s...), %d held-out prompts, %d steps, cfg %.1f\n", m.name.c_str(), m.sha256.c_str(),
              r->prompts, o.steps, r->cfg);
  std::printf("  background %.2f  (target >= 0.95)\n  colour     %.2f  (target >= 0.90)\n"
              "  shape      %.2f  (target >= 0.80)\n  position   %.2f  (target >= 0.80)\n",
              r->background, r->colour, r->shape, r->position);
  std::printf("  drawn once %.2f\n  score %.3f (English %.3f, Chinese %.3f; chance %.3f), %.1f images/s\n", r->once,
              r->score, r->score_en, r->score_zh, r->shuffled_score, r->images_per_second);
  std::printf("%s%sshapes as drawn (per shape asked for):\n%s", positionless_text(*r).c_str(),
              shape_by_size_text(*r).c_str(), shape_confusion_text(*r).c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  use_compute_threads(0);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  // `provena generate` and `provena reproduce` pass their command name first.
  std::string command = "generate";
  if (!args.empty() && (args[0] == "generate" || args[0] == "reproduce" || args[0] == "eval")) {
    command = args[0];
    args.erase(args.begin());
  }
  try {
    if (command == "eval") return eval(args);
    return command == "reproduce" ? reproduce(args) : run(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "provena %s: %s\n%s", command.c_str(), e.message.c_str(), command == "generate" ? kUsage : "");
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "provena generate: internal error: %s\n", e.what());
    return kExitFailures;
  }
}
