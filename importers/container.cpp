#include "importers/container.h"

#include <cstring>

#include "core/png.h"

namespace provena {

Result<FileMetadata> read_container(std::string_view bytes) {
  if (bytes.empty()) return make_error("empty file");
  if (looks_like_png(bytes)) {
    auto png = read_png_metadata(bytes);
    if (!png) return png.error();
    return FileMetadata{png->image, std::move(png->texts), std::move(png->c2pa), std::move(png->warnings)};
  }
  if (bytes.size() >= 3 && uint8_t(bytes[0]) == 0xFF && uint8_t(bytes[1]) == 0xD8 && uint8_t(bytes[2]) == 0xFF)
    return read_jpeg(bytes);
  if (bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 && std::memcmp(bytes.data() + 8, "WEBP", 4) == 0)
    return read_webp(bytes);
  return make_error("unsupported image format (not PNG, JPEG or WebP)");
}

}  // namespace provena
