// make_mixed_corpus N DIR [--corpus DIR] [--max-side PX]
// A realistic mixed set for the import benchmark, made from the real files in
// ../shared/corpus: each output file is a variant of one of them with its metadata kept
// byte for byte except the seed digits, which are varied so every file is distinct.
// PNG pixels are downscaled (at most --max-side pixels, default 512) and re-encoded
// once per source file, and each variant carries a private `pvNa` chunk with its index;
// JPEG and WebP keep their image data (there is no encoder here) and get the variant
// index in a trailing marker (JPEG: after EOI; WebP: an extra RIFF chunk).
// Files with expect_error or no metadata are skipped.
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/png.h"

namespace fs = std::filesystem;

namespace {

struct Source {
  std::string path, bytes, seed;
};

uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put_be32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}

std::string chunk(const std::string& type, const std::string& data) {
  std::string out;
  put_be32(out, static_cast<uint32_t>(data.size()));
  out += type + data;
  std::string body = type + data;
  put_be32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
  return out;
}

// Replaces every occurrence of `from` by `to` (same length) in ASCII and UTF-16 (both
// byte orders), so seeds inside infotext, JSON and EXIF UserComment all change.
void replace_all_encodings(std::string& s, const std::string& from, const std::string& to) {
  auto rep = [&](const std::string& a, const std::string& b) {
    for (size_t p = s.find(a); p != std::string::npos; p = s.find(a, p + b.size())) s.replace(p, a.size(), b);
  };
  rep(from, to);
  std::string f16be, t16be, f16le, t16le;
  for (size_t i = 0; i < from.size(); ++i) {
    f16be += std::string(1, '\0') + from[i];
    t16be += std::string(1, '\0') + to[i];
    f16le += std::string(1, from[i]) + '\0';
    t16le += std::string(1, to[i]) + '\0';
  }
  rep(f16be, t16be);
  rep(f16le, t16le);
}

// New digits of the same length derived from the variant index.
std::string vary_digits(const std::string& seed, size_t variant) {
  std::string out = seed;
  size_t v = variant * 2654435761u + 12345;
  for (size_t i = out.size(); i-- > 0;) {
    if (out[i] < '0' || out[i] > '9') continue;
    out[i] = static_cast<char>('0' + (v % 10));
    v /= 10;
    if (v == 0) v = variant + 7;
  }
  if (out.size() > 1 && out[0] == '0' && seed[0] != '0') out[0] = '1';
  return out;
}

