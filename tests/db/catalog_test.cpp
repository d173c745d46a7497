#include "db/catalog.h"
#include "db/compression.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "db/catalog_internals.h"
#include "db/fts_text.h"
#include "db/raw_metadata.h"
#include "db/query.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::TempDir;

IngestItem item(const std::string& path, const std::string& content, const std::string& prompt,
                std::optional<int64_t> seed = std::nullopt) {
  IngestItem it;
  it.path = path;
  it.size = static_cast<int64_t>(content.size());
  it.mtime_ns = 1;
  it.content_hash = xxh3_128(content.data(), content.size());
  it.image = ImageInfo{"png", 64, 32, 8, 3};
  it.record.tool = "a1111";
  it.record.prompt = prompt;
  it.record.seed = seed;
  it.record.extra = {{"Version", "v1.10.1"}};
  it.record.raw = {{"parameters", prompt + "\nSteps: 20", "tEXt"}};
  return it;
}

std::unique_ptr<Catalog> open_ok(const std::string& path) {
  auto c = Catalog::open(path);
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? std::move(c.value()) : nullptr;
}

std::vector<int64_t> ids(const Result<SearchPage>& hits) {
  EXPECT_TRUE(hits) << (hits ? "" : hits.error().message);
  std::vector<int64_t> out;
  if (hits)
    for (const auto& e : hits->entries) out.push_back(e.id);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Catalog, MigratesFromEmptyAndUsesWal) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->schema_version(), Catalog::latest_schema_version());
  c.reset();
  SQLite::Database db(dir / "c.sqlite");
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), Catalog::latest_schema_version());
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("PRAGMA page_size").getInt(), 8192);  // a new catalog's
  EXPECT_TRUE(db.tableExists("assets"));
  EXPECT_TRUE(db.tableExists("prompt_fts"));
  // Reopening an up-to-date catalog changes nothing.
  auto again = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), Catalog::latest_schema_version());
}

// Bulk mode: a second connection checkpoints the WAL while batches are stored, so the
// database file grows during the import (without it nothing reaches the file before the
// final checkpoint: autocheckpoint is off in bulk mode) and leaving bulk mode has little
// left to copy.
// A catalog made with SQLite's default page size (every catalog before 8,192 became the
// new ones' size) keeps it, migrates, and takes records.
TEST(Catalog, AnOlderCatalogKeepsItsPageSize) {
  TempDir dir;
  {
    SQLite::Database db(dir / "c.sqlite", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA page_size = 4096; CREATE TABLE placeholder(x); DROP TABLE placeholder");
  }
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c);
  std::vector<IngestItem> batch(1);
  batch[0].path = "/a.png";
  batch[0].content_hash = xxh3_128("a", 1);
  batch[0].image = ImageInfo{"png", 1, 1, 8, 3};
  batch[0].record.prompt = "kept page size";
  ASSERT_TRUE(c->ingest(batch));
  EXPECT_EQ(c->search("kept")->entries.size(), 1u);
  c.reset();
  SQLite::Database db(dir / "c.sqlite");
  EXPECT_EQ(db.execAndGet("PRAGMA page_size").getInt(), 4096);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), Catalog::latest_schema_version());
}

