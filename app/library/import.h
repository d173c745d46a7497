// Importing files and folders into a catalog: walk, skip unchanged files (path + size +
// mtime), read the changed ones in parallel, store in batched transactions, re-link moved
// files by content hash, and report failures per file without stopping.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"

namespace provena {

struct ImportProgress {
  int64_t done = 0;   // files read and stored so far
  int64_t total = 0;  // files that needed reading
};

struct ImportOptions {
  int threads = 0;           // readers; 0 = one per core
  size_t batch_size = 4096;  // records per transaction
  std::function<void(const ImportProgress&)> on_progress;
  // Set from another thread to stop early: the batch being stored is finished, the rest is
  // left for the next import (which skips what was stored). report.cancelled tells.
  const std::atomic<bool>* cancel = nullptr;
  // List the folders among `paths` in the catalog (db/import_folders.h) for rescans.
  bool remember_folders = true;
};

struct ImportFailure {
  std::string path;
  std::string category;  // "unreadable", "unsupported", "corrupt"; a warning: "damaged metadata"
  std::string message;   // names the problem (chunk, offset, limit, ...)
};

struct ImportReport {
  int64_t scanned = 0;    // image files found
  int64_t unchanged = 0;  // skipped: same path, size and mtime as in the catalog
  IngestCounts stored;
  int64_t missing = 0;    // catalogued files under the scanned folders that are gone
  std::vector<ImportFailure> failures;
  // Files stored without some of their metadata (a text chunk with a bad CRC, corrupt
  // compressed text, ...): each names the file and what was skipped.
  std::vector<ImportFailure> warnings;
  double seconds = 0;
  bool cancelled = false;
  // Where the time went on the storing thread: waiting for readers, storing batches,
  // and the final checkpoint of a bulk import. (The readers run meanwhile.)
  double wait_seconds = 0, store_seconds = 0, checkpoint_seconds = 0;
};

// `paths` may name folders (searched recursively for images) and files (taken whatever
// their extension). Returns an error only when the catalog itself fails.
Result<ImportReport> import_paths(Catalog& catalog, const std::vector<std::string>& paths,
                                  const ImportOptions& options = {});

// Imports every folder listed in the catalog again (unchanged files are skipped).
Result<ImportReport> rescan_import_folders(Catalog& catalog, const ImportOptions& options = {});

struct PixelHashReport {
  int64_t hashed = 0;
  std::vector<ImportFailure> failures;
};

// The background pass: decodes assets that lack a pixel hash and stores it.
Result<PixelHashReport> compute_pixel_hashes(Catalog& catalog, int64_t max_assets, int threads = 0);

}  // namespace provena
