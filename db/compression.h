// zstd for the bulky metadata the catalog keeps verbatim (ComfyUI graphs and workflows,
// long parameter blocks): JSON of 10-60 KiB compresses ~3.6x at level 1 (~300 MB/s to
// compress, ~850 MB/s to decompress, measured here on the mixed corpus's graphs). Data
// are compressed on the import's reader threads, so the single writer stores a quarter of
// the bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace provena {

// Texts shorter than this are stored as they are: the frame overhead and the call cost
// more than they save.
inline constexpr size_t kCompressMinBytes = 1024;

// One zstd frame (level 1) holding `data`; its header records the original size and its
// trailer a checksum of the content, so damage is an error rather than different text.
std::string zstd_compress(std::string_view data);

// The data of one zstd frame. Refuses frames that do not state their size, state more
// than `max_bytes`, are malformed or fail their checksum, with a message saying which.
Result<std::string> zstd_decompress(std::string_view frame, size_t max_bytes);

}  // namespace provena