TEST(Catalog, BulkModeCheckpointsInTheBackground) {
  TempDir dir;
  const std::string path = dir / "c.sqlite";
  auto c = open_ok(path);
  ASSERT_TRUE(c);
  const auto before = std::filesystem::file_size(path);
  ASSERT_TRUE(c->set_bulk_mode(true, 2000));  // 5 x 1000 records: commits after the 2nd and 4th
  for (int b = 0; b < 5; ++b) {
    std::vector<IngestItem> batch;
    for (int i = 0; i < 1000; ++i) {
      const std::string n = std::to_string(b * 1000 + i);
      batch.push_back(item("/bulk/" + n + ".png", "bytes " + n, "a long prompt about a red fox number " + n));
    }
    ASSERT_TRUE(c->ingest(batch));
  }
  // The checkpointer runs every 50 ms; give it up to 2 s on a busy machine.
  for (int i = 0; i < 40 && std::filesystem::file_size(path) <= before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GT(std::filesystem::file_size(path), before + 100 * 1024);
  ASSERT_TRUE(c->set_bulk_mode(false));
  EXPECT_EQ(*c->count_assets(), 5000);
  c.reset();
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM generations").getInt(), 5000);
}

// Bulk mode skips foreign-key checks (ingest satisfies them by construction) and leaving
// it restores them: a row pointing at no asset is refused again.
TEST(Catalog, LeavingBulkModeRestoresForeignKeyChecks) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c);
  auto& db = CatalogInternals::db(*c);
  EXPECT_EQ(db.execAndGet("PRAGMA foreign_keys").getInt(), 1);
  ASSERT_TRUE(c->set_bulk_mode(true));
  EXPECT_EQ(db.execAndGet("PRAGMA foreign_keys").getInt(), 0);
  std::vector<IngestItem> batch{item("/bulk/a.png", "bytes a", "a fox")};
  ASSERT_TRUE(c->ingest(batch));
  ASSERT_TRUE(c->set_bulk_mode(false));
  EXPECT_EQ(db.execAndGet("PRAGMA foreign_keys").getInt(), 1);
  EXPECT_THROW(db.exec("INSERT INTO files(path, asset_id, size, mtime_ns) VALUES ('/orphan.png', 999, 1, 1)"),
               SQLite::Exception);
  EXPECT_EQ(*c->count_assets(), 1);
}

// In bulk mode batches share a transaction (committed every kBulkTransactionRecords
// records): other connections see them only once committed; a batch that fails is rolled
// back alone, the batches before and after it stay; closing the catalog commits.
TEST(Catalog, BulkBatchesShareATransactionAndAFailedBatchRollsBackAlone) {
  TempDir dir;
  const std::string path = dir / "c.sqlite";
  auto c = open_ok(path);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->set_bulk_mode(true));
  auto batch = [](const std::string& tag, int n) {
    std::vector<IngestItem> out;
    for (int i = 0; i < n; ++i) {
      const std::string k = tag + std::to_string(i);
      out.push_back(item("/bulk/" + k + ".png", "bytes " + k, "a prompt about " + k));
    }
    return out;
  };
  ASSERT_TRUE(c->ingest(batch("a", 10)));
  // The same path twice with different content: files.path is unique, the batch fails.
  auto bad = batch("b", 5);
  bad.push_back(item("/bulk/b0.png", "other bytes", "another prompt"));
  auto failed = c->ingest(bad);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("storing a batch"), std::string::npos) << failed.error().message;
  auto after = c->ingest(batch("c", 10));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(*c->count_assets(), 20);
  {
    SQLite::Database other(path);
    EXPECT_EQ(other.execAndGet("SELECT count(*) FROM assets").getInt(), 0);  // not committed yet
  }
  ASSERT_TRUE(c->commit_bulk());  // what is stored so far, seen by other connections
  {
    SQLite::Database other(path);
    EXPECT_EQ(other.execAndGet("SELECT count(*) FROM assets").getInt(), 20);
  }
  ASSERT_TRUE(c->commit_bulk());  // nothing open: nothing to do
  ASSERT_TRUE(c->ingest(batch("d", 3)));  // a new transaction with the next batch
  {
    SQLite::Database other(path);
    EXPECT_EQ(other.execAndGet("SELECT count(*) FROM assets").getInt(), 20);
  }
  c.reset();  // closes while in bulk mode
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM assets").getInt(), 23);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM files WHERE path LIKE '/bulk/b%'").getInt(), 0);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM prompt_fts WHERE prompt_fts MATCH 'c9'").getInt(), 1);
}

TEST(Catalog, RefusesANewerCatalog) {
  TempDir dir;
  {
    SQLite::Database db(dir / "new.sqlite", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  auto c = Catalog::open(dir / "new.sqlite");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("newer"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("999"), std::string::npos);
}

TEST(Catalog, SameContentUnderTwoPathsIsOneAssetWithTwoFiles) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  auto counts = c->ingest({item("/a/x.png", "same bytes", "a cat", 7), item("/b/y.png", "same bytes", "a cat", 7),
                           item("/a/z.png", "other bytes", "a dog", 8)});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->new_assets, 2);
  EXPECT_EQ(counts->duplicates, 1);
  EXPECT_EQ(*c->count_assets(), 2);
  auto e = c->find_by_path("/b/y.png");
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->files.size(), 2u);
  EXPECT_EQ((*e)->record.prompt, "a cat");
  EXPECT_EQ((*e)->record.seed, 7);
  EXPECT_EQ((*e)->record.extra, (std::vector<std::pair<std::string, std::string>>{{"Version", "v1.10.1"}}));
  ASSERT_EQ((*e)->record.raw.size(), 1u);
  EXPECT_EQ((*e)->record.raw[0].text, "a cat\nSteps: 20");
  EXPECT_EQ((*e)->image.width, 64);
}

