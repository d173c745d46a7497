#include "importers/importer.h"

#include "core/png.h"
#include "importers/sniffer.h"

namespace provena {

bool has_image_extension(std::string_view path) {
  size_t dot = path.find_last_of('.');
  if (dot == std::string_view::npos) return false;
  std::string ext(path.substr(dot));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

Result<ImportedImage> read_image_metadata(std::string_view bytes) {
  if (!looks_like_png(bytes)) {
    if (bytes.empty()) return make_error("empty file");
    return make_error("unsupported image format (not a PNG)");
  }
  auto meta = read_png_metadata(bytes);
  if (!meta) return meta.error();
  auto record = read_record(meta->texts);
  if (!record) return record.error();
  return ImportedImage{meta->image, std::move(record.value())};
}

}  // namespace provena
