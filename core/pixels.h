#pragma once

#include <string_view>

#include "core/hash.h"
#include "core/png.h"
#include "core/result.h"

namespace provena {

// Hash of the pixels in a canonical form (8-bit RGBA rows, plus the dimensions), so the
// same picture hashes the same whatever its metadata or PNG encoding.
Hash128 pixel_hash(const Image& image);

// Decodes `bytes` (PNG, JPEG or WebP: core/decode.h) and hashes the pixels. Slow compared with reading
// metadata: run it in a background pass, never on the import's critical path.
Result<Hash128> pixel_hash_of_file_bytes(std::string_view bytes);

}  // namespace provena
