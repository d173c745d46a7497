#include "app/library/models.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/library/library.h"
#include "core/file_io.h"
#include "db/model_registry.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// 3 MiB of a fixed pattern; the expected hashes below come from Python's hashlib over the
// same bytes (sha256(data)[:10] and sha256(data[0x100000:0x110000])[:8]).
std::string pattern(size_t n, int salt = 0) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3 + salt) % 251);
  return s;
}

class ModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = open_library(lib.path());
    ASSERT_TRUE(c) << c.error().message;
    catalog = std::move(c.value());
    fs::create_directories(models);
    ASSERT_TRUE(write_file_atomic(checkpoint, pattern(3 << 20)));
  }
  TempDir tmp, lib;
  fs::path models = fs::path(tmp.path()) / "models";
  std::string checkpoint = (models / "big.safetensors").string();
  std::unique_ptr<Catalog> catalog;
};

TEST_F(ModelsTest, A1111LegacyHashIsTheBlockAtOneMebibyte) {
  auto legacy = a1111_legacy_hash(checkpoint);
  ASSERT_TRUE(legacy) << legacy.error().message;
  EXPECT_EQ(*legacy, "145d6c8b");
  // Under 1 MiB A1111 hashed an empty read.
  ASSERT_TRUE(write_file_atomic((models / "small.bin").string(), "tiny"));
  auto small = a1111_legacy_hash((models / "small.bin").string());
  ASSERT_TRUE(small);
  EXPECT_EQ(*small, "e3b0c442");
  EXPECT_FALSE(a1111_legacy_hash((models / "nowhere.safetensors").string()));
}

TEST_F(ModelsTest, RegisteredModelHashesOnceUntilTheFileChanges) {
  int hashed = 0;
  auto count = [&](const std::string&) { ++hashed; };
  auto first = registered_model(*catalog, checkpoint, count);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(hashed, 1);
  EXPECT_EQ(first->short_hash, "01a4cc350e");
  EXPECT_EQ(first->sha256.substr(0, 10), first->short_hash);
  EXPECT_EQ(first->legacy_hash, "145d6c8b");
  EXPECT_EQ(first->name, "big");

  auto again = registered_model(*catalog, checkpoint, count);
  ASSERT_TRUE(again);
  EXPECT_EQ(hashed, 1);
  EXPECT_EQ(again->sha256, first->sha256);
  // Through a link: found under the resolved path, not hashed again.
  fs::create_symlink(checkpoint, models / "link.safetensors");
  ASSERT_TRUE(registered_model(*catalog, (models / "link.safetensors").string(), count));
  EXPECT_EQ(hashed, 1);

  // Changed bytes (a new mtime and content): hashed again, and the registry follows.
  ASSERT_TRUE(write_file_atomic(checkpoint, pattern(3 << 20, 1)));
  fs::last_write_time(checkpoint, fs::last_write_time(checkpoint) + std::chrono::seconds(5));
  auto changed = registered_model(*catalog, checkpoint, count);
  ASSERT_TRUE(changed);
  EXPECT_EQ(hashed, 2);
  EXPECT_NE(changed->sha256, first->sha256);
  auto found = find_model_by_hash(*catalog, changed->short_hash);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->path, fs::weakly_canonical(checkpoint).string());
  EXPECT_FALSE(*find_model_by_hash(*catalog, first->short_hash));

  auto not_a_model = registered_model(*catalog, (fs::path(tmp.path()) / "notes.txt").string(), count);
  ASSERT_FALSE(not_a_model);
  EXPECT_NE(not_a_model.error().message.find("notes.txt: not a model"), std::string::npos) << not_a_model.error().message;
}

TEST_F(ModelsTest, OldA1111HashFindsTheCheckpointAndOldRowsGetIt) {
  auto report = scan_models(*catalog, {models.string()});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->hashed, 1);
  auto by_legacy = find_model_by_hash(*catalog, "145D6C8B");
  ASSERT_TRUE(by_legacy && *by_legacy);
  EXPECT_EQ((*by_legacy)->name, "big");

  // A row from before migration 6 has no old hash; the next scan adds it without rehashing.
  auto rows = list_models(*catalog);
  ASSERT_TRUE(rows && rows->size() == 1);
  ModelEntry old = rows->front();
  old.legacy_hash.clear();
  ASSERT_TRUE(store_models(*catalog, {old}));
  EXPECT_FALSE(*find_model_by_hash(*catalog, "145d6c8b"));
  report = scan_models(*catalog, {models.string()});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->hashed, 0);
  EXPECT_EQ(report->unchanged, 1);
  rows = list_models(*catalog);
  ASSERT_TRUE(rows && rows->size() == 1);
  EXPECT_EQ(rows->front().legacy_hash, "145d6c8b");
}

}  // namespace
}  // namespace provena
