#include "db/catalog.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/record_json.h"
#include "db/catalog_internals.h"
#include "db/fts_text.h"
#include "db/negative_index.h"
#include "db/query.h"
#include "db/query_sql.h"
#include "schema/migrations.h"

namespace provena {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// A Catalog, and so its connection, is used by one thread at a time (catalog.h): the
// connection needs no mutex of its own, and no memory statistics are kept. SQLite's
// serialized default locked a mutex in every bind, step and reset, and its allocator
// took a global one for the statistics: ~9% of the writer's instructions at import
// (callgrind). The configuration only takes before SQLite initializes; a process that
// opened a connection first keeps the defaults (and stays correct).
constexpr int kConnectionFlags = SQLITE_OPEN_NOMUTEX;
// Page size of a new catalog (one created by this open; an existing one keeps its own, as
// changing it means rewriting the file). Against SQLite's 4,096: an import writes and
// checkpoints half as many WAL frames (two syscalls each), the writer runs 2% fewer
// instructions, and the catalog is 3% smaller. Measured: 100k synthetic files, three
// interleaved rounds, 44.0k -> 46.6k files/s (median; 16,384: 46.0k); search_bench at 200k
// records alike within noise (FTS p50 2.4-3.1 ms either way).
constexpr int kNewCatalogPageSize = 8192;
void configure_sqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
// Raw text indexed for files without a recognized prompt: enough for any comment or
// description, without letting a huge unknown blob bloat the index.
constexpr size_t kMaxIndexedRawBytes = 16384;

// Columns of the entry query, in order; see load_entry().
#define PROVENA_ENTRY_COLUMNS                                                                       \
  "SELECT a.id, a.content_hash, a.pixel_hash, a.byte_size, a.format, a.width, a.height, "           \
  "g.tool, t.prompt, t.negative_prompt, g.seed, g.steps, g.cfg_scale, g.sampler, g.scheduler, "     \
  "g.model, g.model_hash, g.requested_width, g.requested_height, t.created_at, t.details_json, t.raw"
constexpr const char* kEntryColumns = PROVENA_ENTRY_COLUMNS;
constexpr int kEntryColumnCount = 22;
constexpr const char* kEntrySelect = PROVENA_ENTRY_COLUMNS
    " FROM assets a LEFT JOIN generations g ON g.asset_id = a.id LEFT JOIN generation_texts t ON t.asset_id = a.id ";
#undef PROVENA_ENTRY_COLUMNS

Hash128 hash_from_column(const SQLite::Column& c) {
  Hash128 h;
  if (c.isBlob() && c.getBytes() == 16) std::memcpy(h.bytes.data(), c.getBlob(), 16);
  return h;
}

template <typename T>
void bind_opt(SQLite::Statement& st, int idx, const std::optional<T>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}

// Strings are bound in place: callers keep the record alive until the statement runs.
void bind_opt(SQLite::Statement& st, int idx, const std::optional<std::string>& v) {
  if (v) st.bindNoCopy(idx, *v);
  else st.bind(idx);
}

// When the image was made: its metadata's creation time, else the file's mtime.
int64_t made_at(const IngestItem& item) {
  if (item.derived.created_at) return *item.derived.created_at;
  return item.mtime_ns / 1000000000;
}

std::optional<std::string> opt_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}
std::optional<int> opt_int(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt();
}

// The parts of a record that have no column of their own.
std::optional<std::string> details_json(const Record& r) {
  std::string json = record_to_json(r, -1, RecordParts::kDetails);
  if (json.empty()) return std::nullopt;
  return json;
}

Entry load_entry(SQLite::Statement& st, SQLite::Database& db) {
  Entry e;
  e.id = st.getColumn(0).getInt64();
  e.content_hash = hash_from_column(st.getColumn(1));
  if (!st.getColumn(2).isNull()) e.pixel_hash = hash_from_column(st.getColumn(2));
  e.byte_size = st.getColumn(3).getInt64();
  e.image.format = st.getColumn(4).getString();
  e.image.width = st.getColumn(5).getInt();
  e.image.height = st.getColumn(6).getInt();
  Record& r = e.record;
  if (!st.getColumn(7).isNull()) {
    if (!st.getColumn(20).isNull()) {
      auto details = record_from_json(st.getColumn(20).getString());
      if (details) r = std::move(details.value());
    }
    r.tool = st.getColumn(7).getString();
    r.prompt = opt_text(st.getColumn(8));
    r.negative_prompt = opt_text(st.getColumn(9));
    if (!st.getColumn(10).isNull()) r.seed = st.getColumn(10).getInt64();
    r.steps = opt_int(st.getColumn(11));
    if (!st.getColumn(12).isNull()) r.cfg_scale = st.getColumn(12).getDouble();
    r.sampler = opt_text(st.getColumn(13));
    r.scheduler = opt_text(st.getColumn(14));
    r.model = opt_text(st.getColumn(15));
    r.model_hash = opt_text(st.getColumn(16));
    r.requested_width = opt_int(st.getColumn(17));
    r.requested_height = opt_int(st.getColumn(18));
    r.created_at = opt_text(st.getColumn(19));
    if (const auto& c = st.getColumn(21); !c.isNull())
      r.raw = decode_raw_metadata(
          std::string_view(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())),
          [&db](const Hash128& h) {
            SQLite::Statement q(db, "SELECT text FROM raw_texts WHERE hash = ?");
            q.bindNoCopy(1, h.bytes.data(), 16);
            if (!q.executeStep()) return std::string();
            const auto& c = q.getColumn(0);
            return stored_shared_text(
                std::string_view(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())), c.isBlob());
          },
          {r.prompt ? *r.prompt : std::string_view(), r.negative_prompt ? *r.negative_prompt : std::string_view()});
  }
  return e;
}

}  // namespace

