#include "importers/importer.h"

#include "importers/container.h"
#include "importers/sniffer.h"
#include "importers/stealth.h"

namespace provena {

bool has_image_extension(std::string_view path) {
  size_t dot = path.find_last_of('.');
  size_t slash = path.find_last_of('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return false;
  std::string ext(path.substr(dot));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp";
}

Result<ImportedImage> read_image_metadata(std::string_view bytes) {
  auto meta = read_container(bytes);
  if (!meta) return meta.error();
  auto record = read_record(*meta);
  if (!record) return record.error();
  // Only a PNG that says nothing else is searched for data hidden in its pixels.
  if (record->tool == "none" && meta->image.format == "png") {
    auto hidden = read_stealth_pnginfo(bytes);
    if (hidden && !hidden->empty()) {
      for (auto& t : *hidden) meta->texts.push_back(std::move(t));
      record = read_record(*meta);
      if (!record) return record.error();
    }
  }
  record->raw = std::move(meta->texts);
  return ImportedImage{meta->image, std::move(record.value()), std::move(meta->warnings)};
}

}  // namespace provena
