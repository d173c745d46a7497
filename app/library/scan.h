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
  bool stated = true;  // false: listed without a stat (ScanStat::kListOnly); size and mtime unknown
};

// kListOnly: regular files are listed from their folder entries alone, without a stat each
// (links, and entries of file systems that give no type, are still stat'ed). For folders
// with nothing catalogued under them, whose files are all read anyway: the stat was most
// of a scan, the one part of an import that nothing overlaps.
enum class ScanStat { kEveryFile, kListOnly };

struct ScanError {
  std::string path;
  std::string message;
};

// Appends every file with an image extension below `dir` (recursive, symlinked folders
// not followed, hidden entries skipped). Unreadable folders are reported, not fatal.
void scan_folder(const std::string& dir, std::vector<ScannedFile>& out, std::vector<ScanError>& errors,
                 ScanStat stat = ScanStat::kEveryFile);

// stat() of one file; false when it is not a regular file (or does not exist).
bool stat_file(const std::string& path, ScannedFile& out, std::string& error);

// Absolute, lexically normalized path without a trailing slash.
std::string normalize_path(const std::string& path);

}  // namespace provena
