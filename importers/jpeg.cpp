// JPEG: walks marker segments up to the image data (SOS). Reads the frame size from
// SOFn, EXIF and XMP from APP1, comments from COM and C2PA JUMBF from APP11.
#include <cstdint>
#include <cstring>

#include "core/text.h"
#include "importers/container.h"

namespace provena {
namespace {

constexpr std::string_view kExifId("Exif\0\0", 6);
constexpr std::string_view kXmpId("http://ns.adobe.com/xap/1.0/\0", 29);
// A C2PA store spread over APP11 segments; c2pa-rs writes at most 64000 bytes a segment,
// and real manifests are well under a few MiB. Past this the file is refused.
constexpr size_t kMaxJumbfBytes = size_t(64) << 20;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

bool is_sof(uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

}  // namespace

Result<FileMetadata> read_jpeg(std::string_view bytes) {
  auto d = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return make_error("not a JPEG file (no SOI marker)");
  FileMetadata meta;
  meta.image.format = "jpeg";
  size_t pos = 2;
  bool saw_frame = false;
  uint16_t c2pa_instance = 0;
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return make_error("JPEG marker expected at offset " + std::to_string(pos));
    uint8_t marker = d[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    if (marker == 0xD9) break;                 // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { pos += 2; continue; }
    size_t len = be16(d + pos + 2);
    if (len < 2) return make_error("JPEG segment at offset " + std::to_string(pos) + " has length " + std::to_string(len));
    if (pos + 2 + len > n) return make_error("JPEG segment at offset " + std::to_string(pos) + " is truncated");
    const uint8_t* seg = d + pos + 4;
    const size_t seg_len = len - 2;
    std::string_view payload(reinterpret_cast<const char*>(seg), seg_len);
    if (is_sof(marker) && seg_len >= 5 && !saw_frame) {
      meta.image.bit_depth = seg[0];
      meta.image.height = be16(seg + 1);
      meta.image.width = be16(seg + 3);
      meta.image.channels = seg_len >= 6 ? seg[5] : 0;
      saw_frame = true;
    } else if (marker == 0xE1 && payload.substr(0, kExifId.size()) == kExifId) {
      // A broken EXIF block loses its fields (those read before the fault stay), not the whole file.
      if (auto st = read_exif(payload.substr(kExifId.size()), meta.texts); !st)
        meta.warnings.push_back("EXIF segment at offset " + std::to_string(pos) + ": " + st.error().message + "; skipped");
    } else if (marker == 0xE1 && payload.substr(0, kXmpId.size()) == kXmpId) {
      std::string xmp(payload.substr(kXmpId.size()));
      if (!is_valid_utf8(xmp)) xmp = latin1_to_utf8(xmp);
      meta.texts.push_back({"XML:com.adobe.xmp", std::move(xmp), "xmp"});
    } else if (marker == 0xFE) {
      // stable-diffusion.cpp: "parameters\0<infotext>\0"; anything else is a plain comment.
      std::string_view c = payload;
      std::string key = "comment";
      if (c.size() > 11 && std::memcmp(c.data(), "parameters\0", 11) == 0) {
        key = "parameters";
        c.remove_prefix(11);
      }
      while (!c.empty() && c.back() == '\0') c.remove_suffix(1);
      meta.texts.push_back({key, is_valid_utf8(c) ? std::string(c) : latin1_to_utf8(c), "COM"});
    } else if (marker == 0xEB && seg_len >= 16 && seg[0] == 'J' && seg[1] == 'P') {
      // APP11 JUMBF: "JP" En(2) Z(4), then box data. The first segment of a box carries its
      // LBox/TBox; continuations repeat them (8 more bytes to skip). Microsoft Designer
      // writes En=0xF400, Z=0, so neither is required to be 1.
      // Continuations of the C2PA box carry its box instance number (En); other JUMBF
      // boxes in APP11 are left alone.
      std::string_view box = payload.substr(8);
      const uint16_t instance = be16(seg + 2);
      bool starts_c2pa = meta.c2pa.empty() && seg_len >= 28 && std::memcmp(seg + 24, "c2pa", 4) == 0;
      if (starts_c2pa) {
        meta.c2pa.assign(box);
        c2pa_instance = instance;
      } else if (!meta.c2pa.empty() && instance == c2pa_instance) {
        meta.c2pa.append(box.substr(8));
      }
      if (meta.c2pa.size() > kMaxJumbfBytes) return make_error("JPEG APP11 C2PA data exceeds the limit");
    }
    if (marker == 0xDA) break;  // start of scan: image data follows, metadata is done
    pos += 2 + len;
  }
  if (!saw_frame) return make_error("JPEG has no frame header (SOF) before the image data");
  return meta;
}

}  // namespace provena
