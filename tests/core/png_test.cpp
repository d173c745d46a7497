#include "core/png.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "core/limits.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::insert_before_iend;
using testing::make_image;
using testing::png_chunk;

std::string encode(const Image& img, const std::vector<PngTextOut>& texts) {
  auto bytes = encode_png(img, texts);
  EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().message);
  return bytes ? *bytes : std::string();
}

TEST(Png, TextChunksRoundTripWithTheRightChunkType) {
  Image img = make_image(7, 5, 1);
  std::string png = encode(img, {{"ascii", "plain"},
                                 {"latin", "caf\xC3\xA9"},
                                 {"cjk", "橘色猫咪 🐱"},
                                 {"big", std::string(100000, 'z'), PngTextOut::Kind::kAuto, true}});
  auto meta = read_png_metadata(png);
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_EQ(meta->image.width, 7);
  EXPECT_EQ(meta->image.height, 5);
  EXPECT_EQ(meta->image.channels, 3);
  ASSERT_EQ(meta->texts.size(), 4u);
  EXPECT_EQ(meta->texts[0].container, "tEXt");
  EXPECT_EQ(meta->texts[1].container, "tEXt");  // Latin-1 fits tEXt, as PIL does
  EXPECT_EQ(meta->texts[1].text, "caf\xC3\xA9");
  EXPECT_EQ(meta->texts[2].container, "iTXt");
  EXPECT_EQ(meta->texts[2].text, "橘色猫咪 🐱");
  EXPECT_EQ(meta->texts[3].container, "zTXt");
  EXPECT_EQ(meta->texts[3].text.size(), 100000u);
}

TEST(Png, FindsTextAfterImageData) {
  std::string png = encode(make_image(4, 4, 2), {{"before", "1"}});
  std::string itxt = std::string("parameters") + '\0' + '\0' + '\0' + '\0' + '\0' + "after IDAT";
  auto meta = read_png_metadata(insert_before_iend(png, png_chunk("iTXt", itxt)));
  ASSERT_TRUE(meta) << meta.error().message;
  ASSERT_EQ(meta->texts.size(), 2u);
  EXPECT_EQ(meta->texts[1].key, "parameters");
  EXPECT_EQ(meta->texts[1].text, "after IDAT");
}

TEST(Png, DecodesPixelsBack) {
  Image img = make_image(9, 3, 3, 4);
  auto back = decode_png(encode(img, {}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->width, 9);
  EXPECT_EQ(back->pixels, img.pixels);
}

TEST(Png, RejectsBrokenFilesWithNamedErrors) {
  std::string png = encode(make_image(4, 4, 4), {{"k", "v"}});
  EXPECT_NE(read_png_metadata("GIF89a....").error().message.find("bad signature"), std::string::npos);
  auto truncated = read_png_metadata(png.substr(0, png.size() - 20));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos) << truncated.error().message;

  std::string bad_crc = png;
  size_t text_pos = bad_crc.find("tEXt");
  bad_crc[text_pos + 5] ^= 1;  // flip a bit inside the keyword
  auto crc = read_png_metadata(bad_crc);  // a text chunk is ancillary: skipped, named
  ASSERT_TRUE(crc) << crc.error().message;
  EXPECT_TRUE(crc->texts.empty());
  ASSERT_EQ(crc->warnings.size(), 1u);
  EXPECT_NE(crc->warnings[0].find("bad CRC"), std::string::npos) << crc->warnings[0];
  EXPECT_NE(crc->warnings[0].find("tEXt"), std::string::npos);
  std::string bad_ihdr = png;
  bad_ihdr[8 + 8 + 13] ^= 0x80;  // IHDR's CRC: the file fails
  EXPECT_FALSE(read_png_metadata(bad_ihdr));

  EXPECT_FALSE(decode_png(png.substr(0, 60)));
}

TEST(Png, SkipsAZipBombWithAWarning) {
  // 64 MiB of zeros compresses to ~64 KiB: far past the inflated-text limit.
  std::string zeros(limits::kMaxInflatedTextBytes + (1 << 20), '\0');
  uLongf cap = compressBound(zeros.size());
  std::string z(cap, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(z.data()), &cap, reinterpret_cast<const Bytef*>(zeros.data()),
                      zeros.size(), 9), Z_OK);
  z.resize(cap);
  std::string png = encode(make_image(2, 2, 5), {});
  auto meta = read_png_metadata(insert_before_iend(png, png_chunk("zTXt", std::string("bomb") + '\0' + '\0' + z)));
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_TRUE(meta->texts.empty());
  ASSERT_EQ(meta->warnings.size(), 1u);
  EXPECT_NE(meta->warnings[0].find("limit"), std::string::npos) << meta->warnings[0];
  EXPECT_NE(meta->warnings[0].find("zTXt"), std::string::npos);
}

TEST(Png, RawUtf8InTextIsKept) {
  // stable-diffusion.cpp writes UTF-8 into tEXt; Latin-1 decoding would garble it.
  std::string png = encode(make_image(2, 2, 6), {});
  auto meta = read_png_metadata(insert_before_iend(png, png_chunk("tEXt", std::string("parameters") + '\0' + "猫")));
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->texts.at(0).text, "猫");
}

}  // namespace
}  // namespace provena
