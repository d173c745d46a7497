#include "bench/synthetic_library.h"

#include <chrono>
#include <future>
#include <string>

#include "bench/synthetic_corpus.h"
#include "core/infotext.h"

namespace provena::bench {

IngestItem synthetic_library_item(uint64_t seed, int64_t index) {
  IngestItem it;
  it.record = synthetic_library_record(seed, index);
  it.path = synthetic_path("/synthetic", index);
  const std::string text = format_infotext(it.record);
  it.record.raw = {{"parameters", text, "tEXt"}};
  std::string identity = std::to_string(seed) + ":" + std::to_string(index);
  it.content_hash = xxh3_128(identity.data(), identity.size());
  it.size = static_cast<int64_t>(text.size() + 600);
  it.mtime_ns = 1700000000LL * 1000000000LL;
  it.image = ImageInfo{"png", it.record.requested_width.value_or(512), it.record.requested_height.value_or(512), 8, 3};
  Catalog::prepare(it);  // keywords, FTS text, raw blob: the readers' share of an import
  return it;
}

std::vector<IngestItem> synthetic_library_batch(uint64_t seed, int64_t begin, int64_t end) {
  std::vector<IngestItem> batch;
  batch.reserve(static_cast<size_t>(end - begin));
  for (int64_t i = begin; i < end; ++i) batch.push_back(synthetic_library_item(seed, i));
  return batch;
}

Result<LibraryBuild> grow_synthetic_library(Catalog& catalog, int64_t records, uint64_t seed,
                                            const std::function<void(int64_t)>& progress) {
  using Clock = std::chrono::steady_clock;
  auto have = catalog.count_assets();
  if (!have) return have.error();
  LibraryBuild b;
  if (*have >= records) return b;
  constexpr int64_t kBatch = 4096;
  if (auto st = catalog.set_bulk_mode(true); !st) return st.error();
  const auto start = Clock::now();
  auto pending = std::async(std::launch::async, synthetic_library_batch, seed, *have, std::min(records, *have + kBatch));
  for (int64_t begin = *have; begin < records; begin += kBatch) {
    std::vector<IngestItem> batch = pending.get();
    const int64_t next = begin + kBatch;
    if (next < records)
      pending = std::async(std::launch::async, synthetic_library_batch, seed, next, std::min(records, next + kBatch));
    const auto s = Clock::now();
    auto stored = catalog.ingest(batch);
    b.store_seconds += std::chrono::duration<double>(Clock::now() - s).count();
    if (!stored) return stored.error();
    b.added += static_cast<int64_t>(batch.size());
    if (progress) progress(begin + static_cast<int64_t>(batch.size()));
  }
  if (auto st = catalog.set_bulk_mode(false); !st) return st.error();
  b.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return b;
}

}  // namespace provena::bench
