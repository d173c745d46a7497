// Hashes used for identity.
// - Content hash: XXH3-128 over the file's bytes. Chosen because it runs at memory speed
//   (tens of GB/s), so hashing never dominates an import; it identifies an asset.
// - Pixel hash: XXH3-128 over a canonical decoding of the pixels (see pixels.h), so a
//   metadata-only edit keeps it.
// - SHA-256: for features that need a cryptographic or interoperable hash (model files,
//   A1111 short hashes, C2PA); computed lazily, never on the import path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace provena {

struct Hash128 {
  std::array<uint8_t, 16> bytes{};
  std::string hex() const;
  static std::optional<Hash128> from_hex(std::string_view hex);
  bool operator==(const Hash128& o) const { return bytes == o.bytes; }
  bool operator!=(const Hash128& o) const { return bytes != o.bytes; }
};

Hash128 xxh3_128(const void* data, size_t size);

// For unordered containers keyed by Hash128: its bytes are already uniform.
struct Hash128Hasher {
  size_t operator()(const Hash128& h) const {
    size_t v = 0;
    for (size_t i = 0; i < sizeof v; ++i) v = (v << 8) | h.bytes[i];
    return v;
  }
};

// Incremental XXH3-128, for data that arrives in pieces.
class Xxh3Stream {
 public:
  Xxh3Stream();
  ~Xxh3Stream();
  Xxh3Stream(const Xxh3Stream&) = delete;
  Xxh3Stream& operator=(const Xxh3Stream&) = delete;
  void update(const void* data, size_t size);
  Hash128 digest() const;

 private:
  void* state_;
};

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::array<uint8_t, 32> digest();  // finalizes; call once
  static std::string hex(const void* data, size_t size);

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string to_hex(const uint8_t* data, size_t size);

// SHA-256 of a file in lower-case hex, read in 1 MiB pieces (checkpoints are gigabytes).
Result<std::string> sha256_file(const std::string& path);

}  // namespace provena
