#include "core/hash.h"
#include "core/xxh3_simd.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// xxh3_128() runs a vector implementation chosen for the CPU (core/xxh3_simd.h); every one
// must give the system libxxhash's XXH3-128 (its streaming API is the reference here) at
// all the sizes where XXH3 switches code paths (0, 1-3, 4-8, 9-16, 17-128, 129-240, long
// inputs, stripe and block boundaries) and from unaligned starts.
TEST(Xxh3, EveryVectorImplementationMatchesTheLibrary) {
  std::string data(3 * 65536 + 777, '\0');
  uint32_t x = 12345;
  for (auto& c : data) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 260; ++n) sizes.push_back(n);
  for (size_t n : {1023, 1024, 1025, 4095, 4096, 4097, 65536, 100003, 3 * 65536}) sizes.push_back(n);
  for (size_t offset : {0, 1, 7}) {
    for (size_t n : sizes) {
      const char* p = data.data() + offset;
      Xxh3Stream reference;
      reference.update(p, n);
      const Hash128 want = reference.digest();
      ASSERT_EQ(xxh3_128(p, n), want) << "size " << n << " offset " << offset;
#if defined(PROVENA_XXH3_X86)
      auto as_hash = [&](xxh3_simd::Hash h) {
        // XXH3-128's canonical (big-endian, high half first) byte order, as Hash128 holds it.
        Hash128 out;
        for (int i = 0; i < 8; ++i) {
          out.bytes[i] = static_cast<uint8_t>(h.high64 >> (56 - 8 * i));
          out.bytes[8 + i] = static_cast<uint8_t>(h.low64 >> (56 - 8 * i));
        }
        return out;
      };
      if (xxh3_simd::has_avx2()) {
        ASSERT_EQ(as_hash(xxh3_simd::hash_avx2(p, n)), want) << "AVX2, size " << n;
      }
      if (xxh3_simd::has_avx512()) {
        ASSERT_EQ(as_hash(xxh3_simd::hash_avx512(p, n)), want) << "AVX-512, size " << n;
      }
#endif
    }
  }
}

}  // namespace
}  // namespace provena
