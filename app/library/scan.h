// Folder scanning: finds image files below a folder with their size and mtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace provena {

struct ScannedFile {
  std::string path;  // absolute, normalized
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

struct ScanError {
  std::string path;
  std::string message;
};

// Appends every file with an image extension below `dir` (recursive, symlinked folders
// not followed, hidden entries skipped). Unreadable folders are reported, not fatal.
void scan_folder(const std::string& dir, std::vector<ScannedFile>& out, std::vector<ScanError>& errors);

// stat() of one file; false when it is not a regular file (or does not exist).
bool stat_file(const std::string& path, ScannedFile& out, std::string& error);

// Absolute, lexically normalized path without a trailing slash.
std::string normalize_path(const std::string& path);

}  // namespace provena
