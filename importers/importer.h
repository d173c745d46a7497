// Reading generation metadata from image files made by any tool. A reader is chosen by
// what the file contains (sniffing), never by its extension.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

struct ImportedImage {
  ImageInfo image;
  Record record;  // tool "none" when the file carries no generation metadata
  // Damaged metadata the reading skipped, one line each (PngMetadata::warnings): the file
  // was read without it.
  std::vector<std::string> warnings;
};

// Reads image facts and metadata from the file's bytes; no I/O, no pixel decoding.
// Errors describe the problem (the caller adds the path).
Result<ImportedImage> read_image_metadata(std::string_view bytes);

// Extensions a folder scan picks up (lower-case, with the dot).
bool has_image_extension(std::string_view path);

}  // namespace provena
