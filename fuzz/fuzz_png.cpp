// libFuzzer target: the PNG chunk walker (read_png_metadata) and the libpng pixel decoder
// (decode_png, and the stealth pnginfo reader on top of it). Pixels are decoded in full
// only for images of at most a megapixel, so the fuzzer's memory limit measures the
// parsers, not the (separately bounded) 1 GiB a legitimately huge image may take.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/png.h"
#include "importers/stealth.h"

namespace {

constexpr uint64_t kMaxFuzzPixels = uint64_t(1) << 20;
// Rows asked of decode_png in its partial mode (the stealth reader asks for 120).
constexpr int kPartialRows = 16;

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)provena::read_png_metadata(bytes);
  if (!provena::looks_like_png(bytes)) return 0;
  (void)provena::decode_png(bytes, kPartialRows);
  // IHDR's width and height, as libpng will see them.
  if (size < 24 || uint64_t(be32(data + 16)) * be32(data + 20) > kMaxFuzzPixels) return 0;
  bool has_alpha = false;
  (void)provena::decode_png(bytes, -1, &has_alpha);
  (void)provena::read_stealth_pnginfo(bytes);
  return 0;
}
