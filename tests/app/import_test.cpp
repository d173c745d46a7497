#include "app/library/import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "app/library/library.h"
#include "app/library/scan.h"
#include "core/file_io.h"
#include "core/own_format.h"
#include "db/import_folders.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using testing::make_image;
using testing::TempDir;

void write_a1111(const std::string& path, const std::string& prompt, int seed) {
  auto bytes = encode_png(make_image(8, 8, static_cast<uint32_t>(seed)),
                          {{"parameters", prompt + "\nSteps: 20, Seed: " + std::to_string(seed) + ", CFG scale: 7"}});
  ASSERT_TRUE(bytes);
  ASSERT_TRUE(write_file_atomic(path, *bytes));
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(images / "sub");
    auto c = open_library(lib.path());
    ASSERT_TRUE(c) << c.error().message;
    catalog = std::move(c.value());
  }
  ImportReport import(std::vector<std::string> paths = {}) {
    if (paths.empty()) paths = {images.string()};
    ImportOptions opt;
    opt.batch_size = 3;  // several batches even for a small folder
    auto r = import_paths(*catalog, paths, opt);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : ImportReport{};
  }
  TempDir tmp, lib;
  fs::path images = fs::path(tmp.path()) / "images";
  std::unique_ptr<Catalog> catalog;
};

TEST_F(ImportTest, MixedGoodAndBrokenFilesReportEachAndKeepGoing) {
  for (int i = 0; i < 7; ++i) write_a1111((images / ("good" + std::to_string(i) + ".png")).string(), "good cat", i);
  write_a1111((images / "sub" / "deep.png").string(), "deep cat", 99);
  std::string good = *read_file((images / "good0.png").string());
  ASSERT_TRUE(write_file_atomic((images / "truncated.png").string(), good.substr(0, good.size() / 2)));
  ASSERT_TRUE(write_file_atomic((images / "not-an-image.png").string(), "hello"));
  ASSERT_TRUE(write_file_atomic((images / "empty.png").string(), ""));
  std::string bad_crc = good;
  bad_crc[bad_crc.find("tEXt") + 6] ^= 0x20;
  ASSERT_TRUE(write_file_atomic((images / "bad-crc.png").string(), bad_crc));
  ASSERT_TRUE(write_file_atomic((images / "notes.txt").string(), "not scanned"));

  ImportReport r = import();
  EXPECT_EQ(r.scanned, 12);
  EXPECT_EQ(r.stored.new_assets, 9);  // the file with a damaged text chunk is stored without it
  ASSERT_EQ(r.failures.size(), 3u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(fs::path(r.warnings[0].path).filename(), "bad-crc.png");
  EXPECT_EQ(r.warnings[0].category, "damaged metadata");
  EXPECT_NE(r.warnings[0].message.find("bad CRC; skipped"), std::string::npos) << r.warnings[0].message;
  EXPECT_EQ(r.warnings[0].message.rfind(r.warnings[0].path + ": ", 0), 0u) << r.warnings[0].message;
  auto damaged = catalog->find_by_path((images / "bad-crc.png").string());
  ASSERT_TRUE(damaged && *damaged);
  EXPECT_FALSE((*damaged)->record.prompt);
  std::map<std::string, std::string> by_file;
  for (const auto& f : r.failures) by_file[fs::path(f.path).filename().string()] = f.category + ": " + f.message;
  EXPECT_NE(by_file["truncated.png"].find("corrupt"), std::string::npos) << by_file["truncated.png"];
  EXPECT_NE(by_file["not-an-image.png"].find("unsupported"), std::string::npos);
  EXPECT_NE(by_file["empty.png"].find("empty"), std::string::npos);
  auto hits = catalog->search("cat");
  ASSERT_TRUE(hits);
  EXPECT_EQ(hits->entries.size(), 8u);
}

// Items are made in place in the readers' chunk slots and compacted past failures: every
// good file is stored once with its own record, whatever the chunk position of the failures.
TEST_F(ImportTest, ManyChunksWithScatteredFailuresStoreEachGoodFileOnce) {
  std::set<int> broken = {0, 3, 4, 9, 10, 11, 22, 37, 38, 39};  // chunk starts, ends and runs
  for (int i = 0; i < 40; ++i) {
    const std::string path = (images / ("f" + std::to_string(100 + i) + ".png")).string();
    if (broken.count(i)) ASSERT_TRUE(write_file_atomic(path, "not a png " + std::to_string(i)));
    else write_a1111(path, "file" + std::to_string(i) + " shared", i);
  }
  ImportReport r = import();  // chunks of 3
  EXPECT_EQ(r.stored.new_assets, 40 - static_cast<int64_t>(broken.size()));
  ASSERT_EQ(r.failures.size(), broken.size());
  for (int i = 0; i < 40; ++i) {
    auto e = catalog->find_by_path((images / ("f" + std::to_string(100 + i) + ".png")).string());
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(static_cast<bool>(*e), !broken.count(i)) << i;
    if (*e) {
      EXPECT_EQ((*e)->record.seed, i) << i;
    }
  }
  auto all = catalog->search("shared");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->entries.size(), 40 - broken.size());
}

