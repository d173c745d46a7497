// Large synthetic libraries for the benchmarks that need one (search, GUI frame times):
// records from synthetic_library_record() stored straight into a catalog, without files.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"

namespace provena::bench {

// Item `index` ready to ingest (prepared: keywords, FTS text, raw blob).
IngestItem synthetic_library_item(uint64_t seed, int64_t index);
std::vector<IngestItem> synthetic_library_batch(uint64_t seed, int64_t begin, int64_t end);

struct LibraryBuild {
  int64_t added = 0;
  double seconds = 0, store_seconds = 0;  // overall, and in Catalog::ingest alone
};
// Adds items [have, records) (have = the records already there) in bulk mode, preparing
// the next batch on a second thread while the current one is stored.
Result<LibraryBuild> grow_synthetic_library(Catalog& catalog, int64_t records, uint64_t seed,
                                            const std::function<void(int64_t done)>& progress = {});

}  // namespace provena::bench
