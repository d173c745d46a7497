// The folders a library imports from (table import_folders), so that a rescan walks them
// again without the user naming them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"

namespace provena {

struct ImportFolder {
  std::string path;
  int64_t added_at = 0;                // unix seconds
  std::optional<int64_t> scanned_at;   // none until a scan of it completed
  int64_t files = 0, failures = 0;     // what the last complete scan found
};

// In path order.
Result<std::vector<ImportFolder>> list_import_folders(const Catalog& catalog);
// Adds the folder (added_at = now) or, when known, updates what its last scan found.
// `scan` none: only make sure the folder is listed.
struct FolderScan {
  int64_t scanned_at = 0, files = 0, failures = 0;
};
Status remember_import_folder(Catalog& catalog, const std::string& path, const std::optional<FolderScan>& scan = {});
// Stops listing the folder; its images stay in the library.
Status forget_import_folder(Catalog& catalog, const std::string& path);

}  // namespace provena