TEST(Catalog, FileStatesAndMovedFilesRelinkByHash) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c->ingest({item("/lib/old.png", "moving bytes", "a fox")}));
  auto states = c->file_states();
  ASSERT_TRUE(states);
  ASSERT_EQ(states->count("/lib/old.png"), 1u);
  ASSERT_TRUE(c->mark_missing({states->at("/lib/old.png").file_id}));
  auto counts = c->ingest({item("/lib/new.png", "moving bytes", "a fox")});
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->moved, 1);
  EXPECT_EQ(counts->new_assets, 0);
  auto after = c->file_states();
  EXPECT_EQ(after->count("/lib/old.png"), 0u);
  ASSERT_EQ(after->count("/lib/new.png"), 1u);
  EXPECT_EQ(after->at("/lib/new.png").file_id, states->at("/lib/old.png").file_id);
  EXPECT_FALSE(after->at("/lib/new.png").missing);
}

TEST(Catalog, ChangedFileKeepsItsRowAndOldRecord) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c->ingest({item("/p.png", "v1", "first version")}));
  auto states = c->file_states();
  IngestItem changed = item("/p.png", "v2", "second version");
  changed.known_file_id = states->at("/p.png").file_id;
  auto counts = c->ingest({changed});
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->updated, 1);
  EXPECT_EQ((*c->find_by_path("/p.png"))->record.prompt, "second version");
  EXPECT_EQ(*c->count_assets(), 2);  // the earlier content stays catalogued
}

