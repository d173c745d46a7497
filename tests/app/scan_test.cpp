#include "app/library/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/file_io.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;

// A tree deep and wide enough that the scan's threads share its folders: every image file
// is found exactly once with its size; hidden entries, other files and linked folders are not.
TEST(Scan, FindsEveryImageOnceInADeepWideTree) {
  testing::TempDir tmp;
  const std::string root = tmp / "root";
  std::set<std::string> expected;
  for (int a = 0; a < 12; ++a)
    for (int b = 0; b < 6; ++b) {
      const std::string dir = root + "/a" + std::to_string(a) + "/b" + std::to_string(b) + (b % 2 ? "/deeper" : "");
      fs::create_directories(dir);
      for (int f = 0; f < 5; ++f) {
        const std::string path = dir + "/img" + std::to_string(f) + (f % 2 ? ".png" : ".JPG");
        ASSERT_TRUE(write_file_atomic(path, std::string(static_cast<size_t>(f + 1), 'x')));
        expected.insert(path);
      }
      ASSERT_TRUE(write_file_atomic(dir + "/notes.txt", "not an image"));
    }
  fs::create_directories(root + "/.thumbnails");
  ASSERT_TRUE(write_file_atomic(root + "/.thumbnails/t.png", "hidden"));
  ASSERT_TRUE(write_file_atomic(root + "/.hidden.png", "hidden"));
  fs::create_directory_symlink(root + "/a0", root + "/linked");  // not followed: no cycles, no doubles

  std::vector<ScannedFile> found;
  std::vector<ScanError> errors;
  scan_folder(root, found, errors);
  EXPECT_TRUE(errors.empty());
  std::set<std::string> paths;
  for (const auto& f : found) {
    EXPECT_TRUE(paths.insert(f.path).second) << "found twice: " << f.path;
    const char digit = f.path[f.path.size() - 5];  // img<f>.png / img<f>.JPG
    EXPECT_EQ(f.size, digit - '0' + 1) << f.path;
    EXPECT_GT(f.mtime_ns, 0);
  }
  EXPECT_EQ(paths, expected);

  // Listed only: the same files, without sizes; a linked file is still stat'ed.
  ASSERT_TRUE(write_file_atomic(tmp / "outside.png", "12345678"));
  fs::create_symlink(tmp / "outside.png", root + "/a1/link.png");
  std::vector<ScannedFile> listed;
  scan_folder(root, listed, errors, ScanStat::kListOnly);
  EXPECT_TRUE(errors.empty());
  std::set<std::string> listed_paths;
  for (const auto& f : listed) {
    listed_paths.insert(f.path);
    if (f.path == root + "/a1/link.png") {
      EXPECT_TRUE(f.stated);
      EXPECT_EQ(f.size, 8);
    } else {
      EXPECT_FALSE(f.stated) << f.path;
      EXPECT_EQ(f.size, 0) << f.path;
    }
  }
  expected.insert(root + "/a1/link.png");
  EXPECT_EQ(listed_paths, expected);

  std::vector<ScannedFile> none;
  scan_folder(tmp / "nowhere", none, errors);
  EXPECT_TRUE(none.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("cannot open folder"), std::string::npos);
}

}  // namespace
}  // namespace provena
