// Helpers shared by the tests: temporary folders and small images made on the spot.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "core/png.h"

#include <zlib.h>

namespace provena::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "provena-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Image make_image(int w, int h, uint32_t seed, int channels = 3) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.resize(size_t(w) * h * channels);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
  return img;
}

// Runs a shell command, returning its exit status and capturing stdout.
inline int run_command(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  std::string captured;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) captured.append(buf, n);
  int status = ::pclose(p);
  if (out) *out = std::move(captured);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A CLIP tokenizer folder for the tiny SD fixtures, whose vocabulary has 1000 ids
// (998/999 play <|startoftext|>/<|endoftext|>): a few letters and their word ends, one
// merge ("r e"); everything else is unknown (-> 999). Returns the folder.
inline std::string tiny_clip_tokenizer(const TempDir& dir) {
  const std::string folder = dir / "tokenizer";
  std::filesystem::create_directories(folder);
  std::string vocab = R"({"<|startoftext|>": 998, "<|endoftext|>": 999)";
  int id = 10;
  for (const char* t : {"a", "b", "c", "d", "e", "f", "o", "r", "x", "w", "l", "u"}) {
    vocab += ", \"" + std::string(t) + "\": " + std::to_string(id++);
    vocab += ", \"" + std::string(t) + "</w>\": " + std::to_string(id++);
  }
  vocab += ", \"re\": " + std::to_string(id) + "}";
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"vocab.json", vocab}, {"merges.txt", "#version: 0.2\nr e\n"}}) {
    std::FILE* f = std::fopen((folder + "/" + name).c_str(), "wb");
    if (!f) return folder;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  return folder;
}

// One PNG chunk with a correct CRC, for building odd files by hand.
inline std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  uint32_t len = static_cast<uint32_t>(data.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(len >> (8 * i)));
  std::string body = type + data;
  out += body;
  uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size()));
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

// Inserts `chunk` into PNG bytes just before IEND (that is, after the image data).
inline std::string insert_before_iend(const std::string& png, const std::string& chunk) {
  return png.substr(0, png.size() - 12) + chunk + png.substr(png.size() - 12);
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace provena::testing
