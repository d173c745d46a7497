#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace provena {

struct FileStat {
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

// Reads a whole file; errors name the path and the OS reason. Files larger than
// limits::kMaxImportFileBytes are refused. `buffer` is reused to avoid reallocations.
Status read_file_into(const std::string& path, std::string& buffer);
// The same, with the size and modification time of the file as it was opened and read.
Status read_file_into(const std::string& path, std::string& buffer, FileStat& stat);
// The same when the size is already known (from a folder scan): saves the fstat; a file
// that changed size since is still read whole.
Status read_file_into(const std::string& path, std::string& buffer, size_t expected_size);
Result<std::string> read_file(const std::string& path);

// Writes through a temporary file in the same folder and renames it into place, so a
// crash never leaves a half-written image behind.
Status write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace provena