std::optional<std::string> Entry::primary_path() const {
  if (files.empty()) return std::nullopt;
  return files.front().path;
}

// During a bulk import, a second connection checkpoints the WAL every 50 ms (PASSIVE: it
// never waits for, nor blocks, the writer), on the core the readers leave idle, so the
// final checkpoint only copies the tail and the WAL is restarted instead of growing.
class BackgroundCheckpointer {
 public:
  explicit BackgroundCheckpointer(std::string path) : thread_([this, path = std::move(path)] { run(path); }) {}
  ~BackgroundCheckpointer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run(const std::string& path) {
    try {
      SQLite::Database db(path, SQLite::OPEN_READWRITE | kConnectionFlags, 0);
      db.exec("SELECT count(*) FROM sqlite_schema");  // reads the header: the WAL is opened
      std::unique_lock<std::mutex> lock(mutex_);
      while (!wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_; })) {
        lock.unlock();
        sqlite3_wal_checkpoint_v2(db.getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        lock.lock();
      }
    } catch (const std::exception&) {
      // Cannot open a second connection: the final checkpoint does all the work.
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

struct Catalog::Impl {
  explicit Impl(const std::string& path, int flags)
      : path(path), db(path, flags, kBusyTimeoutMs), keywords(db), negatives(db) {}
  std::string path;
  SQLite::Database db;
  KeywordIndex keywords;
  NegativeIndex negatives;
  int version = 0;
  std::unique_ptr<BackgroundCheckpointer> checkpointer;  // while in bulk mode
  bool bulk = false;
  bool bulk_transaction_open = false;
  int64_t bulk_uncommitted = 0;  // records stored in the open bulk transaction
  int64_t bulk_transaction_records = Catalog::kBulkTransactionRecords;

  ~Impl() {
    try {
      commit_bulk();  // what was stored stays stored
    } catch (const std::exception&) {
      // Closing rolls the transaction back; the next import reads those files again.
    }
  }

  // After a failed step a statement stays mid-execution until reset: the next batch's
  // bind() would fail with "API misuse".
  void reset_ingest_statements() {
    for (auto* st : {&select_asset, &insert_shared_text, &update_file, &find_missing_file, &relink_file})
      if (*st) (void)(*st)->tryReset();
    for (auto* table : {&insert_assets, &insert_generations, &insert_texts, &insert_fts, &insert_files})
      for (auto& st : table->by_rows)
        if (st) (void)st->tryReset();
    pending_records.clear();
    pending_files.clear();
  }

  // Stores a batch inside the caller's transaction; throws on database errors.
  IngestCounts store(const std::vector<IngestItem>& batch);

  void commit_bulk() {
    if (!bulk_transaction_open) return;
    bulk_uncommitted = 0;
    try {
      db.exec("COMMIT");
    } catch (...) {
      bulk_transaction_open = !sqlite3_get_autocommit(db.getHandle());  // an I/O error may end it
      throw;
    }
    bulk_transaction_open = false;
  }
  // Prepared statements for the ingest hot path, created on first use.
  std::unique_ptr<SQLite::Statement> select_asset, insert_shared_text, update_file, find_missing_file, relink_file;

  // A multi-row INSERT per number of rows (1..kIngestGroup), prepared on first use: one
  // statement for a group of rows pays the per-statement work (start, cursor opens, halt)
  // once instead of once per row.
  struct MultiInsert {
    std::string head;  // "INSERT INTO t(a, b) VALUES "
    int columns = 0;
    std::vector<std::unique_ptr<SQLite::Statement>> by_rows;
    SQLite::Statement& get(SQLite::Database& db, size_t rows) {
      if (by_rows.size() <= rows) by_rows.resize(rows + 1);
      if (!by_rows[rows]) {
        std::string sql = head, row = "(";
        for (int c = 0; c < columns; ++c) row += c ? ", ?" : "?";
        row += ")";
        for (size_t r = 0; r < rows; ++r) (sql += r ? ", " : "") += row;
        by_rows[rows] = std::make_unique<SQLite::Statement>(db, sql);
      }
      return *by_rows[rows];
    }
  };
  MultiInsert insert_assets, insert_generations, insert_texts, insert_fts, insert_files;
  static constexpr size_t kIngestGroup = 64;  // rows per multi-row INSERT

  // A group's rows, waiting for their INSERTs (store() flushes every kIngestGroup items).
  struct PendingRecord {
    const IngestItem* item;
    int64_t asset_id;
    std::string keywords;  // the record's keyword ids (KeywordIndex::add)
    int64_t negative_id;   // NegativeIndex::id_of, 0: no negative prompt
  };
  struct PendingFile {
    const IngestItem* item;
    int64_t asset_id;
  };
  std::vector<PendingRecord> pending_records;
  std::vector<PendingFile> pending_files;

  void load_files(Entry& e) const {
    SQLite::Statement st(db, "SELECT path, missing FROM files WHERE asset_id = ? ORDER BY missing, id");
    st.bind(1, static_cast<int64_t>(e.id));
    while (st.executeStep()) e.files.push_back({st.getColumn(0).getString(), st.getColumn(1).getInt() != 0});
  }

  void prepare_ingest() {
    if (select_asset) return;
    insert_assets = {"INSERT OR IGNORE INTO assets(content_hash, pixel_hash, byte_size, format, width, height, added_at) "
                     "VALUES ",
                     7, {}};
    select_asset = std::make_unique<SQLite::Statement>(db, "SELECT id FROM assets WHERE content_hash = ?");
    insert_generations = {"INSERT OR IGNORE INTO generations(asset_id, tool, seed, steps, cfg_scale, sampler, scheduler, model, "
                          "model_hash, requested_width, requested_height, made_at, template_id, keywords) VALUES ",
                          14, {}};
    insert_texts = {"INSERT OR IGNORE INTO generation_texts(asset_id, prompt, negative_prompt, created_at, details_json, raw) VALUES ",
                    6, {}};
    insert_fts = {"INSERT INTO prompt_fts(rowid, prompt, negative_prompt, meta) VALUES ", 4, {}};
    insert_files = {"INSERT OR IGNORE INTO files(path, asset_id, size, mtime_ns) VALUES ", 4, {}};
    insert_shared_text = std::make_unique<SQLite::Statement>(
        db, "INSERT OR IGNORE INTO raw_texts(hash, text) VALUES (?, ?)");
    update_file = std::make_unique<SQLite::Statement>(
        db, "UPDATE files SET asset_id = ?, size = ?, mtime_ns = ?, missing = 0 WHERE id = ?");
    find_missing_file = std::make_unique<SQLite::Statement>(
        db, "SELECT id FROM files WHERE asset_id = ? AND missing = 1 LIMIT 1");
    relink_file = std::make_unique<SQLite::Statement>(
        db, "UPDATE files SET path = ?, size = ?, mtime_ns = ?, missing = 0 WHERE id = ?");
  }

  // Records stored under schema 1 get what schema 2 added: keywords (counts, postings),
  // made_at and template_id, computed as ingest would.
  void backfill_schema2() {
    std::vector<int64_t> ids;
    {
      SQLite::Statement st(db, "SELECT asset_id FROM generations ORDER BY asset_id");
      while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
    }
    if (ids.empty()) return;
    SQLite::Statement get(db, std::string(kEntrySelect) + "WHERE a.id = ?");
    SQLite::Statement mtime(
        db, "SELECT coalesce((SELECT max(mtime_ns) / 1000000000 FROM files WHERE asset_id = ?1), "
            "(SELECT added_at FROM assets WHERE id = ?1))");
    SQLite::Statement update(db, "UPDATE generations SET made_at = ?, template_id = ?, keywords = ? WHERE asset_id = ?");
    SQLite::Transaction tx(db);
    for (int64_t id : ids) {
      get.bind(1, static_cast<int64_t>(id));
      if (!get.executeStep()) {
        get.reset();
        continue;
      }
      Entry e = load_entry(get, db);
      get.reset();
      // (No std::optional here: GCC 12 warns about it being maybe-uninitialized.)
      int64_t made = 0;
      bool have_made = false;
      if (e.record.created_at)
        if (auto t = parse_timestamp(*e.record.created_at)) made = *t, have_made = true;
      if (!have_made) {
        mtime.bind(1, static_cast<int64_t>(id));
        if (mtime.executeStep() && !mtime.getColumn(0).isNull()) made = mtime.getColumn(0).getInt64(), have_made = true;
        mtime.reset();
      }
      std::string kw = keywords.add(record_keywords(e.record));
      if (have_made) update.bind(1, static_cast<int64_t>(made));
      else update.bind(1);
      if (e.record.template_use) update.bind(2, e.record.template_use->id);
      else update.bind(2);
      if (kw.empty()) update.bind(3);
      else update.bind(3, kw.data(), static_cast<int>(kw.size()));
      update.bind(4, static_cast<int64_t>(id));
      update.exec();
      update.reset();
    }
    keywords.flush();
    tx.commit();
  }

  // The assets of items [begin, end) in one multi-row INSERT OR IGNORE (content hashes
  // already stored are left alone): out[i - begin] = {asset id, whether it is new}.
  void upsert_assets(const std::vector<IngestItem>& batch, size_t begin, size_t end, int64_t now,
                     std::vector<std::pair<int64_t, bool>>& out) {
    const size_t n = end - begin;
    auto& st = insert_assets.get(db, n);
    for (size_t i = 0; i < n; ++i) {
      const IngestItem& item = batch[begin + i];
      const int c = static_cast<int>(i) * 7;
      st.bindNoCopy(c + 1, item.content_hash.bytes.data(), 16);
      if (item.pixel_hash) st.bindNoCopy(c + 2, item.pixel_hash->bytes.data(), 16);
      else st.bind(c + 2);
      st.bind(c + 3, static_cast<int64_t>(item.size));
      st.bindNoCopy(c + 4, item.image.format);
      st.bind(c + 5, item.image.width);
      st.bind(c + 6, item.image.height);
      st.bind(c + 7, static_cast<int64_t>(now));
    }
    st.exec();
    st.reset();
    const auto inserted = static_cast<size_t>(db.getChanges());
    const int64_t last = db.getLastInsertRowid();
    out.assign(n, {0, false});
    // New rows get consecutive ids, each one more than the largest before it (SQLite's
    // rowid rule; this transaction is the only writer): all new, they are known at once.
    if (inserted == n) {
      for (size_t i = 0; i < n; ++i) out[i] = {last - static_cast<int64_t>(n - 1 - i), true};
      return;
    }
    // Some were stored already (or repeat an earlier item of the group): look each up. An
    // item is new if its id is one this statement made and no earlier item has its hash.
    const int64_t first_new = inserted > 0 ? last - static_cast<int64_t>(inserted) + 1 : INT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      const Hash128& hash = batch[begin + i].content_hash;
      auto& sel = *select_asset;
      sel.bindNoCopy(1, hash.bytes.data(), 16);
      if (!sel.executeStep()) throw std::runtime_error("storing assets: an asset row went missing");
      const int64_t id = sel.getColumn(0).getInt64();
      sel.reset();
      bool is_new = id >= first_new;
      for (size_t j = 0; is_new && j < i; ++j) is_new = !(batch[begin + j].content_hash == hash);
      out[i] = {id, is_new};
    }
  }

  // Queues the record rows of a new asset (generations, generation_texts, the full-text
  // index) for the group's INSERTs; raw texts shared between records go in at once.
  void queue_record(int64_t asset_id, const IngestItem& item) {
    const IngestItem::Derived& d = item.derived;
    const int64_t negative_id = d.fts_negative.empty() ? 0 : negatives.id_of(d.negative_hash, d.fts_negative);
    pending_records.push_back({&item, asset_id, keywords.add(d.keywords), negative_id});
    for (const auto& shared : d.shared_texts) {
      auto& t = *insert_shared_text;
      t.bindNoCopy(1, shared.hash.bytes.data(), 16);
      if (shared.compressed.empty()) t.bindNoCopy(2, item.record.raw[shared.index].text);
      else t.bindNoCopy(2, shared.compressed.data(), static_cast<int>(shared.compressed.size()));
      t.exec();
      t.reset();
    }
  }

  // Runs a multi-row INSERT OR IGNORE that must insert all its `rows`. (OR IGNORE: a
  // multi-row statement that can abort needs a statement savepoint, and every savepoint
  // makes the full-text index flush its pending terms to disk: a plain multi-row INSERT
  // cost 75% more than single rows. None of these rows can conflict — their keys are new
  // assets' ids and paths the import found absent — so a row left out is an error.)
  void exec_all(SQLite::Statement& st, size_t rows, const char* table) {
    st.exec();
    st.reset();
    if (db.getChanges() != static_cast<int>(rows))
      throw std::runtime_error(std::string("storing ") + table + ": " + std::to_string(rows - db.getChanges()) +
                               " of " + std::to_string(rows) + " rows conflicted with rows already stored");
  }

  // Inserts the queued rows: one multi-row INSERT per table (the full-text index row by
  // row: a multi-row insert into a virtual table always takes a statement savepoint).
  void flush_group() {
    if (!pending_records.empty()) {
      const size_t n = pending_records.size();
      auto& gen = insert_generations.get(db, n);
      auto& txt = insert_texts.get(db, n);
      for (size_t i = 0; i < n; ++i) {
        const PendingRecord& p = pending_records[i];
        const Record& r = p.item->record;
        const IngestItem::Derived& d = p.item->derived;
        const int g = static_cast<int>(i) * 14, t = static_cast<int>(i) * 6;
        gen.bind(g + 1, static_cast<int64_t>(p.asset_id));
        gen.bindNoCopy(g + 2, r.tool);
        bind_opt(gen, g + 3, r.seed);
        bind_opt(gen, g + 4, r.steps);
        bind_opt(gen, g + 5, r.cfg_scale);
        bind_opt(gen, g + 6, r.sampler);
        bind_opt(gen, g + 7, r.scheduler);
        bind_opt(gen, g + 8, r.model);
        bind_opt(gen, g + 9, r.model_hash);
        bind_opt(gen, g + 10, r.requested_width);
        bind_opt(gen, g + 11, r.requested_height);
        gen.bind(g + 12, static_cast<int64_t>(made_at(*p.item)));
        if (r.template_use) gen.bindNoCopy(g + 13, r.template_use->id);
        else gen.bind(g + 13);
        if (p.keywords.empty()) gen.bind(g + 14);
        else gen.bindNoCopy(g + 14, p.keywords.data(), static_cast<int>(p.keywords.size()));
        txt.bind(t + 1, static_cast<int64_t>(p.asset_id));
        bind_opt(txt, t + 2, r.prompt);
        bind_opt(txt, t + 3, r.negative_prompt);
        bind_opt(txt, t + 4, r.created_at);
        bind_opt(txt, t + 5, d.details_json);
        if (r.raw.empty()) txt.bind(t + 6);
        else txt.bindNoCopy(t + 6, d.raw_metadata.data(), static_cast<int>(d.raw_metadata.size()));
      }
      exec_all(gen, n, "generations");
      exec_all(txt, n, "generation_texts");
      // The full-text rows: records with a prompt or a negative prompt, or with unrecognized
      // metadata to search. A negative prompt is indexed once (queue_record); the record's
      // row holds one token naming it (db/negative_index.h).
      auto& f = insert_fts.get(db, 1);
      std::string negative;
      for (const PendingRecord& p : pending_records) {
        const IngestItem::Derived& d = p.item->derived;
        if (d.fts_prompt.empty() && !p.negative_id && d.fts_meta.empty()) continue;
        negative = p.negative_id ? negative_token(p.negative_id) : std::string();
        f.bind(1, static_cast<int64_t>(p.asset_id));
        f.bindNoCopy(2, d.fts_prompt);
        f.bindNoCopy(3, negative);
        f.bindNoCopy(4, d.fts_meta);
        f.exec();
        f.reset();
      }
      pending_records.clear();
    }
    if (!pending_files.empty()) {
      auto& st = insert_files.get(db, pending_files.size());
      for (size_t i = 0; i < pending_files.size(); ++i) {
        const int c = static_cast<int>(i) * 4;
        const IngestItem& item = *pending_files[i].item;
        st.bindNoCopy(c + 1, item.path);
        st.bind(c + 2, static_cast<int64_t>(pending_files[i].asset_id));
        st.bind(c + 3, static_cast<int64_t>(item.size));
        st.bind(c + 4, static_cast<int64_t>(item.mtime_ns));
      }
      exec_all(st, pending_files.size(), "files");
      pending_files.clear();
    }
  }
};

SQLite::Database& CatalogInternals::db(const Catalog& catalog) { return catalog.impl_->db; }

int bind_values(SQLite::Statement& st, const std::vector<SqlValue>& values, int first) {
  for (const auto& v : values) {
    if (const auto* i = std::get_if<int64_t>(&v)) st.bind(first++, static_cast<int64_t>(*i));
    else if (const auto* d = std::get_if<double>(&v)) st.bind(first++, *d);
    else st.bind(first++, std::get<std::string>(v));
  }
  return first;
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::~Catalog() = default;

int Catalog::latest_schema_version() { return schema::kMigrations[schema::kMigrationCount - 1].version; }
int Catalog::schema_version() const { return impl_->version; }

Result<std::unique_ptr<Catalog>> Catalog::open(const std::string& path, Mode mode) {
  try {
    configure_sqlite();
    int flags = kConnectionFlags |
                (mode == Mode::kReadOnly ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE));
    auto impl = std::make_unique<Impl>(path, flags);
    auto& db = impl->db;
    int version = db.execAndGet("PRAGMA user_version").getInt();
    const int latest = latest_schema_version();
    if (version > latest)
      return make_error(path + ": catalog schema version " + std::to_string(version) +
                        " is newer than this build of Provena supports (" + std::to_string(latest) +
                        "); upgrade Provena to open it");
    if (mode == Mode::kReadOnly) {
      if (version < latest)
        return make_error(path + ": catalog needs migrating (version " + std::to_string(version) +
                          "); open it read-write once");
    } else {
      // Only an empty file takes a page size (the first table fixes it).
      if (version == 0 && db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() == 0)
        db.exec("PRAGMA page_size = " + std::to_string(kNewCatalogPageSize));
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA foreign_keys = ON");
      for (size_t i = 0; i < schema::kMigrationCount; ++i) {
        const auto& m = schema::kMigrations[i];
        if (m.version <= version) continue;
        SQLite::Transaction tx(db);  // rolls back unless committed
        db.exec(m.sql);
        db.exec("PRAGMA user_version = " + std::to_string(m.version));
        tx.commit();
        // Data a migration cannot compute in SQL (prompt keywords need core/keywords).
        if (m.version == 2 && version == 1) impl->backfill_schema2();
        version = m.version;
      }
    }
    register_keyword_functions(db);
    db.exec("PRAGMA cache_size = -65536");  // 64 MiB page cache
    // Reads through a memory map: a scan of a million-record catalog costs a syscall
    // per page otherwise (3x slower measured for stats over a query's subset). SQLite
    // caps the size at its compile-time maximum.
    db.exec("PRAGMA mmap_size = 17179869184");
    db.exec("PRAGMA temp_store = MEMORY");
    impl->version = version;
    return std::unique_ptr<Catalog>(new Catalog(std::move(impl)));
  } catch (const std::exception& e) {
    return make_error(path + ": cannot open catalog: " + e.what());
  }
}

Result<std::unordered_map<std::string, FileState>> Catalog::file_states() const {
  return guarded("reading file states", [&]() -> Result<std::unordered_map<std::string, FileState>> {
    std::unordered_map<std::string, FileState> out;
    out.reserve(static_cast<size_t>(impl_->db.execAndGet("SELECT count(*) FROM files").getInt64()));
    SQLite::Statement st(impl_->db, "SELECT id, path, asset_id, size, mtime_ns, missing FROM files");
    while (st.executeStep()) {
      FileState s{st.getColumn(0).getInt64(), st.getColumn(2).getInt64(), st.getColumn(3).getInt64(),
                  st.getColumn(4).getInt64(), st.getColumn(5).getInt() != 0};
      out.emplace(st.getColumn(1).getString(), s);
    }
    return out;
  });
}

Status Catalog::mark_missing(const std::vector<int64_t>& file_ids) {
  return guarded("marking missing files", [&]() -> Status {
    SQLite::Transaction tx(impl_->db);
    SQLite::Statement st(impl_->db, "UPDATE files SET missing = 1 WHERE id = ?");
    for (int64_t id : file_ids) {
      st.bind(1, static_cast<int64_t>(id));
      st.exec();
      st.reset();
    }
    tx.commit();
    return Ok{};
  });
}

void Catalog::prepare(IngestItem& item) {
  auto& d = item.derived;
  const Record& r = item.record;
  d.details_json = details_json(r);
  d.shared_texts.clear();
  if (r.raw.empty()) {
    d.raw_metadata.clear();
  } else {
    d.raw_metadata = compress_raw_metadata(encode_raw_metadata(
        r.raw, &d.shared_texts,
        {r.prompt ? *r.prompt : std::string_view(), r.negative_prompt ? *r.negative_prompt : std::string_view()}));
    compress_shared_texts(r.raw, d.shared_texts);
  }
  d.fts_prompt = fts_index_text(r.prompt.value_or(""));
  d.fts_negative = fts_index_text(r.negative_prompt.value_or(""));
  if (!d.fts_negative.empty()) d.negative_hash = xxh3_128(d.fts_negative.data(), d.fts_negative.size());
  // Metadata no reader understood stays searchable through its raw text (bounded).
  d.fts_meta.clear();
  if (!r.prompt && !r.negative_prompt) {
    for (const auto& t : r.raw) {
      if (d.fts_meta.size() >= kMaxIndexedRawBytes) break;
      d.fts_meta += t.key + ' ' + t.text.substr(0, kMaxIndexedRawBytes - d.fts_meta.size()) + '\n';
    }
    d.fts_meta = fts_index_text(d.fts_meta);
  }
  d.keywords = record_keywords(r);
  d.created_at = r.created_at ? parse_timestamp(*r.created_at) : std::nullopt;
  d.ready = true;
}

Result<IngestCounts> Catalog::ingest(std::vector<IngestItem>& batch) {
  for (auto& item : batch)
    if (!item.derived.ready) prepare(item);
  auto result = guarded("storing a batch", [&]() -> Result<IngestCounts> {
    impl_->prepare_ingest();
    auto& db = impl_->db;
    if (!impl_->bulk) {
      SQLite::Transaction tx(db);
      IngestCounts counts = impl_->store(batch);
      impl_->keywords.flush();
      tx.commit();
      return counts;
    }
    if (!impl_->bulk_transaction_open) {
      db.exec("BEGIN");
      impl_->bulk_transaction_open = true;
    }
    db.exec("SAVEPOINT ingest_batch");
    IngestCounts counts;
    try {
      counts = impl_->store(batch);
      impl_->keywords.flush();
    } catch (...) {
      if (sqlite3_get_autocommit(db.getHandle())) {
        // SQLite ended the whole transaction (disk full, I/O error): the batches since the
        // last commit were not stored; the next import reads their files again.
        impl_->bulk_transaction_open = false;
        impl_->bulk_uncommitted = 0;
        throw;
      }
      db.exec("ROLLBACK TO ingest_batch");
      db.exec("RELEASE ingest_batch");
      throw;
    }
    db.exec("RELEASE ingest_batch");
    impl_->bulk_uncommitted += static_cast<int64_t>(batch.size());
    if (impl_->bulk_uncommitted >= impl_->bulk_transaction_records) impl_->commit_bulk();
    return counts;
  });
  if (!result) {
    impl_->reset_ingest_statements();
    impl_->keywords.reset();  // rolled back: cached keyword and negative prompt ids may be gone
    impl_->negatives.reset();
  }
  return result;
}

IngestCounts Catalog::Impl::store(const std::vector<IngestItem>& batch) {
  IngestCounts counts;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  pending_records.clear();
  pending_files.clear();
  std::vector<std::pair<int64_t, bool>> assets;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i % kIngestGroup == 0) {  // a new group: its assets, after the last group's rows
      flush_group();
      upsert_assets(batch, i, std::min(batch.size(), i + kIngestGroup), now, assets);
    }
    const IngestItem& item = batch[i];
    auto [asset_id, is_new] = assets[i % kIngestGroup];
    if (is_new) queue_record(asset_id, item);
    if (item.known_file_id) {
      auto& st = *update_file;
      st.bind(1, static_cast<int64_t>(asset_id));
      st.bind(2, static_cast<int64_t>(item.size));
      st.bind(3, static_cast<int64_t>(item.mtime_ns));
      st.bind(4, static_cast<int64_t>(*item.known_file_id));
      st.exec();
      st.reset();
      ++counts.updated;
      continue;
    }
    if (!is_new) {  // known content under a new path: a moved file, or a copy
      auto& find = *find_missing_file;
      find.bind(1, static_cast<int64_t>(asset_id));
      std::optional<int64_t> missing_id;
      if (find.executeStep()) missing_id = find.getColumn(0).getInt64();
      find.reset();
      if (missing_id) {
        auto& st = *relink_file;
        st.bindNoCopy(1, item.path);
        st.bind(2, static_cast<int64_t>(item.size));
        st.bind(3, static_cast<int64_t>(item.mtime_ns));
        st.bind(4, static_cast<int64_t>(*missing_id));
        st.exec();
        st.reset();
        ++counts.moved;
        continue;
      }
    }
    pending_files.push_back({&item, asset_id});
    ++(is_new ? counts.new_assets : counts.duplicates);
  }
  flush_group();
  return counts;
}

