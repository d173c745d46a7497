// libFuzzer target: the EXIF/TIFF walker and the UserComment decoder, on raw TIFF blocks
// (what follows "Exif\0\0" in a JPEG APP1 segment, or a WebP EXIF chunk).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "importers/container.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<provena::RawText> out;
  (void)provena::read_exif(bytes, out);
  for (const provena::RawText& t : out) {
    if (!provena::is_valid_utf8(t.text)) __builtin_trap();
  }
  if (!provena::is_valid_utf8(provena::decode_user_comment(bytes))) __builtin_trap();
  return 0;
}