// PNG: downscale pixels, keep every ancillary chunk except those tied to the old pixel
// format, in their original places (before/after the image data).
std::string png_downscaled(const std::string& src, int max_side) {
  auto img = provena::decode_png(src);
  if (!img) return {};
  int step = std::max(1, std::max(img->width, img->height) / max_side);
  provena::Image small;
  small.width = std::max(1, img->width / step);
  small.height = std::max(1, img->height / step);
  small.channels = 4;
  small.pixels.resize(size_t(small.width) * small.height * 4);
  for (int y = 0; y < small.height; ++y)
    for (int x = 0; x < small.width; ++x)
      std::memcpy(&small.pixels[(size_t(y) * small.width + x) * 4], &img->pixels[(size_t(y) * step * img->width + size_t(x) * step) * 4], 4);
  auto encoded = provena::encode_png(small, {});
  if (!encoded) return {};
  // Split the new file into IHDR and image data; take the old file's ancillary chunks.
  std::string before, after, new_ihdr, new_idat;
  auto walk = [](const std::string& png, auto&& fn) {
    size_t pos = 8;
    while (pos + 12 <= png.size()) {
      auto p = reinterpret_cast<const unsigned char*>(png.data() + pos);
      uint32_t len = be32(p);
      if (pos + 12 + len > png.size()) break;
      fn(std::string(png.data() + pos + 4, 4), png.substr(pos, 12 + len));
      pos += 12 + len;
    }
  };
  walk(*encoded, [&](const std::string& type, const std::string& whole) {
    if (type == "IHDR") new_ihdr = whole;
    else if (type == "IDAT") new_idat += whole;
  });
  bool seen_idat = false;
  walk(src, [&](const std::string& type, const std::string& whole) {
    static const char* kDrop[] = {"IHDR", "IDAT", "IEND", "PLTE", "tRNS", "sBIT", "bKGD", "hIST", "acTL", "fcTL", "fdAT"};
    for (const char* d : kDrop)
      if (type == d) {
        if (type == "IDAT") seen_idat = true;
        return;
      }
    (seen_idat ? after : before) += whole;
  });
  return src.substr(0, 8) + new_ihdr + before + new_idat + after + chunk("IEND", "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_mixed_corpus N DIR [--corpus DIR] [--max-side PX]\n");
    return 2;
  }
  const size_t n = std::stoul(argv[1]);
  const fs::path out_dir = argv[2];
  fs::path corpus = fs::path(PROVENA_SHARED_DIR) / "corpus";
  int max_side = 512;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--corpus") corpus = argv[i + 1];
    else if (std::string(argv[i]) == "--max-side") max_side = std::stoi(argv[i + 1]);
  }
  std::vector<Source> sources;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    std::string p = e.path().string();
    if (!e.is_regular_file() || p.size() < 14 || p.substr(p.size() - 14) == ".expected.json") continue;
    std::ifstream in(p + ".expected.json");
    if (!in) continue;
    auto expected = nlohmann::json::parse(in);
    if (expected.value("expect_error", false) || expected.value("tool", "") == "none") continue;
    auto bytes = provena::read_file(p);
    if (!bytes) continue;
    std::string seed = expected["seed"].is_number() ? expected["seed"].dump() : "";
    sources.push_back({p, std::move(*bytes), seed});
  }
  std::sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) { return a.path < b.path; });
  if (sources.empty()) {
    std::fprintf(stderr, "make_mixed_corpus: no corpus files under %s\n", corpus.c_str());
    return 1;
  }
  // Downscale each PNG once; variants then change seed digits and carry a private
  // ancillary chunk with their index, so every file is distinct.
  for (auto& s : sources)
    if (fs::path(s.path).extension() == ".png") s.bytes = png_downscaled(s.bytes, max_side);
  size_t total = 0, png = 0, jpeg = 0, webp = 0;
  for (size_t i = 0; i < n; ++i) {
    const Source& s = sources[i % sources.size()];
    std::string ext = fs::path(s.path).extension().string();
    std::string bytes;
    if (ext == ".png") {
      if (s.bytes.size() < 12) continue;
      bytes = s.bytes.substr(0, s.bytes.size() - 12) + chunk("pvNa", "variant " + std::to_string(i)) +
              s.bytes.substr(s.bytes.size() - 12);
      ++png;
    } else {
      bytes = s.bytes;
      std::string tag = "provena-variant-" + std::to_string(i);
      if (ext == ".webp") {
        bytes += "PVNA";
        uint32_t len = static_cast<uint32_t>(tag.size());
        for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>(len >> (8 * k)));
        bytes += tag;
        if (tag.size() & 1) bytes.push_back('\0');
        uint32_t riff = static_cast<uint32_t>(bytes.size() - 8);
        for (int k = 0; k < 4; ++k) bytes[4 + k] = static_cast<char>(riff >> (8 * k));
        ++webp;
      } else {
        bytes += tag;  // after EOI: ignored by decoders
        ++jpeg;
      }
    }
    if (bytes.empty()) continue;
    if (!s.seed.empty()) replace_all_encodings(bytes, s.seed, vary_digits(s.seed, i));
    if (ext == ".png") {
      // Text chunks whose seed digits changed need their CRCs recomputed.
      std::string fixed = bytes.substr(0, 8);
      size_t pos = 8;
      while (pos + 12 <= bytes.size()) {
        uint32_t len = be32(reinterpret_cast<const unsigned char*>(bytes.data() + pos));
        fixed += chunk(bytes.substr(pos + 4, 4), bytes.substr(pos + 8, len));
        pos += 12 + len;
      }
      bytes = std::move(fixed);
    }
    fs::path dir = out_dir / (std::to_string(i / 1000));
    fs::create_directories(dir);
    fs::path file = dir / ("v" + std::to_string(i) + "-" + fs::path(s.path).filename().string());
    auto st = provena::write_file_atomic(file.string(), bytes);
    if (!st) {
      std::fprintf(stderr, "make_mixed_corpus: %s\n", st.error().message.c_str());
      return 1;
    }
    total += bytes.size();
  }
  std::printf("wrote %zu files (%zu PNG, %zu JPEG, %zu WebP), %.1f MB, from %zu corpus files\n", png + jpeg + webp, png,
              jpeg, webp, total / 1e6, sources.size());
  return 0;
}
