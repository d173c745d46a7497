#include "core/pixels.h"

#include <cstring>

#include "core/decode.h"

namespace provena {

Hash128 pixel_hash(const Image& image) {
  Xxh3Stream h;
  const char tag[4] = {'P', 'X', 'H', '1'};
  uint32_t dims[2] = {static_cast<uint32_t>(image.width), static_cast<uint32_t>(image.height)};
  h.update(tag, 4);
  h.update(dims, sizeof dims);
  if (image.channels == 4) {
    h.update(image.pixels.data(), image.pixels.size());
  } else {  // RGB: hash as RGBA with opaque alpha, so an RGBA re-save of it hashes the same
    std::vector<uint8_t> row(size_t(image.width) * 4);
    const uint8_t* src = image.pixels.data();
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x, src += 3) {
        std::memcpy(&row[size_t(x) * 4], src, 3);
        row[size_t(x) * 4 + 3] = 0xFF;
      }
      h.update(row.data(), row.size());
    }
  }
  return h.digest();
}

Result<Hash128> pixel_hash_of_file_bytes(std::string_view bytes) {
  auto img = decode_image(bytes);
  if (!img) return img.error();
  return pixel_hash(*img);
}

}  // namespace provena