TEST(Catalog, FullTextFindsWordsPhrasesAndChinese) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c->ingest({
      item("/1.png", "1", "masterpiece, (cat:1.2), sitting on a red_sofa", 1),
      item("/2.png", "2", "一只可爱的橘色猫咪，坐在窗台上", 2),
      item("/3.png", "3", "a dog and a cat in the rain", 3),
      item("/4.png", "4", "猫の写真、かわいい", 4),
      item("/5.png", "5", "Café scene, rainy", 5),
  }));
  EXPECT_EQ(ids(c->search("cat")), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(ids(c->search("CAT sofa")), (std::vector<int64_t>{1}));  // case folded; brackets ignored
  EXPECT_EQ(ids(c->search("\"a cat\"")), (std::vector<int64_t>{3}));
  EXPECT_EQ(ids(c->search("cat -dog")), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids(c->search("-dog")), (std::vector<int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(ids(c->search("橘色猫咪")), (std::vector<int64_t>{2}));   // substring of a longer run
  EXPECT_EQ(ids(c->search("猫咪")), (std::vector<int64_t>{2}));
  EXPECT_EQ(ids(c->search("猫")), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(ids(c->search("咪猫")), (std::vector<int64_t>{}));        // order matters: a substring, not a bag
  EXPECT_EQ(ids(c->search("かわいい")), (std::vector<int64_t>{4}));
  EXPECT_EQ(ids(c->search("cafe")), (std::vector<int64_t>{5}));       // diacritics folded
  EXPECT_EQ(ids(c->search("seed:3")), (std::vector<int64_t>{3}));
  EXPECT_EQ(ids(c->search("cat seed:1")), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids(c->search("")).size(), 5u);
  // FTS5 syntax in user text is quoted, never interpreted.
  EXPECT_EQ(ids(c->search("NEAR(cat")).size(), 0u);
  EXPECT_EQ(ids(c->search("cat NEAR")).size(), 0u);  // "near" is a word like any other
}

TEST(Catalog, SearchLimitAndErrors) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  std::vector<IngestItem> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(item("/" + std::to_string(i), std::to_string(i), "same words", i));
  ASSERT_TRUE(c->ingest(batch));
  SearchOptions opt;
  opt.limit = 7;
  EXPECT_EQ(ids(c->search("same", opt)).size(), 7u);
  auto bad = c->search("seed:abc");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("column 6"), std::string::npos) << bad.error().message;
  auto open_quote = c->search("cat \"unterminated");
  ASSERT_FALSE(open_quote);
  EXPECT_NE(open_quote.error().message.find("column 5"), std::string::npos) << open_quote.error().message;
}

// The writer inserts the rows of a batch in groups (multi-row INSERTs of up to 64 rows):
// every file still gets its own record, duplicates across and inside groups are found,
// records without a prompt get no full-text row, and the error of a batch that conflicts
// with stored rows names the table.
TEST(Catalog, LargeBatchesKeepEveryRowWithItsFile) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  // Every 10th file repeats the content of the file 37 places earlier (another group).
  auto content_of = [](int i) { return (i % 10 == 9 && i >= 37) ? i - 37 : i; };
  std::vector<IngestItem> batch;
  for (int i = 0; i < 150; ++i) {
    const int content = content_of(i);
    IngestItem it = item("/f" + std::to_string(i) + ".png", "bytes " + std::to_string(content),
                         "word" + std::to_string(content) + " shared", content);
    if (content % 7 == 3) {  // nothing to search: no full-text row
      it.record.prompt.reset();
      it.record.raw.clear();
    }
    batch.push_back(std::move(it));
  }
  batch.push_back(item("/same-group-copy.png", "bytes 148", "word148 shared", 148));  // in the tail group
  auto counts = c->ingest(batch);
  ASSERT_TRUE(counts) << counts.error().message;
  int duplicates = 1;
  for (int i = 37; i < 150; ++i) duplicates += i % 10 == 9;
  EXPECT_EQ(counts->duplicates, duplicates);
  EXPECT_EQ(counts->new_assets, 151 - duplicates);
  EXPECT_EQ(*c->count_assets(), 151 - duplicates);
  for (int i : {0, 63, 64, 65, 99, 128, 149}) {
    const int content = content_of(i);
    auto e = c->find_by_path("/f" + std::to_string(i) + ".png");
    ASSERT_TRUE(e && *e) << i;
    EXPECT_EQ((*e)->record.seed, content) << i;
    if (content % 7 == 3) EXPECT_FALSE((*e)->record.prompt) << i;
    else EXPECT_EQ((*e)->record.prompt, "word" + std::to_string(content) + " shared") << i;
  }
  EXPECT_EQ((*c->find_by_path("/same-group-copy.png"))->files.size(), 2u);
  EXPECT_EQ(ids(c->search("word64")).size(), 1u);
  EXPECT_EQ(ids(c->search("word66")).size(), 0u);  // 66 % 7 == 3: no prompt
  int with_prompt = 0;
  for (int i = 0; i < 150; ++i)
    if (content_of(i) == i && i % 7 != 3) ++with_prompt;
  SearchOptions all;
  all.limit = 1000;
  EXPECT_EQ(ids(c->search("shared", all)).size(), static_cast<size_t>(with_prompt));
  // A new file at a path already stored (without the scan's file id) conflicts: the batch
  // fails as a whole, naming the table, and nothing of it is stored.
  auto bad = c->ingest({item("/new.png", "new bytes", "new"), item("/f5.png", "other bytes", "other")});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("files"), std::string::npos) << bad.error().message;
  EXPECT_EQ(*c->count_assets(), 151 - duplicates);
  EXPECT_FALSE(*c->find_by_path("/new.png"));
}

TEST(Catalog, NothingIsLostWhenABatchFails) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c->ingest({item("/keep.png", "keep", "kept record")}));
  // Two items with the same new path in one batch violate files.path UNIQUE: the batch
  // rolls back as a whole, and what was committed before stays.
  auto bad = c->ingest({item("/dup.png", "d1", "x"), item("/dup.png", "d2", "y")});
  ASSERT_FALSE(bad);
  EXPECT_EQ(*c->count_assets(), 1);
  EXPECT_EQ(ids(c->search("kept")), (std::vector<int64_t>{1}));
}

