// decode_image over PNG, JPEG and WebP. The JPEG and WebP inputs are encoded here with
// libjpeg and libwebp, so the expected pixels are known.
#include "core/decode.h"

#include <gtest/gtest.h>
#include <webp/encode.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <jpeglib.h>

#include "core/file_io.h"
#include "core/pixels.h"
#include "tests/test_util.h"

namespace provena {
namespace {

// A smooth picture (JPEG keeps it nearly exact).
Image gradient(int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = 3;
  img.pixels.resize(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &img.pixels[(size_t(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
      p[2] = 128;
    }
  return img;
}

// `channels` 3 writes RGB, 4 writes the pixels as inverted CMYK (what Adobe writes).
std::string encode_jpeg(const Image& img, int channels = 3) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = static_cast<JDIMENSION>(img.width);
  c.image_height = static_cast<JDIMENSION>(img.height);
  c.input_components = channels;
  c.in_color_space = channels == 4 ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 98, TRUE);
  jpeg_start_compress(&c, TRUE);
  std::vector<unsigned char> row(size_t(img.width) * channels);
  while (c.next_scanline < c.image_height) {
    const uint8_t* src = &img.pixels[size_t(c.next_scanline) * img.width * 3];
    for (int x = 0; x < img.width; ++x) {
      if (channels == 3) {
        std::copy_n(src + x * 3, 3, &row[size_t(x) * 3]);
      } else {  // K = 255 (no black ink), C/M/Y inverted = the RGB value itself
        std::copy_n(src + x * 3, 3, &row[size_t(x) * 4]);
        row[size_t(x) * 4 + 3] = 255;
      }
    }
    unsigned char* r = row.data();
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::string bytes(reinterpret_cast<char*>(out), size);
  std::free(out);
  return bytes;
}

double mean_abs_diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.pixels.size(), b.pixels.size());
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size() && i < b.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return a.pixels.empty() ? 0 : sum / a.pixels.size();
}

TEST(Decode, JpegFullSizeScaledAndCmyk) {
  const Image src = gradient(96, 64);
  auto full = decode_image(encode_jpeg(src));
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->width, 96);
  EXPECT_EQ(full->height, 64);
  EXPECT_EQ(full->channels, 3);
  EXPECT_LT(mean_abs_diff(*full, src), 2.0);
  // For a 24-pixel thumbnail, 1/4 scale keeps the longer side >= 24; 1/8 would not.
  auto small = decode_image(encode_jpeg(src), 24);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(small->width, 24);
  EXPECT_EQ(small->height, 16);
  auto cmyk = decode_image(encode_jpeg(src, 4));
  ASSERT_TRUE(cmyk) << cmyk.error().message;
  EXPECT_EQ(cmyk->channels, 3);
  EXPECT_LT(mean_abs_diff(*cmyk, src), 3.0);
}

TEST(Decode, LosslessWebpGivesTheExactPixelsAndThePngsPixelHash) {
  for (int channels : {3, 4}) {
    Image src = testing::make_image(40, 30, 7, channels);
    // The encoder may rewrite the colour under fully transparent pixels: keep alpha > 0.
    if (channels == 4)
      for (size_t i = 3; i < src.pixels.size(); i += 4) src.pixels[i] |= 1;
    uint8_t* out = nullptr;
    const size_t n = channels == 4 ? WebPEncodeLosslessRGBA(src.pixels.data(), 40, 30, 40 * 4, &out)
                                   : WebPEncodeLosslessRGB(src.pixels.data(), 40, 30, 40 * 3, &out);
    ASSERT_GT(n, 0u);
    const std::string webp(reinterpret_cast<char*>(out), n);
    WebPFree(out);
    auto img = decode_image(webp);
    ASSERT_TRUE(img) << img.error().message;
    EXPECT_EQ(img->channels, channels);
    EXPECT_EQ(img->pixels, src.pixels);
    // The same picture as PNG and as WebP is one picture.
    auto png = encode_png(src, {});
    ASSERT_TRUE(png);
    EXPECT_EQ(pixel_hash_of_file_bytes(webp)->hex(), pixel_hash_of_file_bytes(*png)->hex());
  }
}

TEST(Decode, BrokenInputIsAnErrorNamingTheFormat) {
  const std::string jpeg = encode_jpeg(gradient(64, 64));
  for (size_t cut : {size_t(2), size_t(20), jpeg.size() / 3}) {
    auto r = decode_image(jpeg.substr(0, cut));
    if (cut == 2) {
      EXPECT_FALSE(r);  // too short to be a JPEG at all
      continue;
    }
    // libjpeg decodes a truncated scan as grey; only a broken header is an error.
    if (!r) {
      EXPECT_NE(r.error().message.find("JPEG"), std::string::npos) << r.error().message;
    }
  }
  auto header_only = decode_image(jpeg.substr(0, 20));
  ASSERT_FALSE(header_only);
  EXPECT_EQ(header_only.error().message.rfind("JPEG: ", 0), 0u) << header_only.error().message;
  auto webp = decode_image(std::string("RIFF\x10\0\0\0WEBPVP8 \x04\0\0\0junk", 24));
  ASSERT_FALSE(webp);
  EXPECT_EQ(webp.error().message.rfind("WebP: ", 0), 0u) << webp.error().message;
  EXPECT_FALSE(decode_image("GIF89a......"));
}

// Every JPEG and WebP in the shared corpus decodes to the size its reader reports.
TEST(Decode, CorpusJpegAndWebpFiles) {
  namespace fs = std::filesystem;
  const fs::path corpus = fs::path(PROVENA_SHARED_DIR) / "corpus";
  if (!fs::exists(corpus)) GTEST_SKIP() << "no corpus";
  int decoded = 0;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".jpg" && ext != ".jpeg" && ext != ".webp") continue;
    auto bytes = read_file(e.path().string());
    ASSERT_TRUE(bytes);
    auto img = decode_image(*bytes);
    ASSERT_TRUE(img) << e.path() << ": " << img.error().message;
    EXPECT_GT(img->width, 0);
    EXPECT_EQ(img->pixels.size(), size_t(img->width) * img->height * img->channels);
    ++decoded;
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace provena