// A first import lists a new folder without a stat per file (or stats them all when a
// sample says they are large): either way the catalog keeps each file's true size and
// mtime, and a re-import skips them all unread.
TEST_F(ImportTest, NewFoldersOfSmallAndLargeFilesKeepTrueSizesAndMtimes) {
  for (const bool large : {false, true}) {
    const fs::path dir = images / (large ? "large" : "small");
    fs::create_directories(dir);
    for (int i = 0; i < 6; ++i) {
      auto bytes = encode_png(make_image(8, 8, static_cast<uint32_t>(i)),
                              {{"parameters", "size test\nSteps: 20, Seed: " + std::to_string(i)},
                               {"padding", std::string(large ? 40000 : 10, 'p')}});
      ASSERT_TRUE(bytes);
      ASSERT_TRUE(write_file_atomic((dir / ("f" + std::to_string(i) + ".png")).string(), *bytes));
    }
    ImportOptions opt;  // the default batch: 4096 files of 40 KB would exceed a chunk's bytes
    auto r = import_paths(*catalog, {dir.string()}, opt);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->stored.new_assets, 6);
    auto states = catalog->file_states();
    ASSERT_TRUE(states);
    for (int i = 0; i < 6; ++i) {
      const std::string path = (dir / ("f" + std::to_string(i) + ".png")).string();
      ScannedFile truth;
      std::string error;
      ASSERT_TRUE(stat_file(path, truth, error)) << error;
      ASSERT_TRUE(states->count(path)) << path;
      EXPECT_EQ(states->at(path).size, truth.size) << path;
      EXPECT_EQ(states->at(path).mtime_ns, truth.mtime_ns) << path;
      if (large) {
        EXPECT_GT(truth.size, 40000);
      }
    }
    auto again = import_paths(*catalog, {dir.string()}, opt);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->unchanged, 6);
  }
}

TEST_F(ImportTest, ReimportSkipsUnchangedRereadsChangedAndRelinksMoved) {
  write_a1111((images / "a.png").string(), "alpha", 1);
  write_a1111((images / "b.png").string(), "bravo", 2);
  write_a1111((images / "c.png").string(), "charlie", 3);
  ImportReport first = import();
  EXPECT_EQ(first.stored.new_assets, 3);

  ImportReport again = import();
  EXPECT_EQ(again.unchanged, 3);
  EXPECT_EQ(again.stored.new_assets + again.stored.updated + again.stored.moved, 0);

  write_a1111((images / "a.png").string(), "alpha edited", 11);           // changed in place
  fs::rename(images / "b.png", images / "sub" / "b-moved.png");            // moved
  fs::copy_file(images / "c.png", images / "c-copy.png");                 // duplicated
  ImportReport third = import();
  EXPECT_EQ(third.stored.updated, 1);
  EXPECT_EQ(third.stored.moved, 1);
  EXPECT_EQ(third.stored.duplicates, 1);
  EXPECT_EQ(third.unchanged, 1);
  EXPECT_EQ(third.missing, 0);
  auto moved = catalog->find_by_path((images / "sub" / "b-moved.png").string());
  ASSERT_TRUE(moved && *moved);
  EXPECT_EQ((*moved)->id, 2);  // same asset as before the move
  EXPECT_EQ((*moved)->files.size(), 1u);
  EXPECT_EQ((*catalog->find_by_path((images / "a.png").string()))->record.prompt, "alpha edited");

  fs::remove(images / "c-copy.png");
  fs::remove(images / "c.png");
  ImportReport fourth = import();
  EXPECT_EQ(fourth.missing, 2);
  auto gone = catalog->get(3);
  ASSERT_TRUE(gone && *gone);
  EXPECT_EQ((*gone)->record.prompt, "charlie");  // the record survives its files
  EXPECT_TRUE((*gone)->files.at(0).missing);
}