TEST(Catalog, PixelHashesAndSamePixels) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c->ingest({item("/a.png", "a", "one"), item("/b.png", "b", "two"), item("/c.png", "c", "three")}));
  auto pending = c->assets_without_pixel_hash(0, 10);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 3u);
  Hash128 same = xxh3_128("px", 2), other = xxh3_128("qq", 2);
  ASSERT_TRUE(c->set_pixel_hashes({{1, same}, {2, same}, {3, other}}));
  EXPECT_EQ(c->assets_without_pixel_hash(0, 10)->size(), 0u);
  EXPECT_EQ(*c->same_pixels_as(1), (std::vector<int64_t>{2}));
  EXPECT_TRUE(c->same_pixels_as(3)->empty());
}

TEST(FtsText, SeparatesCjkOnly) {
  EXPECT_EQ(fts_index_text("a cat"), "a cat");
  EXPECT_EQ(fts_index_text("猫咪x"), " 猫  咪 x");
  EXPECT_EQ(fts_phrase("猫咪"), "\" 猫  咪 \"");
  EXPECT_EQ(fts_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(fts_phrase("(:,)"), "");
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

TEST(Catalog, UnknownMetadataIsSearchableAndBigTextsAreStoredOnce) {
  TempDir dir;
  auto c = Catalog::open(dir / "c.sqlite");
  ASSERT_TRUE(c);
  IngestItem unknown;
  unknown.path = "/u.png";
  unknown.content_hash = xxh3_128("u", 1);
  unknown.image = ImageInfo{"png", 1, 1, 8, 3};
  unknown.record.raw = {{"Comment", "rendered by frobnicator 3000", "tEXt"}};
  std::string workflow = "{\"nodes\": [" + std::string(10000, ' ') + "]}";
  std::vector<IngestItem> batch{unknown};
  for (int i = 0; i < 3; ++i) {
    IngestItem it;
    it.path = "/w" + std::to_string(i) + ".png";
    it.content_hash = xxh3_128(it.path.data(), it.path.size());
    it.image = unknown.image;
    it.record.tool = "comfyui";
    it.record.prompt = "graph " + std::to_string(i);
    it.record.raw = {{"workflow", workflow, "tEXt"}, {"prompt", "{}", "tEXt"}};
    batch.push_back(it);
  }
  ASSERT_TRUE((*c)->ingest(batch));
  EXPECT_EQ(ids((*c)->search("frobnicator")), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids((*c)->search("nodes")), (std::vector<int64_t>{}));  // recognized records index their prompts
  c->reset();
  SQLite::Database db(dir / "c.sqlite", SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM raw_texts").getInt(), 1);
  // Stored compressed: one zstd frame as a BLOB, far smaller than the text.
  EXPECT_EQ(db.execAndGet("SELECT typeof(text) FROM raw_texts").getString(), "blob");
  EXPECT_LT(db.execAndGet("SELECT length(text) FROM raw_texts").getInt(), 200);
  auto read_back = [&] {
    auto again = Catalog::open(dir / "c.sqlite");
    auto e = (*again)->get(3);
    ASSERT_TRUE(e && *e);
    ASSERT_EQ((*e)->record.raw.size(), 2u);
    EXPECT_EQ((*e)->record.raw[0].text, workflow);  // resolved from raw_texts
    EXPECT_EQ((*e)->record.raw[1].text, "{}");
  };
  read_back();
  // A row stored as plain TEXT (before compression, schema 7) reads the same.
  {
    SQLite::Statement st(db, "UPDATE raw_texts SET text = ?");
    st.bind(1, workflow);
    st.exec();
  }
  EXPECT_EQ(db.execAndGet("SELECT typeof(text) FROM raw_texts").getString(), "text");
  read_back();
}

// Takes a catalog back to schema 9's tables (what migration 10 added, dropped).
constexpr const char* kUndoSchema10 = "DROP TABLE negative_texts; DROP TABLE negative_fts; PRAGMA user_version = 9";

// Migration 9 moves raw_texts from a WITHOUT ROWID table keyed by hash to a rowid table
// with a unique hash: texts stored under schema 8 (compressed or plain) still resolve, and
// a text seen again is still stored once.
TEST(CatalogMigration, RawTextsMoveToARowidTable) {
  TempDir dir;
  const std::string path = dir / "c.sqlite";
  const std::string workflow = "{\"nodes\": [" + std::string(10000, ' ') + "]}";
  const std::string other = "{\"links\": [" + std::string(5000, '1') + "]}";
  auto item = [&](int i, const std::string& graph) {
    IngestItem it;
    it.path = "/w" + std::to_string(i) + ".png";
    it.content_hash = xxh3_128(it.path.data(), it.path.size());
    it.image = ImageInfo{"png", 1, 1, 8, 3};
    it.record.tool = "comfyui";
    it.record.prompt = "graph " + std::to_string(i);
    it.record.raw = {{"workflow", graph, "tEXt"}};
    return it;
  };
  {
    auto c = Catalog::open(path);
    ASSERT_TRUE(c);
    std::vector<IngestItem> batch{item(1, workflow), item(2, other)};
    ASSERT_TRUE((*c)->ingest(batch));
  }
  {  // Back to schema 8's layout, one text as plain TEXT (as schema 7 stored it).
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(kUndoSchema10);
    db.exec("CREATE TABLE old_raw_texts (hash BLOB PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;"
            "INSERT INTO old_raw_texts SELECT hash, text FROM raw_texts; DROP TABLE raw_texts;"
            "ALTER TABLE old_raw_texts RENAME TO raw_texts; PRAGMA user_version = 8");
    const Hash128 h = xxh3_128(workflow.data(), workflow.size());
    SQLite::Statement st(db, "UPDATE raw_texts SET text = ? WHERE hash = ?");
    st.bind(1, workflow);
    st.bind(2, h.bytes.data(), 16);
    st.exec();
    ASSERT_EQ(db.getChanges(), 1);
  }
  auto c = Catalog::open(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->schema_version(), Catalog::latest_schema_version());
  for (auto [id, text] : {std::pair<int64_t, const std::string*>{1, &workflow}, {2, &other}}) {
    auto e = (*c)->get(id);
    ASSERT_TRUE(e && *e);
    ASSERT_EQ((*e)->record.raw.size(), 1u);
    EXPECT_EQ((*e)->record.raw[0].text, *text);
  }
  std::vector<IngestItem> again{item(3, workflow)};
  ASSERT_TRUE((*c)->ingest(again));
  auto e = (*c)->get(3);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->record.raw[0].text, workflow);
  c->reset();
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM raw_texts").getInt(), 2);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'raw_texts' AND sql LIKE '%WITHOUT ROWID%'")
                .getInt(),
            0);
}