Status Catalog::commit_bulk() {
  return guarded("committing a bulk transaction", [&]() -> Status {
    impl_->commit_bulk();
    return Ok{};
  });
}

Status Catalog::set_bulk_mode(bool on, int64_t records_per_transaction) {
  return guarded("switching bulk mode", [&]() -> Status {
    if (!on) impl_->commit_bulk();
    // Foreign keys are not checked in bulk mode: ingest inserts each files, generations
    // and generation_texts row right after finding or inserting its asset, so every check
    // would pass, and they cost 7% of the writer's instructions (callgrind, 10k synthetic
    // files). (The pragma is a no-op inside a transaction; here none is open.)
    impl_->db.exec(on ? "PRAGMA foreign_keys = OFF" : "PRAGMA foreign_keys = ON");
    impl_->bulk = on;
    impl_->bulk_transaction_records = std::max<int64_t>(1, records_per_transaction);
    if (on) {
      // Not 0: a million-file import would grow the WAL past 2 GiB; at 128k pages
      // (512 MiB) it checkpoints at most every ~350k files.
      impl_->db.exec("PRAGMA wal_autocheckpoint = 131072");
      if (!impl_->checkpointer) impl_->checkpointer = std::make_unique<BackgroundCheckpointer>(impl_->path);
    } else {
      impl_->checkpointer.reset();
      impl_->db.exec("PRAGMA wal_autocheckpoint = 1000");
      impl_->db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    }
    return Ok{};
  });
}