TEST_F(ImportTest, ImportedFoldersAreListedWithWhatTheirScanFoundAndRescanned) {
  write_a1111((images / "a.png").string(), "alpha", 1);
  ASSERT_TRUE(write_file_atomic((images / "sub" / "broken.png").string(), "hello"));
  const std::string loose = (fs::path(tmp.path()) / "loose.png").string();
  write_a1111(loose, "loose", 5);
  import({images.string(), loose});
  auto folders = list_import_folders(*catalog);
  ASSERT_TRUE(folders) << folders.error().message;
  ASSERT_EQ(folders->size(), 1u);  // the folder, not the single file
  EXPECT_EQ((*folders)[0].path, images.string());
  ASSERT_TRUE((*folders)[0].scanned_at);
  EXPECT_EQ((*folders)[0].files, 2);
  EXPECT_EQ((*folders)[0].failures, 1);

  // A rescan walks the listed folder again: new files come in, unchanged ones are skipped.
  write_a1111((images / "sub" / "b.png").string(), "bravo", 2);
  auto again = rescan_import_folders(*catalog);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->stored.new_assets, 1);
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ((*list_import_folders(*catalog))[0].files, 3);

  ASSERT_TRUE(forget_import_folder(*catalog, images.string()));
  EXPECT_TRUE(list_import_folders(*catalog)->empty());
  EXPECT_FALSE(forget_import_folder(*catalog, images.string()));
  EXPECT_EQ(*catalog->count_assets(), 3);  // forgetting a folder keeps its images
}

TEST_F(ImportTest, CancelledImportStoresWhatItHadAndTheNextImportFinishes) {
  for (int i = 0; i < 10; ++i) write_a1111((images / ("f" + std::to_string(i) + ".png")).string(), "cat", i);
  std::atomic<bool> cancel{false};
  ImportOptions opt;
  opt.batch_size = 3;
  opt.cancel = &cancel;
  opt.on_progress = [&](const ImportProgress& p) {
    if (p.done >= 3) cancel = true;  // stop after the first batch
  };
  auto r = import_paths(*catalog, {images.string()}, opt);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->stored.new_assets, 3);
  EXPECT_FALSE((*list_import_folders(*catalog))[0].scanned_at);  // listed, but not scanned completely

  ImportReport rest = import();
  EXPECT_FALSE(rest.cancelled);
  EXPECT_EQ(rest.unchanged, 3);
  EXPECT_EQ(rest.stored.new_assets, 7);
  EXPECT_EQ(*catalog->count_assets(), 10);
}

TEST_F(ImportTest, ExplicitFilesAndMissingPaths) {
  write_a1111((images / "one.png").string(), "one", 1);
  ImportReport r = import({(images / "one.png").string(), (images / "nope.png").string()});
  EXPECT_EQ(r.stored.new_assets, 1);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].message.find("nope.png"), std::string::npos);
}

TEST_F(ImportTest, PlainImageTakesItsRecordFromAJsonSidecar) {
  auto plain = encode_png(make_image(8, 8, 7), {});
  ASSERT_TRUE(write_file_atomic((images / "gen.png").string(), *plain));
  ASSERT_TRUE(write_file_atomic((images / "gen.json").string(),
                                R"({"generation": {"prompt": "sidecar prompt", "seed": 77, "num_inference_steps": 8}})"));
  ASSERT_TRUE(write_file_atomic((images / "alone.png").string(), *encode_png(make_image(8, 8, 8), {})));
  ImportReport r = import();
  EXPECT_EQ(r.stored.new_assets, 2);
  auto e = *catalog->find_by_path((images / "gen.png").string());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->record.tool, "json-sidecar");
  EXPECT_EQ(e->record.prompt, "sidecar prompt");
  EXPECT_EQ(e->record.seed, 77);
  EXPECT_EQ(e->record.raw.back().container, "sidecar");
  EXPECT_EQ((*catalog->find_by_path((images / "alone.png").string()))->record.tool, "none");
}

TEST_F(ImportTest, PixelHashPassMatchesWhatTheWriterRecorded) {
  Record rec;
  rec.prompt = "own file";
  Image img = make_image(8, 8, 5);
  ASSERT_TRUE(write_own_png((images / "own.png").string(), img, rec));
  // Same pixels, different metadata: a metadata-only edit.
  auto edited = encode_png(img, {{"parameters", "edited text\nSteps: 1, Seed: 2, CFG scale: 3"}});
  ASSERT_TRUE(write_file_atomic((images / "edited.png").string(), *edited));
  import();
  auto report = compute_pixel_hashes(*catalog, 100);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->hashed, 2);
  auto own = *catalog->find_by_path((images / "own.png").string());
  ASSERT_TRUE(own && own->pixel_hash);
  EXPECT_EQ(own->pixel_hash->hex(), *rec.pixel_hash);
  EXPECT_EQ(catalog->same_pixels_as(own->id)->size(), 1u);
  EXPECT_EQ(compute_pixel_hashes(*catalog, 100)->hashed, 0);  // nothing left to do
}

}  // namespace
}  // namespace provena