// Migration 10 indexes each distinct negative prompt once (negative_fts) and gives each
// record one token naming it. Records stored before keep their own words in prompt_fts:
// neg: finds both kinds, and `-neg:` keeps records without a negative prompt.
TEST(CatalogMigration, NegativePromptsAreIndexedOnceEach) {
  TempDir dir;
  const std::string path = dir / "c.sqlite";
  auto item = [&](int i, std::optional<std::string> negative) {
    IngestItem it;
    it.path = "/n" + std::to_string(i) + ".png";
    it.content_hash = xxh3_128(it.path.data(), it.path.size());
    it.image = ImageInfo{"png", 1, 1, 8, 3};
    it.record.prompt = "picture " + std::to_string(i);
    it.record.negative_prompt = std::move(negative);
    return it;
  };
  {  // Schema 9 as it stored records: each negative prompt's words in its own row.
    auto c = Catalog::open(path);
    ASSERT_TRUE(c);
    c->reset();
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(kUndoSchema10);
    db.exec("INSERT INTO assets(id, content_hash, byte_size, format, width, height, added_at) VALUES "
            "(1, x'01', 1, 'png', 1, 1, 0), (2, x'02', 1, 'png', 1, 1, 0);"
            "INSERT INTO generations(asset_id, tool) VALUES (1, 'a1111'), (2, 'a1111');"
            "INSERT INTO generation_texts(asset_id, prompt, negative_prompt) VALUES (1, 'old one', 'blurry, lowres'),"
            " (2, 'old two', NULL);"
            "INSERT INTO prompt_fts(rowid, prompt, negative_prompt, meta) VALUES (1, 'old one', 'blurry lowres', ''),"
            " (2, 'old two', '', '')");
  }
  auto c = Catalog::open(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->schema_version(), Catalog::latest_schema_version());
  std::vector<IngestItem> batch{item(3, "blurry, lowres"), item(4, "Blurry, 低质量"), item(5, std::nullopt),
                                item(6, "blurry, lowres"), item(7, "watermark")};
  ASSERT_TRUE((*c)->ingest(batch));
  auto found = [&](const std::string& q) {  // as a set: these records were all made at once
    auto v = ids((*c)->search(q));
    std::sort(v.begin(), v.end());
    return v;
  };
  using V = std::vector<int64_t>;
  EXPECT_EQ(found("neg:lowres"), (V{1, 3, 6}));  // 1 by its own words, 3 and 6 by their shared row
  EXPECT_EQ(found("neg:低质量"), (V{4}));
  EXPECT_EQ(found("neg:blur*"), (V{1, 3, 4, 6}));
  EXPECT_EQ(found("neg:blurry -neg:lowres"), (V{4}));
  EXPECT_EQ(found("-neg:blurry"), (V{2, 5, 7}));  // no negative prompt, or another
  EXPECT_EQ(found("picture neg:lowres"), (V{3, 6}));
  EXPECT_EQ(found("lowres"), (V{}));  // a negative word is not a prompt word
  EXPECT_EQ(found("neg:lowres OR seed:1"), (V{1, 3, 6}));
  EXPECT_EQ(found("neg:watermark OR neg:低质量"), (V{4, 7}));
  EXPECT_EQ(found("neg:tentacles"), (V{}));
  EXPECT_EQ(found("neg:负1"), (V{}));  // the tokens are not words of the negative prompt
  EXPECT_EQ(found("neg:\"负 1\""), (V{}));
  c->reset();
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM negative_texts").getInt(), 3);  // 3 and 6 share theirs
}