namespace {


// The column a sort orders by, and whether it is a real number.
struct SortColumn {
  const char* code;
  const char* expr;
  bool real;
};
SortColumn sort_column(QuerySort s, bool fts) {
  switch (s) {
    case QuerySort::kDate: return {"date", "g.made_at", false};
    case QuerySort::kSeed: return {"seed", "g.seed", false};
    case QuerySort::kSteps: return {"steps", "g.steps", false};
    case QuerySort::kCfg: return {"cfg", "g.cfg_scale", true};
    case QuerySort::kRelevance: return {"rank", "m.rank", true};
    case QuerySort::kRecent: break;
  }
  return {"id", fts ? "m.rowid" : "a.id", false};
}

}  // namespace

Result<SearchPage> Catalog::search(const std::string& text, const SearchOptions& options) const {
  auto q = parse_search_query(text);
  if (!q) return q.error();
  auto compiled = compile_query(*q, negative_lookup(impl_->db));
  if (!compiled) return compiled.error();
  const SqlQuery& sq = *compiled;
  if (q->sort == QuerySort::kRelevance && sq.fts.empty())
    return make_error("query error: sort:relevance needs words to rank by");
  return guarded("searching", [&]() -> Result<SearchPage> {
    const bool fts = !sq.fts.empty();
    const SortColumn key = sort_column(q->sort, fts);
    const bool by_id = q->sort == QuerySort::kRecent;
    const bool desc = q->descending;
    const char* id_col = fts ? "m.rowid" : "a.id";
    SqlScope scope = scope_sql(sq, true);
    std::string sql = std::string(kEntryColumns) + ", " + key.expr + " " + scope.from_where;
    std::string extra;
    // Sorting by a field lists the records that have it.
    if (!by_id) extra += std::string(key.expr) + " IS NOT NULL";
    // Keyset paging: the cursor is "code:key:id" of the last row shown.
    std::vector<SqlValue> cursor_binds;
    if (!options.after.empty()) {
      std::string_view c = options.after;
      size_t a = c.find(':'), b = c.rfind(':');
      const char* op = desc ? "<" : ">";
      if (a == std::string_view::npos || c.substr(0, a) != key.code)
        return make_error("query error: the --after cursor belongs to a different sort order");
      std::string last_id(c.substr(b + 1)), last_key(c.substr(a + 1, b > a ? b - a - 1 : 0));
      char* end = nullptr;
      long long id = std::strtoll(last_id.c_str(), &end, 10);
      if (last_id.empty() || *end) return make_error("query error: malformed --after cursor");
      if (by_id) {
        extra += std::string(extra.empty() ? "" : " AND ") + id_col + " " + op + " ?";
        cursor_binds.emplace_back(static_cast<int64_t>(id));
      } else {
        extra += std::string(extra.empty() ? "" : " AND ") + "(" + key.expr + " " + op + " ? OR (" + key.expr +
                 " = ? AND " + id_col + " " + op + " ?))";
        SqlValue k;
        if (key.real) k = std::strtod(last_key.c_str(), &end);
        else k = static_cast<int64_t>(std::strtoll(last_key.c_str(), &end, 10));
        if (last_key.empty() || *end) return make_error("query error: malformed --after cursor");
        cursor_binds.push_back(k);
        cursor_binds.push_back(k);
        cursor_binds.emplace_back(static_cast<int64_t>(id));
      }
    }
    if (!extra.empty()) sql += (scope.from_where.find(" WHERE ") == std::string::npos ? " WHERE " : " AND ") + extra;
    const char* dir = desc ? " DESC" : "";
    if (by_id) sql += std::string(" ORDER BY ") + id_col + dir;
    else sql += std::string(" ORDER BY ") + key.expr + dir + ", " + id_col + dir;
    sql += " LIMIT ?";
    SQLite::Statement st(impl_->db, sql);
    int idx = bind_values(st, scope.binds);
    idx = bind_values(st, cursor_binds, idx);
    st.bind(idx, options.limit + 1);  // one more tells whether a next page exists
    SearchPage page;
    std::string last_key;
    while (st.executeStep()) {
      if (static_cast<int>(page.entries.size()) == options.limit) {
        const Entry& last = page.entries.back();
        page.next = std::string(key.code) + ":" + last_key + ":" + std::to_string(last.id);
        break;
      }
      page.entries.push_back(load_entry(st, impl_->db));
      const SQLite::Column k = st.getColumn(kEntryColumnCount);
      if (key.real) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", k.getDouble());
        last_key = buf;
      } else {
        last_key = std::to_string(k.getInt64());
      }
    }
    for (auto& e : page.entries) impl_->load_files(e);
    return page;
  });
}

