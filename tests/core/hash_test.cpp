#include "core/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace provena {
namespace {

TEST(Sha256, MatchesFipsVectors) {
  EXPECT_EQ(Sha256::hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(Sha256::hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string data(1000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  Sha256 s;
  s.update(data.data(), 1);
  s.update(data.data() + 1, 63);
  s.update(data.data() + 64, 500);
  s.update(data.data() + 564, 436);
  auto d = s.digest();
  EXPECT_EQ(to_hex(d.data(), d.size()), Sha256::hex(data.data(), data.size()));
}

TEST(Xxh3, StreamEqualsOneShotAndHexRoundTrips) {
  std::string data = "provena content hash";
  Xxh3Stream s;
  s.update(data.data(), 5);
  s.update(data.data() + 5, data.size() - 5);
  Hash128 a = s.digest(), b = xxh3_128(data.data(), data.size());
  EXPECT_EQ(a, b);
  // Same digest as `xxhsum -H2` prints for these bytes, so users can check hashes by hand.
  EXPECT_EQ(a.hex(), "e68429fcf6d0971b7e5e445305e47bf1");
  EXPECT_NE(a, xxh3_128("other", 5));
  auto parsed = Hash128::from_hex(a.hex());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, a);
  EXPECT_FALSE(Hash128::from_hex("zz"));
}

}  // namespace
}  // namespace provena
