// The models registry (table models): what `provena models scan` found, looked up by
// SHA-256 or by A1111's short hash when a record names its model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"

namespace provena {

struct ModelEntry {
  std::string path;
  int64_t size = 0, mtime_ns = 0;
  std::string sha256, short_hash, family, name;
  int64_t scanned_at = 0;
  std::string legacy_hash;  // A1111's pre-October-2022 hash (8 hex digits); "" for folders
};

Result<std::vector<ModelEntry>> list_models(const Catalog& catalog);
// Adds or replaces the entries (by path) in one transaction; `gone` paths are removed.
Status store_models(Catalog& catalog, const std::vector<ModelEntry>& entries, const std::vector<std::string>& gone = {});
// By full SHA-256, A1111's short hash, A1111's old 8-digit hash, or a prefix of the SHA-256
// of at least 8 hex digits (in that order of preference), case-insensitive.
Result<std::optional<ModelEntry>> find_model_by_hash(const Catalog& catalog, const std::string& hash);
// The entry registered for `path` (as scanned: an absolute, canonical path).
Result<std::optional<ModelEntry>> find_model_by_path(const Catalog& catalog, const std::string& path);

}  // namespace provena