Result<std::optional<Entry>> Catalog::get(int64_t asset_id) const {
  return guarded("reading an asset", [&]() -> Result<std::optional<Entry>> {
    SQLite::Statement st(impl_->db, std::string(kEntrySelect) + "WHERE a.id = ?");
    st.bind(1, static_cast<int64_t>(asset_id));
    if (!st.executeStep()) return std::optional<Entry>();
    Entry e = load_entry(st, impl_->db);
    impl_->load_files(e);
    return std::optional<Entry>(std::move(e));
  });
}

Result<std::optional<Entry>> Catalog::find_by_path(const std::string& path) const {
  auto id = guarded("looking up a path", [&]() -> Result<std::optional<int64_t>> {
    SQLite::Statement st(impl_->db, "SELECT asset_id FROM files WHERE path = ?");
    st.bind(1, path);
    if (!st.executeStep()) return std::optional<int64_t>();
    return std::optional<int64_t>(st.getColumn(0).getInt64());
  });
  if (!id) return id.error();
  if (!*id) return std::optional<Entry>();
  return get(**id);
}

Result<int64_t> Catalog::count_assets() const {
  return guarded("counting", [&]() -> Result<int64_t> {
    return static_cast<int64_t>(impl_->db.execAndGet("SELECT count(*) FROM assets").getInt64());
  });
}

