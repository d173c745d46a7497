// Reading whole files: with the size a folder scan saw, a file of that size is read at
// once, and one that grew or shrank since is still read whole.
#include "core/file_io.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace provena {
namespace {

TEST(FileIo, ReadsWithTheScannedSizeWhateverTheFileBecame) {
  testing::TempDir dir;
  const std::string path = dir / "f.bin";
  std::string bytes(10000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = char(i * 7 + 3);
  ASSERT_TRUE(write_file_atomic(path, bytes));
  std::string buffer = "stale";
  ASSERT_TRUE(read_file_into(path, buffer, bytes.size()));
  EXPECT_EQ(buffer, bytes);
  ASSERT_TRUE(read_file_into(path, buffer, 100));  // grew since the scan
  EXPECT_EQ(buffer, bytes);
  ASSERT_TRUE(read_file_into(path, buffer, bytes.size() - 1));  // one byte more than scanned
  EXPECT_EQ(buffer, bytes);
  ASSERT_TRUE(read_file_into(path, buffer, 50000));  // shrank
  EXPECT_EQ(buffer, bytes);
  ASSERT_TRUE(read_file_into(path, buffer, 0));
  EXPECT_EQ(buffer, bytes);
  ASSERT_TRUE(write_file_atomic(path, ""));
  ASSERT_TRUE(read_file_into(path, buffer, 0));
  EXPECT_TRUE(buffer.empty());
  auto missing = read_file_into(dir / "none.bin", buffer, 10);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("none.bin: cannot open"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace provena
