// WebP: a RIFF container. Size from VP8X / VP8 / VP8L; EXIF, XMP and C2PA chunks.
#include <cstdint>
#include <cstring>

#include "core/text.h"
#include "importers/container.h"

namespace provena {
namespace {

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint32_t le24(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16; }

}  // namespace

Result<FileMetadata> read_webp(std::string_view bytes) {
  auto d = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 12 || std::memcmp(d, "RIFF", 4) != 0 || std::memcmp(d + 8, "WEBP", 4) != 0)
    return make_error("not a WebP file (no RIFF/WEBP header)");
  FileMetadata meta;
  meta.image.format = "webp";
  meta.image.bit_depth = 8;
  // A RIFF size larger than the file is truncation: read what is there, bounded by the file.
  size_t end = std::min<size_t>(bytes.size(), size_t(le32(d + 4)) + 8);
  size_t pos = 12;
  bool have_size = false;
  while (pos + 8 <= end) {
    const uint8_t* c = d + pos;
    uint32_t size = le32(c + 4);
    if (size > end - pos - 8) return make_error("WebP chunk '" + std::string(reinterpret_cast<const char*>(c), 4) +
                                               "' at offset " + std::to_string(pos) + " runs past the end of the file");
    const uint8_t* p = c + 8;
    std::string_view data(reinterpret_cast<const char*>(p), size);
    if (std::memcmp(c, "VP8X", 4) == 0 && size >= 10) {
      meta.image.width = int(le24(p + 4) + 1);
      meta.image.height = int(le24(p + 7) + 1);
      meta.image.channels = (p[0] & 0x10) ? 4 : 3;
      have_size = true;
    } else if (std::memcmp(c, "VP8 ", 4) == 0 && size >= 10 && !have_size) {
      if (p[3] == 0x9D && p[4] == 0x01 && p[5] == 0x2A) {
        meta.image.width = (p[6] | p[7] << 8) & 0x3FFF;
        meta.image.height = (p[8] | p[9] << 8) & 0x3FFF;
        meta.image.channels = 3;
        have_size = true;
      }
    } else if (std::memcmp(c, "VP8L", 4) == 0 && size >= 5 && !have_size) {
      if (p[0] == 0x2F) {
        uint32_t bits = le32(p + 1);
        meta.image.width = int((bits & 0x3FFF) + 1);
        meta.image.height = int(((bits >> 14) & 0x3FFF) + 1);
        meta.image.channels = (bits >> 28) & 1 ? 4 : 3;
        have_size = true;
      }
    } else if (std::memcmp(c, "EXIF", 4) == 0) {
      // Some writers keep JPEG's "Exif\0\0" prefix inside the chunk.
      std::string_view tiff = data.substr(0, 6) == std::string_view("Exif\0\0", 6) ? data.substr(6) : data;
      if (auto st = read_exif(tiff, meta.texts); !st)  // its fields are lost, not the file
        meta.warnings.push_back("WebP chunk 'EXIF' at offset " + std::to_string(pos) + ": " + st.error().message +
                                "; skipped");
    } else if (std::memcmp(c, "XMP ", 4) == 0) {
      std::string xmp(data);
      if (!is_valid_utf8(xmp)) xmp = latin1_to_utf8(xmp);
      meta.texts.push_back({"XML:com.adobe.xmp", std::move(xmp), "xmp"});
    } else if (std::memcmp(c, "C2PA", 4) == 0) {
      meta.c2pa.assign(data);
    }
    pos += 8 + size + (size & 1);  // chunks are padded to even sizes
  }
  if (!have_size) return make_error("WebP has no VP8X/VP8/VP8L header");
  return meta;
}

}  // namespace provena
