#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "importers/importer.h"

namespace provena {

// Reads an image's record from its bytes and, when the image itself carries no
// generation metadata, from a JSON sidecar beside it (NAME.json). The sidecar's text is
// kept in the record's raw metadata (container "sidecar").
Result<ImportedImage> read_image_with_sidecar(const std::string& path, std::string_view bytes);

}  // namespace provena
