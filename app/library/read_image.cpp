#include "app/library/read_image.h"

#include "core/file_io.h"
#include "core/own_format.h"
#include "importers/sidecar.h"

namespace provena {

Result<ImportedImage> read_image_with_sidecar(const std::string& path, std::string_view bytes) {
  auto img = read_image_metadata(bytes);
  if (!img || img->record.tool != "none") return img;
  // Only metadata-less images pay for the extra open().
  auto json = read_file(sidecar_path_for(path));
  if (!json) return img;
  auto from_sidecar = read_json_sidecar(*json);
  if (!from_sidecar) return img;
  Record r = std::move(from_sidecar.value());
  r.raw = std::move(img->record.raw);
  r.raw.push_back({"sidecar", std::move(*json), "sidecar"});
  img->record = std::move(r);
  return img;
}

}  // namespace provena
