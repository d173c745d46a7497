#include "importers/stealth.h"

#include <zlib.h>

#include <cstring>

#include "core/limits.h"
#include "core/png.h"
#include "core/text.h"
#include "importers/json_util.h"

namespace provena {
namespace {

constexpr size_t kMagicBits = 15 * 8;
constexpr size_t kLengthBits = 32;

// Reads bits column-major (x outer, y inner), MSB first within each byte.
class BitReader {
 public:
  BitReader(const Image& img, bool rgb) : img_(img), rgb_(rgb) {}
  size_t available() const { return size_t(img_.width) * img_.height * (rgb_ ? 3 : 1); }
  bool bit(size_t index) const {
    size_t per_pixel = rgb_ ? 3 : 1;
    size_t pixel = index / per_pixel, channel = rgb_ ? index % per_pixel : 3;
    size_t x = pixel / img_.height, y = pixel % img_.height;
    return img_.pixels[(y * img_.width + x) * 4 + channel] & 1;
  }
  std::string bytes(size_t first_bit, size_t count) const {
    std::string out(count, '\0');
    for (size_t i = 0; i < count; ++i) {
      uint8_t b = 0;
      for (int k = 0; k < 8; ++k) b = uint8_t(b << 1 | bit(first_bit + i * 8 + k));
      out[i] = static_cast<char>(b);
    }
    return out;
  }

 private:
  const Image& img_;
  bool rgb_;
};

Result<std::string> gunzip_limited(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limits::kMaxInflatedTextBytes) {
      inflateEnd(&zs);
      return make_error("stealth payload inflates past the limit");
    }
    if (rc == Z_OK && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error("stealth payload is not valid gzip");
  return out;
}

std::vector<RawText> items_from_payload(const std::string& text) {
  // NovelAI: a JSON object of its text chunks; A1111: the infotext itself.
  if (!text.empty() && text[0] == '{') {
    if (auto j = parse_json_bounded(text); j && j->is_object() && (j->contains("Comment") || j->contains("Software"))) {
      std::vector<RawText> out;
      for (auto it = j->begin(); it != j->end(); ++it)
        out.push_back({it.key(), it->is_string() ? it->get<std::string>() : it->dump(), "stealth"});
      return out;
    }
  }
  return {{"parameters", text, "stealth"}};
}

}  // namespace

Result<std::vector<RawText>> read_stealth_pnginfo(std::string_view png_bytes) {
  // The magic sits in the first column: 120 alpha bits = 120 rows (40 rows for RGB).
  bool has_alpha = false;
  auto head = decode_png(png_bytes, static_cast<int>(kMagicBits), &has_alpha);
  if (!head) return head.error();
  const bool tall_enough = size_t(head->height) * head->width >= kMagicBits;
  if (!tall_enough) return std::vector<RawText>{};
  std::string magic_alpha = has_alpha ? BitReader(*head, false).bytes(0, 15) : std::string();
  std::string magic_rgb = BitReader(*head, true).bytes(0, 15);
  bool rgb;
  bool compressed;
  if (magic_alpha == "stealth_pnginfo" || magic_alpha == "stealth_pngcomp") {
    rgb = false;
    compressed = magic_alpha == "stealth_pngcomp";
  } else if (magic_rgb == "stealth_rgbinfo" || magic_rgb == "stealth_rgbcomp") {
    rgb = true;
    compressed = magic_rgb == "stealth_rgbcomp";
  } else {
    return std::vector<RawText>{};
  }
  auto full = decode_png(png_bytes);
  if (!full) return full.error();
  BitReader bits(*full, rgb);
  std::string len_bytes = bits.bytes(kMagicBits, 4);
  uint32_t payload_bits = uint32_t(uint8_t(len_bytes[0])) << 24 | uint32_t(uint8_t(len_bytes[1])) << 16 |
                          uint32_t(uint8_t(len_bytes[2])) << 8 | uint8_t(len_bytes[3]);
  if (payload_bits % 8 != 0 || kMagicBits + kLengthBits + payload_bits > bits.available())
    return make_error("stealth payload length " + std::to_string(payload_bits) + " bits does not fit the image");
  std::string payload = bits.bytes(kMagicBits + kLengthBits, payload_bits / 8);
  if (compressed) {
    auto text = gunzip_limited(payload);
    if (!text) return text.error();
    payload = std::move(*text);
  }
  if (!is_valid_utf8(payload)) payload = latin1_to_utf8(payload);
  return items_from_payload(payload);
}

}  // namespace provena
