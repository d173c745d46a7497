#include "bench/synthetic_corpus.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "core/infotext.h"
#include "core/png.h"

namespace provena::bench {
namespace {

// SplitMix64: tiny, fast, and good enough to pick words; seeded per file so the output
// does not depend on which thread writes which file.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) { return items[below(N)]; }
};

Rng rng_for(uint64_t seed, int64_t index, uint64_t stream) {
  Rng r{seed * 0xD1B54A32D192ED03ull ^ static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ull ^ stream};
  r.next();
  return r;
}

constexpr const char* kQuality[] = {
    "masterpiece", "best quality", "high quality", "ultra detailed", "highres", "absurdres", "8k",
    "extremely detailed CG unity 8k wallpaper", "official art", "amazing quality", "very aesthetic",
};
constexpr const char* kWeightedQuality[] = {
    "(masterpiece:1.2)", "((best quality))", "(ultra-detailed:1.1)", "(photorealistic:1.4)", "(realistic:1.3)",
};
constexpr const char* kSubjects[] = {
    "1girl", "1boy", "a cat sitting on a windowsill", "portrait of an old fisherman", "cyberpunk city street at night",
    "a red fox in a snowy forest", "astronaut riding a horse on the moon", "medieval castle on a cliff above the sea",
    "a bowl of steaming ramen", "giant mecha robot in a ruined city", "lighthouse in a storm", "cozy library with a fireplace",
    "samurai standing in a bamboo forest", "steampunk airship above the clouds", "a dragon curled around a mountain peak",
    "underwater coral reef with tropical fish", "witch brewing potions in a cottage", "futuristic sports car",
    "a corgi wearing sunglasses", "elven archer in an autumn forest", "abandoned train station overgrown with plants",
    "knight in ornate silver armor", "close-up of a hummingbird", "floating islands with waterfalls", "2girls",
    "an owl perched on a branch at dusk", "street food market in Bangkok", "portrait of a woman with freckles",
};
constexpr const char* kAttributes[] = {
    "long hair", "short hair", "silver hair", "blue eyes", "green eyes", "smile", "looking at viewer", "upper body",
    "full body", "wearing a hoodie", "school uniform", "kimono", "holding an umbrella", "rain", "snow", "sunset",
    "golden hour", "night sky", "stars", "cherry blossoms", "outdoors", "indoors", "from below", "dynamic pose",
    "wind", "reflections", "neon lights", "fog", "detailed background", "detailed face", "sharp focus",
};
constexpr const char* kStyles[] = {
    "oil painting", "watercolor", "anime style", "photorealistic", "by greg rutkowski", "studio ghibli style",
    "cinematic lighting", "volumetric lighting", "bokeh", "depth of field", "trending on artstation", "concept art",
    "digital painting", "35mm photograph", "film grain", "unreal engine 5", "octane render", "ink sketch",
    "pixel art", "art nouveau", "by makoto shinkai", "low poly", "isometric", "soft lighting", "hdr",
};
constexpr const char* kWeighted[] = {
    "(detailed:1.2)", "(sharp focus:1.1)", "(intricate details:1.3)", "((beautiful eyes))", "[blurry]",
    "(cinematic:0.9)", "(vibrant colors:1.15)", "(dramatic lighting:1.25)", "[[lowres]]", "(film grain:0.7)",
};
struct Lora {
  const char* name;
  const char* hash;  // A1111 "Lora hashes" use 12 hex digits of the AutoV3 hash
};
constexpr Lora kLoras[] = {
    {"add_detail", "7c6bad76eb54"}, {"epiNoiseoffset_v2", "d1131f7207d6"}, {"LowRA", "0dfaf4ef1b8b"},
    {"more_details", "3b8aa1d351ef"}, {"ghibli_style_offset", "3a7d2ab8f3b3"}, {"FilmVelvia3", "f6b0a1a4c2d1"},
    {"xl_more_art-full_v1", "fe3b4816be83"}, {"detail_slider_v4", "9a1c6b2e44f0"},
};
constexpr const char* kLoraWeights[] = {"0.4", "0.5", "0.6", "0.7", "0.8", "1", "1.2"};
constexpr const char* kChineseSubjects[] = {
    "一只可爱的橘色猫咪", "穿着汉服的少女", "雪山下的古老寺庙", "赛博朋克风格的城市夜景", "樱花树下的女孩",
    "水墨画风格的山水", "在咖啡馆看书的男孩", "月光下的竹林", "金色的麦田和远处的风车", "一条在云中飞翔的龙",
};
constexpr const char* kChineseStyles[] = {
    "水彩画风格", "电影级光效", "超高清细节", "油画质感", "宫崎骏风格", "柔和的光线", "中国风", "梦幻色彩",
};
constexpr const char* kNegatives[] = {
    "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst "
    "quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry",
    "EasyNegative, (worst quality:1.4), (low quality:1.4), (normal quality:1.4), lowres",
    "(worst quality, low quality:1.4), monochrome, zombie, (interlocked fingers:1.2)",
    "deformed, ugly, disfigured, bad proportions, extra limbs, mutated hands, poorly drawn face",
    "nsfw, text, watermark, logo, signature, blurry, out of focus",
    "ng_deepnegative_v1_75t, badhandv4, (worst quality:2), (low quality:2), (normal quality:2)",
    "cartoon, 3d, painting, illustration, (worst quality:1.2), (low quality:1.2)",
    "模糊, 低质量, 水印, 文字",
};
struct Model {
  const char* name;
  const char* hash;  // A1111 short hash: 10 hex digits
  bool xl;
};
constexpr Model kModels[] = {
    {"v1-5-pruned-emaonly", "6ce0161689", false},
    {"dreamshaper_8", "879db523c3", false},
    {"realisticVisionV60B1_v51VAE", "15012c538f", false},
    {"anything-v5-PrtRE", "7f96a1a9ca", false},
    {"majicmixRealistic_v7", "7c819b6d13", false},
    {"counterfeitV30_v30", "cbfba64e66", false},
    {"sd_xl_base_1.0", "31e35c80fc", true},
    {"juggernautXL_v9Rdphoto2Lightning", "c9e3e68f89", true},
    {"ponyDiffusionV6XL_v6StartWithThisOne", "67ab2fd8ec", true},
};
constexpr const char* kSamplers[] = {
    "DPM++ 2M", "DPM++ 2M", "DPM++ 2M", "Euler a", "Euler a", "DPM++ SDE", "DPM++ 2M SDE",
    "Euler", "DDIM", "UniPC", "DPM++ 3M SDE", "Restart",
};
constexpr int kSdSizes[][2] = {{512, 768}, {512, 768}, {512, 512}, {768, 512}, {640, 960}};
constexpr int kXlSizes[][2] = {{1024, 1024}, {832, 1216}, {1216, 832}, {896, 1152}};
constexpr double kCfgScales[] = {4.5, 5, 6, 6.5, 7, 7, 7.5, 7.5, 8, 9};
constexpr const char* kUpscalers[] = {"Latent", "R-ESRGAN 4x+", "R-ESRGAN 4x+ Anime6B", "4x-UltraSharp"};

// Appends `n` distinct entries of `items` to `out`.
template <size_t N>
void pick_distinct(Rng& rng, const char* const (&items)[N], size_t n, std::vector<std::string>& out) {
  size_t start = rng.below(N), step = 1 + rng.below(N - 1);
  for (size_t k = 0; k < n && k < N; ++k) out.emplace_back(items[(start + k * step) % N]);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string make_prompt(Rng& rng, std::vector<const Lora*>& loras) {
  if (rng.chance(0.10)) {  // Chinese prompt, often with the usual English quality tags in front
    std::string p = rng.chance(0.6) ? "masterpiece, best quality, " : "";
    p += rng.pick(kChineseSubjects);
    p += rng.chance(0.5) ? "，" : ", ";
    p += rng.pick(kChineseStyles);
    if (rng.chance(0.3)) p += std::string(", ") + rng.pick(kStyles);
    return p;
  }
  std::vector<std::string> quality, subject, style;
  if (rng.chance(0.7)) {
    pick_distinct(rng, kQuality, 1 + rng.below(3), quality);
    if (rng.chance(0.3)) quality.emplace_back(rng.pick(kWeightedQuality));
  }
  subject.emplace_back(rng.pick(kSubjects));
  pick_distinct(rng, kAttributes, 1 + rng.below(5), subject);
  pick_distinct(rng, kStyles, 1 + rng.below(3), style);
  if (rng.chance(0.4)) pick_distinct(rng, kWeighted, 1 + rng.below(2), style);
  std::vector<std::string> lora_tags;
  if (rng.chance(0.25)) {
    size_t n = 1 + rng.below(2);
    size_t first = rng.below(std::size(kLoras));
    for (size_t k = 0; k < n; ++k) {
      const Lora* l = &kLoras[(first + k * 3) % std::size(kLoras)];
      loras.push_back(l);
      lora_tags.push_back(std::string("<lora:") + l->name + ":" + rng.pick(kLoraWeights) + ">");
    }
  }
  std::vector<std::string> groups;
  for (auto* g : {&quality, &subject, &style, &lora_tags})
    if (!g->empty()) groups.push_back(join(*g, ", "));
  // About one prompt in eight is written over several lines (or with A1111's BREAK).
  if (rng.chance(0.12)) return join(groups, rng.chance(0.7) ? ",\n" : "\nBREAK\n");
  return join(groups, ", ");
}

constexpr const char* kSyllables[] = {"ka", "ri", "mo", "vel", "than", "zu", "lor", "en", "shi", "dra",
                                     "no", "bel", "ix", "ta", "ren", "ga", "mi", "sol", "ph", "qua",
                                     "dor", "ae", "kin", "ra"};
constexpr size_t kTailNames = 100000;

// Name number `rank` of the long tail: two to four syllables, distinct per rank.
std::string tail_name(size_t rank) {
  std::string w;
  size_t n = rank + 24;
  while (n) {
    w += kSyllables[n % std::size(kSyllables)];
    n /= std::size(kSyllables);
  }
  return w;
}

// A tag of the long tail: rank r is drawn with probability ~1/r (Zipf, s = 1), so a few
// names are everywhere and most appear a handful of times in a million prompts.
std::string tail_tag(Rng& rng) {
  double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  size_t rank = static_cast<size_t>(std::exp(u * std::log(static_cast<double>(kTailNames)))) - 1;
  std::string name = tail_name(rank);
  switch (rank % 4) {
    case 0: return "by " + name;
    case 1: return name + " (character)";
    case 2: return name + " style";
    default: return name + " " + tail_name(rank / 7 + 11);
  }
}

}  // namespace

std::string synthetic_tail_name(size_t rank) { return tail_name(rank); }

Record synthetic_library_record(uint64_t seed, int64_t index) {
  Record r = synthetic_record(seed, index);
  Rng rng = rng_for(seed, index, 0x6c6962);
  size_t tags = rng.below(4);  // 0-3 rare tags
  std::string& p = *r.prompt;
  for (size_t i = 0; i < tags; ++i) p += ", " + tail_tag(rng);
  // Two years of history, more recent months busier (as libraries grow).
  constexpr int64_t kStart = 1735689600;  // 2025-01-01
  constexpr int64_t kSpan = 2 * 365 * 86400;
  double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  int64_t t = kStart + static_cast<int64_t>(std::sqrt(u) * kSpan);
  char buf[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r.created_at = buf;
  if (rng.chance(0.02)) r.template_use = TemplateUse{"portrait-" + std::to_string(rng.below(20)), 1, {{"subject", "x"}}};
  return r;
}

Record synthetic_record(uint64_t seed, int64_t index) {
  Rng rng = rng_for(seed, index, 0x7072);
  Record r;
  r.tool = "a1111";
  std::vector<const Lora*> loras;
  r.prompt = make_prompt(rng, loras);
  if (rng.chance(0.85)) r.negative_prompt = rng.pick(kNegatives);
  const Model& model = rng.pick(kModels);
  r.steps = 20 + static_cast<int>(rng.below(21));
  r.sampler = rng.pick(kSamplers);
  double s = static_cast<double>(rng.below(100)) / 100.0;
  r.scheduler = s < 0.8 ? "Karras" : s < 0.9 ? "Automatic" : "Exponential";
  r.cfg_scale = rng.pick(kCfgScales);
  r.seed = static_cast<int64_t>(rng.next() & 0xFFFFFFFFu);
  const auto& size = model.xl ? kXlSizes[rng.below(std::size(kXlSizes))] : kSdSizes[rng.below(std::size(kSdSizes))];
  r.requested_width = size[0];
  r.requested_height = size[1];
  r.model_hash = model.hash;
  r.model = model.name;
  if (rng.chance(0.2)) {  // hires fix
    r.extra.emplace_back("Denoising strength", rng.chance(0.5) ? "0.45" : "0.55");
    r.extra.emplace_back("Hires upscale", rng.chance(0.7) ? "2" : "1.5");
    r.extra.emplace_back("Hires steps", std::to_string(10 + rng.below(11)));
    r.extra.emplace_back("Hires upscaler", rng.pick(kUpscalers));
  }
  if (!loras.empty()) {
    std::string hashes;
    for (const Lora* l : loras) hashes += (hashes.empty() ? "" : ", ") + std::string(l->name) + ": " + l->hash;
    r.extra.emplace_back("Lora hashes", hashes);
  }
  r.extra.emplace_back("Version", "v1.10.1");
  return r;
}

Result<std::string> synthetic_png(uint64_t seed, int64_t index) {
  constexpr int kSide = 16;
  Rng rng = rng_for(seed, index, 0x706978);
  Image img;
  img.width = img.height = kSide;
  img.channels = 3;
  img.pixels.resize(size_t(kSide) * kSide * 3);
  // A colour gradient with a little noise: varied pixels that still compress like an image.
  int base[3], dx[3], dy[3];
  for (int c = 0; c < 3; ++c) {
    base[c] = static_cast<int>(rng.below(256));
    dx[c] = static_cast<int>(rng.below(9)) - 4;
    dy[c] = static_cast<int>(rng.below(9)) - 4;
  }
  uint64_t noise = rng.next();
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      for (int c = 0; c < 3; ++c) {
        if ((noise >> 60) == 0) noise = rng.next() | 1;  // refill once mostly consumed
        int v = base[c] + x * dx[c] + y * dy[c] + static_cast<int>(noise & 7);
        noise >>= 3;
        img.pixels[(size_t(y) * kSide + x) * 3 + c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
  return encode_png(img, {PngTextOut{"parameters", format_infotext(synthetic_record(seed, index))}});
}

std::string synthetic_path(const std::string& dir, int64_t index) {
  char name[48];
  std::snprintf(name, sizeof name, "/%04lld/img-%06lld.png", static_cast<long long>(index / kFilesPerFolder),
                static_cast<long long>(index));
  return dir + name;
}

Result<CorpusStats> make_synthetic_corpus(const CorpusOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (::mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST)
    return make_error(options.dir + ": cannot create folder (" + std::strerror(errno) + ")");
  const int64_t folders = (options.files + kFilesPerFolder - 1) / kFilesPerFolder;
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = static_cast<int>(std::clamp<int64_t>(threads, 1, std::max<int64_t>(1, folders)));

  // Threads take whole folders, so each folder is created by the thread that fills it.
  std::atomic<int64_t> next_folder{0}, bytes{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string first_error;
  auto fail = [&](std::string message) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!failed.exchange(true)) first_error = std::move(message);
  };
  auto write_folders = [&] {
    for (int64_t f; !failed && (f = next_folder.fetch_add(1)) < folders;) {
      const int64_t begin = f * kFilesPerFolder, end = std::min(options.files, begin + kFilesPerFolder);
      std::string folder = synthetic_path(options.dir, begin);
      folder.resize(folder.rfind('/'));
      if (::mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST)
        return fail(folder + ": cannot create folder (" + std::strerror(errno) + ")");
      for (int64_t i = begin; i < end && !failed; ++i) {
        auto png = synthetic_png(options.seed, i);
        if (!png) return fail(png.error().message);
        const std::string path = synthetic_path(options.dir, i);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return fail(path + ": cannot create (" + std::strerror(errno) + ")");
        bool ok = ::write(fd, png->data(), png->size()) == static_cast<ssize_t>(png->size());
        ok = ::close(fd) == 0 && ok;
        if (!ok) return fail(path + ": write failed");
        bytes += static_cast<int64_t>(png->size());
      }
    }
  };
  auto worker = [&] {
    try {
      write_folders();
    } catch (const std::exception& e) {  // never let an exception escape a worker
      fail(std::string("corpus writer: ") + e.what());
    }
  };
  std::vector<std::thread> pool;
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  } catch (const std::exception& e) {
    fail(std::string("cannot start corpus writers: ") + e.what());
  }
  worker();
  for (auto& th : pool) th.join();
  if (failed) return make_error(first_error);

  std::ofstream marker(options.dir + "/" + kCorpusMarker, std::ios::trunc);
  marker << "files " << options.files << "\nseed " << options.seed << "\n";
  if (!marker.flush()) return make_error(options.dir + ": cannot write the corpus marker");
  CorpusStats stats;
  stats.files = options.files;
  stats.bytes = bytes;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

CorpusMarker read_corpus_marker(const std::string& dir) {
  CorpusMarker m;
  std::ifstream in(dir + "/" + kCorpusMarker);
  std::string key;
  while (in >> key) {
    if (key == "files") in >> m.files;
    else if (key == "seed") in >> m.seed;
  }
  if (!in.eof()) return CorpusMarker{};
  return m;
}

}  // namespace provena::bench
