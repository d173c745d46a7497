#include "core/text.h"

#include <gtest/gtest.h>

namespace provena {
namespace {

TEST(Text, Latin1RoundTrip) {
  std::string latin1 = "caf\xE9 \xA9";
  std::string utf8 = latin1_to_utf8(latin1);
  EXPECT_EQ(utf8, "caf\xC3\xA9 \xC2\xA9");
  auto back = utf8_to_latin1(utf8);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, latin1);
  EXPECT_FALSE(utf8_to_latin1("猫"));
  EXPECT_FALSE(utf8_to_latin1("\xFF"));  // invalid UTF-8 is not silently mapped
}

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("一只猫 🐱"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("abc\xE4\xB8"));       // truncated
  // Bad and good sequences at every position around the 8-byte ASCII steps.
  for (size_t lead = 0; lead < 20; ++lead) {
    for (size_t tail : {0, 1, 7, 8, 9}) {
      const std::string a(lead, 'a'), b(tail, 'b');
      EXPECT_TRUE(is_valid_utf8(a + "猫" + b)) << lead << " " << tail;
      EXPECT_FALSE(is_valid_utf8(a + "\xC0\xAF" + b)) << lead << " " << tail;
      EXPECT_FALSE(is_valid_utf8(a + "\xE4\xB8" + b)) << lead << " " << tail;
      EXPECT_FALSE(is_valid_utf8(a + "\xFF" + b)) << lead << " " << tail;
    }
  }
}

TEST(Text, CjkClassification) {
  size_t i = 0;
  EXPECT_TRUE(is_cjk(next_code_point("猫", i)));
  i = 0;
  EXPECT_TRUE(is_cjk(next_code_point("ね", i)));
  i = 0;
  EXPECT_TRUE(is_cjk(next_code_point("한", i)));
  EXPECT_FALSE(is_cjk(U'a'));
  EXPECT_FALSE(is_cjk(U'，'));  // fullwidth comma separates, it is not a word character
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

TEST(FormatUtc, FormatsUnixTimeInUtc) {
  EXPECT_EQ(format_utc(0, "%Y-%m-%dT%H:%M:%SZ"), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1767225600 + 86399, "%Y-%m-%d %H:%M:%S UTC"), "2026-01-01 23:59:59 UTC");
  EXPECT_EQ(format_utc(1767225600, ""), "");
}

}  // namespace
}  // namespace provena