Status Catalog::for_each(const std::function<bool(const Entry&)>& fn) const {
  return guarded("exporting", [&]() -> Status {
    SQLite::Statement st(impl_->db, std::string(kEntrySelect) + "ORDER BY a.id");
    while (st.executeStep()) {
      Entry e = load_entry(st, impl_->db);
      impl_->load_files(e);
      if (!fn(e)) break;
    }
    return Ok{};
  });
}

Result<std::vector<std::pair<int64_t, std::string>>> Catalog::assets_without_pixel_hash(int64_t after_id, int limit) const {
  return guarded("listing assets without pixel hash", [&]() -> Result<std::vector<std::pair<int64_t, std::string>>> {
    SQLite::Statement st(impl_->db,
                         "SELECT a.id, (SELECT path FROM files f WHERE f.asset_id = a.id AND f.missing = 0 "
                         "ORDER BY f.id LIMIT 1) AS p FROM assets a WHERE a.id > ? AND a.pixel_hash IS NULL AND p IS NOT NULL "
                         "ORDER BY a.id LIMIT ?");
    st.bind(1, static_cast<int64_t>(after_id));
    st.bind(2, limit);
    std::vector<std::pair<int64_t, std::string>> out;
    while (st.executeStep()) out.emplace_back(st.getColumn(0).getInt64(), st.getColumn(1).getString());
    return out;
  });
}