// Blobs of kCompressMinBytes or more are stored as one zstd frame (tag PRZ1) when that is
// smaller, and read back whole; small blobs and incompressible ones stay as they are; a
// damaged frame reads as nothing rather than as garbage.
TEST(RawMetadata, LargeBlobsAreCompressed) {
  std::string graph = "{";
  for (int i = 0; i < 300; ++i)
    graph += "\"" + std::to_string(i) + "\": {\"class_type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a cat\"}},";
  graph += "\"end\": 1}";
  std::vector<RawText> raw = {{"prompt", graph, "tEXt"}, {"Comment", "small", "tEXt"}};
  const std::string plain = encode_raw_metadata(raw);
  const std::string stored = compress_raw_metadata(plain);
  EXPECT_EQ(stored.substr(0, 4), "PRZ1");
  EXPECT_LT(stored.size() * 4, plain.size());
  EXPECT_EQ(decode_raw_metadata(stored), raw);
  std::vector<RawText> small = {{"Comment", "small", "tEXt"}};
  EXPECT_EQ(compress_raw_metadata(encode_raw_metadata(small)), encode_raw_metadata(small));
  std::string noise(4096, '\0');
  uint32_t x = 7;
  for (auto& c : noise) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
  const std::string noisy = encode_raw_metadata({{"blob", noise, "tEXt"}});
  EXPECT_EQ(compress_raw_metadata(noisy), noisy);  // incompressible: kept as it is
  std::string damaged = stored;
  damaged[damaged.size() / 2] ^= 0x55;
  damaged[damaged.size() / 2 + 1] ^= 0x55;
  EXPECT_TRUE(decode_raw_metadata(damaged).empty());  // the frame's checksum fails
  EXPECT_TRUE(decode_raw_metadata(stored.substr(0, stored.size() / 2)).empty());
  EXPECT_EQ(stored_shared_text("plain", false), "plain");
  EXPECT_EQ(stored_shared_text(zstd_compress(graph), true), graph);
  EXPECT_EQ(stored_shared_text("not a frame", true), "");
}

TEST(Zstd, RoundTripsAndRefusesBadFrames) {
  const std::string text = std::string(5000, 'a') + "猫" + std::string(5000, 'b');
  const std::string frame = zstd_compress(text);
  ASSERT_FALSE(frame.empty());
  auto back = zstd_decompress(frame, text.size());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, text);
  auto too_big = zstd_decompress(frame, text.size() - 1);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("exceeds the limit"), std::string::npos);
  EXPECT_FALSE(zstd_decompress("garbage", 1000));
  EXPECT_FALSE(zstd_decompress(frame.substr(0, frame.size() - 3), text.size()));
  auto empty = zstd_decompress(zstd_compress(""), 10);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(RawMetadata, RoundTripsAndSurvivesTruncation) {
  std::vector<RawText> raw = {{"parameters", std::string("a\0b \"quoted\" 猫", 16), "tEXt"},
                              {"prompt", std::string(70000, '{'), "comf"},
                              {"", "", ""}};
  std::string blob = encode_raw_metadata(raw);
  EXPECT_EQ(decode_raw_metadata(blob), raw);
  auto partial = decode_raw_metadata(blob.substr(0, blob.size() - 10));
  ASSERT_EQ(partial.size(), 1u);  // the entries before the cut
  EXPECT_EQ(partial[0], raw[0]);
  EXPECT_TRUE(decode_raw_metadata("garbage").empty());
}

