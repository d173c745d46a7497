// The catalog: one SQLite database per library (WAL). Opening migrates it to the schema
// this build knows and refuses a newer one. All methods translate SQLite errors into
// Result values at this boundary. A Catalog is used by one thread at a time (its
// connection has no mutex of its own); threads that work at once open their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/hash.h"
#include "core/record.h"
#include "core/result.h"
#include "db/keyword_index.h"
#include "db/raw_metadata.h"

namespace provena {

struct FileState {
  int64_t file_id = 0;
  int64_t asset_id = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool missing = false;
};

// One file read by an importer, ready to be stored.
struct IngestItem {
  std::string path;  // absolute
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::optional<int64_t> known_file_id;  // set when the path is already in the catalog
  Hash128 content_hash;
  ImageInfo image;
  Record record;
  std::optional<Hash128> pixel_hash;  // known when Provena wrote the file itself

  // Text derived from the record for storage (JSON columns, full-text input). Filled by
  // Catalog::prepare() — call it on reader threads so the single writer only binds
  // strings; ingest() prepares any item that was not.
  struct Derived {
    bool ready = false;
    std::optional<std::string> details_json;
    std::string raw_metadata;  // encode_raw_metadata(record.raw), big texts by hash
    std::vector<SharedText> shared_texts;  // record.raw items stored once, by hash
    std::string fts_prompt, fts_negative, fts_meta;
    Hash128 negative_hash;  // of fts_negative, when that is not empty (db/negative_index.h)
    RecordKeywords keywords;
    std::optional<int64_t> created_at;  // record.created_at parsed (unix seconds)
  } derived;
};

struct IngestCounts {
  int64_t new_assets = 0;  // new content with its record
  int64_t duplicates = 0;  // new path for content already in the catalog
  int64_t moved = 0;       // a missing file found again under a new path (re-linked by hash)
  int64_t updated = 0;     // known path whose content changed
  IngestCounts& operator+=(const IngestCounts& o) {
    new_assets += o.new_assets; duplicates += o.duplicates; moved += o.moved; updated += o.updated;
    return *this;
  }
};

struct FileRef {
  std::string path;
  bool missing = false;
};

// An asset with its record, as stored.
struct Entry {
  int64_t id = 0;
  Record record;
  ImageInfo image;
  int64_t byte_size = 0;
  Hash128 content_hash;
  std::optional<Hash128> pixel_hash;
  std::vector<FileRef> files;  // present files first
  std::optional<std::string> primary_path() const;
};

struct LineageLink {
  int64_t asset_id = 0, parent_id = 0;
  std::string relation;  // "reproduction", ...
  std::string details;   // JSON
  int64_t created_at = 0;
};

struct SearchOptions {
  int limit = 50;
  std::string after;  // a SearchPage::next cursor: the page after it (keyset paging)
};

struct SearchPage {
  std::vector<Entry> entries;
  std::string next;  // cursor for the following page; empty when this was the last
};

class Catalog {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating and migrating when read-write) the catalog at `path`.
  static Result<std::unique_ptr<Catalog>> open(const std::string& path, Mode mode = Mode::kReadWrite);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  int schema_version() const;
  static int latest_schema_version();

  // Every file row, keyed by path, for incremental imports.
  Result<std::unordered_map<std::string, FileState>> file_states() const;
  Status mark_missing(const std::vector<int64_t>& file_ids);
  // Computes item.derived; pure, thread-safe, no database access.
  static void prepare(IngestItem& item);
  // Bulk mode (a large import): WAL checkpoints only every 512 MiB of WAL while batches
  // are stored, and one when it ends. Each checkpoint rewrites the index pages touched since the
  // last one, so many small ones cost far more than one at the end (~7 us per file
  // measured at 100k files). The WAL grows meanwhile (~1.3 KiB per file).
  // Batches stored in bulk mode share a transaction that commits every
  // `records_per_transaction` records and when bulk mode ends (or the catalog closes): a
  // commit rewrites every page the transaction touched, and random keys (content hashes,
  // seeds, the full-text index) touch most leaf pages of their indexes again in each one
  // (10k mixed files, commit per batch -> every 4096 records: WAL 77 -> 37 MB; 100k
  // synthetic files, 4096 -> 32768 records: ~4% faster, a fifth less system time). What
  // other connections see lags by up to one transaction. A batch that fails is rolled
  // back alone; the ones before it stay.
  static constexpr int64_t kBulkTransactionRecords = 32768;
  Status set_bulk_mode(bool on, int64_t records_per_transaction = kBulkTransactionRecords);
  // In bulk mode, commits what is stored now (the next transaction starts with the next
  // batch); otherwise nothing. An import commits some batches before its end, so the
  // background checkpoint copies most of the last transaction while the final batches
  // are stored, instead of the final checkpoint copying it all.
  Status commit_bulk();
  // Stores a batch in one transaction (in bulk mode: see above).
  Result<IngestCounts> ingest(std::vector<IngestItem>& batch);
  Result<IngestCounts> ingest(std::vector<IngestItem>&& batch) { return ingest(batch); }

  // The search language of db/query.h. Pages by keyset (the cursor holds the last row's
  // sort key), so page 1000 costs what page 1 does.
  Result<SearchPage> search(const std::string& query, const SearchOptions& options = {}) const;
  Result<std::optional<Entry>> get(int64_t asset_id) const;
  Result<std::optional<Entry>> find_by_path(const std::string& path) const;
  Result<int64_t> count_assets() const;
  // Calls `fn` for every asset in id order (export); stops early when fn returns false.
  Status for_each(const std::function<bool(const Entry&)>& fn) const;

  // Background pixel-hash pass: assets with id > after_id still lacking one, with a
  // present path, in id order.
  Result<std::vector<std::pair<int64_t, std::string>>> assets_without_pixel_hash(int64_t after_id, int limit) const;
  Status set_pixel_hashes(const std::vector<std::pair<int64_t, Hash128>>& hashes);
  // Lineage: `asset_id` derives from `parent_id` (e.g. a reproduction of it).
  Status add_lineage(const LineageLink& link);
  // Links where the asset is the child or the parent, oldest first.
  Result<std::vector<LineageLink>> lineage_of(int64_t asset_id) const;

  // Other assets with the same pixels (metadata-only edits of this one).
  Result<std::vector<int64_t>> same_pixels_as(int64_t asset_id) const;

 private:
  friend struct CatalogInternals;  // db/ internals (stats, templates) reach the connection
  struct Impl;
  explicit Catalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace provena