Status Catalog::set_pixel_hashes(const std::vector<std::pair<int64_t, Hash128>>& hashes) {
  return guarded("storing pixel hashes", [&]() -> Status {
    SQLite::Transaction tx(impl_->db);
    SQLite::Statement st(impl_->db, "UPDATE assets SET pixel_hash = ? WHERE id = ?");
    for (const auto& [id, h] : hashes) {
      st.bindNoCopy(1, h.bytes.data(), 16);
      st.bind(2, static_cast<int64_t>(id));
      st.exec();
      st.reset();
    }
    tx.commit();
    return Ok{};
  });
}

Status Catalog::add_lineage(const LineageLink& link) {
  return guarded("recording lineage", [&]() -> Status {
    SQLite::Statement st(impl_->db, "INSERT INTO lineage(asset_id, parent_id, relation, details, created_at) "
                                    "VALUES (?, ?, ?, ?, ?)");
    st.bind(1, static_cast<int64_t>(link.asset_id));
    st.bind(2, static_cast<int64_t>(link.parent_id));
    st.bind(3, link.relation);
    st.bind(4, link.details);
    st.bind(5, static_cast<int64_t>(link.created_at ? link.created_at : std::time(nullptr)));
    st.exec();
    return Ok{};
  });
}

Result<std::vector<LineageLink>> Catalog::lineage_of(int64_t asset_id) const {
  return guarded("reading lineage", [&]() -> Result<std::vector<LineageLink>> {
    SQLite::Statement st(impl_->db, "SELECT asset_id, parent_id, relation, coalesce(details, ''), created_at FROM lineage "
                                    "WHERE asset_id = ?1 OR parent_id = ?1 ORDER BY id");
    st.bind(1, static_cast<int64_t>(asset_id));
    std::vector<LineageLink> out;
    while (st.executeStep())
      out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
                     st.getColumn(3).getString(), st.getColumn(4).getInt64()});
    return out;
  });
}

Result<std::vector<int64_t>> Catalog::same_pixels_as(int64_t asset_id) const {
  return guarded("finding same pixels", [&]() -> Result<std::vector<int64_t>> {
    SQLite::Statement st(impl_->db,
                         "SELECT b.id FROM assets a JOIN assets b ON b.pixel_hash = a.pixel_hash AND b.id <> a.id "
                         "WHERE a.id = ? ORDER BY b.id");
    st.bind(1, static_cast<int64_t>(asset_id));
    std::vector<int64_t> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getInt64());
    return out;
  });
}

}  // namespace provena