// A1111's parameters repeat the prompt and the negative prompt: stored as references to
// them, decoded back byte for byte, and smaller; texts without them (or with prompts too
// short to bother) are stored as they are; a damaged reference ends the decoding there.
TEST(RawMetadata, PromptsInsideATextAreReferences) {
  const std::string prompt = "a red fox in the snow, masterpiece, (detailed:1.2)";
  const std::string negative = "blurry, lowres, bad anatomy, watermark";
  const std::string params = prompt + "\nNegative prompt: " + negative + "\nSteps: 20, Seed: 1, Size: 512x512";
  std::vector<RawText> raw = {{"parameters", params, "tEXt"},
                              {"Comment", "no prompt here", "tEXt"},
                              {"twice", prompt + prompt, "iTXt"},
                              {"negative first", negative + " / " + prompt, "tEXt"}};
  const PromptTexts prompts{prompt, negative};
  const std::string plain = encode_raw_metadata(raw);
  const std::string referenced = encode_raw_metadata(raw, nullptr, prompts);
  EXPECT_EQ(decode_raw_metadata(referenced, {}, prompts), raw);
  EXPECT_LT(referenced.size() + 2 * prompt.size() + negative.size(), plain.size() + 40);
  EXPECT_EQ(decode_raw_metadata(plain, {}, prompts), raw);  // older blobs read as before
  // Overlapping prompts: only the first is referenced.
  const std::string overlap = "a red fox in the snow, masterpiece";
  std::vector<RawText> one = {{"parameters", overlap + " again", "tEXt"}};
  const PromptTexts both{overlap, "in the snow, masterpiece again"};
  EXPECT_EQ(decode_raw_metadata(encode_raw_metadata(one, nullptr, both), {}, both), one);
  // Short prompts are not referenced.
  std::vector<RawText> short_prompt = {{"parameters", "cat\nSteps: 20", "tEXt"}};
  EXPECT_EQ(encode_raw_metadata(short_prompt, nullptr, {"cat", ""}), encode_raw_metadata(short_prompt));
  // Truncated anywhere: never more entries than were whole, never a crash.
  for (size_t cut = 0; cut < referenced.size(); ++cut) {
    auto partial = decode_raw_metadata(referenced.substr(0, cut), {}, prompts);
    ASSERT_LE(partial.size(), raw.size());
    for (size_t i = 0; i < partial.size(); ++i) EXPECT_EQ(partial[i], raw[i]) << "cut at " << cut;
  }
}

// Through the catalog: an A1111 record's raw metadata comes back whole.
TEST(Catalog, RawMetadataWithPromptReferencesReadsBackWhole) {
  TempDir dir;
  auto c = open_ok(dir / "c.sqlite");
  ASSERT_TRUE(c);
  IngestItem it = item("/a.png", "bytes", "a castle on a hill at dusk, volumetric light");
  it.record.negative_prompt = "blurry, jpeg artifacts, lowres";
  it.record.raw = {{"parameters", *it.record.prompt + "\nNegative prompt: " + *it.record.negative_prompt +
                                      "\nSteps: 20, Sampler: Euler a", "tEXt"}};
  std::vector<IngestItem> batch{it};
  ASSERT_TRUE(c->ingest(batch));
  auto e = c->find_by_path("/a.png");
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->record.raw, it.record.raw);
  c.reset();
  SQLite::Database db(dir / "c.sqlite");
  const int stored = db.execAndGet("SELECT length(raw) FROM generation_texts").getInt();
  EXPECT_LT(static_cast<size_t>(stored), it.record.raw[0].text.size());
}

}  // namespace
}  // namespace provena
