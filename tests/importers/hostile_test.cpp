// Hostile and broken files fed to the importers: each must give a clear error (naming the
// structure or limit) or an honest partial record, in bounded time and memory, and never
// crash. Files are built here byte by byte; fuzzer findings live in regressions/ and are
// replayed by HostileRegressions.
#include "importers/importer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/infotext.h"
#include "core/limits.h"
#include "core/png.h"
#include "core/record_json.h"
#include "core/text.h"
#include "importers/c2pa.h"
#include "importers/comfyui.h"
#include "importers/container.h"
#include "importers/json_util.h"
#include "importers/stealth.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::insert_before_iend;
using testing::make_image;
using testing::png_chunk;

// ---- timing ------------------------------------------------------------------------------

// A hang detector, not a benchmark: every input below is handled in milliseconds by a
// linear reader, while a quadratic or unbounded path takes minutes.
constexpr auto kHang = std::chrono::seconds(10);

template <typename F>
std::chrono::steady_clock::duration time_of(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::steady_clock::now() - start;
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- bytes -------------------------------------------------------------------------------

std::string be16(uint32_t v) { return {char(v >> 8), char(v)}; }
std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string le16(uint32_t v) { return {char(v), char(v >> 8)}; }
std::string le24(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16)}; }
std::string le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string nul() { return std::string(1, '\0'); }

void put_le32(std::string& s, size_t at, uint32_t v) { s.replace(at, 4, le32(v)); }
void put_le16(std::string& s, size_t at, uint32_t v) { s.replace(at, 2, le16(v)); }

std::string deep_array(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// zlib (or gzip) stream of `mib` MiB of zeros, built from one compressed MiB repeated:
// after Z_FULL_FLUSH the compressor starts afresh, so every further MiB compresses to the
// same bytes. A gigabyte costs about one MiB and no time. The stream has no end: a reader
// must stop at its limit long before it would notice.
std::string zero_bomb(size_t mib, bool gzip = false) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string zeros(size_t(1) << 20, '\0');
  auto one_mib = [&] {
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(zeros.data());
    zs.avail_in = static_cast<uInt>(zeros.size());
    char buf[65536];
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      deflate(&zs, Z_FULL_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0 || zs.avail_in != 0);
    return out;
  };
  std::string out = one_mib();
  std::string block = one_mib();
  deflateEnd(&zs);
  out.reserve(out.size() + block.size() * mib);
  for (size_t i = 1; i < mib; ++i) out += block;
  return out;
}

std::string zlib_compress(const std::string& s, bool gzip = false) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, s.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// ---- PNG ---------------------------------------------------------------------------------

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);
const std::string kInfotext = "a cat\nNegative prompt: dog\nSteps: 20, Seed: 5, CFG scale: 7";

std::string base_png(const std::vector<PngTextOut>& texts = {}, int w = 8, int h = 8) {
  auto bytes = encode_png(make_image(w, h, 7), texts);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes ? *bytes : std::string();
}

// Right after IHDR (signature 8 + IHDR 25 bytes), before the image data.
std::string insert_after_ihdr(const std::string& png, const std::string& chunk) {
  return png.substr(0, 33) + chunk + png.substr(33);
}

std::string ihdr(uint32_t w, uint32_t h, uint8_t depth = 8, uint8_t colour = 6) {
  return png_chunk("IHDR", be32(w) + be32(h) + std::string{char(depth), char(colour), 0, 0, 0});
}

// Signature, IHDR, `middle` and IEND: no image data, which the metadata reader never needs.
std::string bare_png(uint32_t w, uint32_t h, const std::string& middle) {
  return kPngSignature + ihdr(w, h) + middle + png_chunk("IEND", "");
}

std::string text_chunk(const std::string& key, const std::string& value) {
  return png_chunk("tEXt", key + nul() + value);
}
std::string ztxt_chunk(const std::string& key, const std::string& zdata) {
  return png_chunk("zTXt", key + nul() + nul() + zdata);
}
std::string itxt_chunk(const std::string& key, const std::string& body, bool compressed) {
  return png_chunk("iTXt", key + nul() + char(compressed ? 1 : 0) + nul() + nul() + nul() + body);
}

// Offset of the first chunk of `type` in a PNG.
size_t chunk_offset(const std::string& png, const std::string& type) {
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = uint32_t(uint8_t(png[pos])) << 24 | uint32_t(uint8_t(png[pos + 1])) << 16 |
                   uint32_t(uint8_t(png[pos + 2])) << 8 | uint8_t(png[pos + 3]);
    if (png.compare(pos + 4, 4, type) == 0) return pos;
    pos += 12 + size_t(len);
  }
  ADD_FAILURE() << "no chunk " << type;
  return 0;
}

// ---- JPEG --------------------------------------------------------------------------------

std::string jpeg_segment(uint8_t marker, const std::string& payload) {
  return std::string{char(0xFF), char(marker)} + be16(uint32_t(payload.size() + 2)) + payload;
}

std::string sof0(int w, int h) {
  std::string p{8};
  p += be16(h) + be16(w) + char(3);
  for (int c = 1; c <= 3; ++c) p += std::string{char(c), char(0x11), 0};
  return jpeg_segment(0xC0, p);
}

std::string jpeg_file(const std::string& before_frame, int w = 640, int h = 480) {
  std::string sos = jpeg_segment(0xDA, std::string{1, 1, 0, 0, 63, 0});
  return std::string("\xFF\xD8", 2) + before_frame + sof0(w, h) + sos + std::string(64, '\x55') +
         std::string("\xFF\xD9", 2);
}

// ---- TIFF / EXIF -------------------------------------------------------------------------

struct Field {
  uint16_t tag;
  uint16_t type;  // 2 ASCII, 7 UNDEFINED
  std::string bytes;
};

// A little-endian TIFF block: IFD0 at 8 holding `fields`, values longer than 4 bytes in a
// data area after the IFD. Entry k's 12 bytes start at 10 + 12k.
std::string tiff(const std::vector<Field>& fields) {
  const size_t ifd_size = 2 + 12 * fields.size() + 4;
  std::string head = "II" + le16(42) + le32(8);
  std::string ifd = le16(uint32_t(fields.size()));
  std::string data;
  for (const Field& f : fields) {
    ifd += le16(f.tag) + le16(f.type) + le32(uint32_t(f.bytes.size()));
    if (f.bytes.size() <= 4) {
      ifd += f.bytes + std::string(4 - f.bytes.size(), '\0');
    } else {
      ifd += le32(uint32_t(8 + ifd_size + data.size()));
      data += f.bytes;
    }
  }
  ifd += le32(0);
  return head + ifd + data;
}

size_t entry_at(size_t k) { return 10 + 12 * k; }

std::string user_comment_ascii(const std::string& s) { return std::string("ASCII\0\0\0", 8) + s; }

std::string jpeg_exif(const std::string& tiff_block) {
  return jpeg_segment(0xE1, std::string("Exif\0\0", 6) + tiff_block);
}

// ---- WebP --------------------------------------------------------------------------------

std::string riff_chunk(const std::string& fourcc, const std::string& data) {
  return fourcc + le32(uint32_t(data.size())) + data + (data.size() % 2 ? nul() : std::string());
}

std::string vp8x(int w, int h) {
  return riff_chunk("VP8X", std::string{0x08, 0, 0, 0} + le24(uint32_t(w - 1)) + le24(uint32_t(h - 1)));
}

std::string webp_file(const std::string& chunks) {
  return "RIFF" + le32(uint32_t(4 + chunks.size())) + "WEBP" + chunks;
}

// ---- stealth pnginfo ---------------------------------------------------------------------

// RGBA image whose alpha LSBs carry magic, a 32-bit length (in bits) and the payload,
// column-major as sd-webui-stealth-pnginfo writes them.
std::string stealth_png(int w, int h, const std::string& magic, uint32_t length_bits, const std::string& payload) {
  Image img = make_image(w, h, 3, 4);
  std::string bits = magic + be32(length_bits) + payload;
  EXPECT_LE(bits.size() * 8, size_t(w) * h) << "image too small for the test payload";
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    bool bit = i / 8 < bits.size() ? (uint8_t(bits[i / 8]) >> (7 - i % 8)) & 1 : 0;
    size_t x = i / h, y = i % h;
    uint8_t& a = img.pixels[(y * w + x) * 4 + 3];
    a = uint8_t((a & 0xFE) | bit);
  }
  auto png = encode_png(img, {});
  EXPECT_TRUE(png);
  return png ? *png : std::string();
}

// =========================================================================================
// PNG

TEST(HostilePng, TruncationAtEveryOffsetIsAnError) {
  std::string png = insert_before_iend(base_png({{"parameters", kInfotext}}), text_chunk("Comment", "after the data"));
  auto full = read_png_metadata(png);
  ASSERT_TRUE(full) << full.error().message;
  ASSERT_EQ(full->texts.size(), 2u);
  for (size_t n = 0; n < png.size(); ++n) {
    std::string_view cut(png.data(), n);
    auto meta = read_png_metadata(cut);
    ASSERT_FALSE(meta) << "a PNG cut at " << n << " of " << png.size() << " bytes was accepted";
    if (n >= 8) {
      const std::string& m = meta.error().message;
      EXPECT_TRUE(has(m, "truncated") || has(m, "IEND")) << "at " << n << ": " << m;
    }
    EXPECT_FALSE(read_image_metadata(cut)) << "at " << n;
    auto pixels = decode_png(cut);  // libpng may finish the rows before the cut: either is fine
    if (pixels) {
      EXPECT_EQ(pixels->width, 8);
    }
  }
}

// A text chunk is ancillary: one with a bad CRC is skipped with a warning naming it (as
// libpng does) and the file's other chunks are still read; a bad IHDR CRC fails the file.
TEST(HostilePng, BadCrcIsNamedForTheChunksItGuards) {
  std::string png = base_png({{"parameters", kInfotext}});
  {
    std::string bad = png;
    size_t at = chunk_offset(bad, "tEXt");
    uint32_t len = uint32_t(uint8_t(bad[at + 2])) << 8 | uint8_t(bad[at + 3]);
    bad[at + 8 + len] ^= 0x01;  // first CRC byte
    auto r = read_image_metadata(bad);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->record.tool, "none");  // its only metadata was the damaged chunk
    EXPECT_TRUE(r->record.raw.empty());
    ASSERT_EQ(r->warnings.size(), 1u);
    const std::string& w = r->warnings[0];
    EXPECT_TRUE(has(w, "'tEXt'") && has(w, "CRC") && has(w, "skipped")) << w;
    EXPECT_TRUE(has(w, "offset " + std::to_string(at))) << w;
    // Beside an intact chunk: that one is read.
    std::string both = insert_before_iend(bad, text_chunk("Software", "Tool 1.0"));
    auto r2 = read_image_metadata(both);
    ASSERT_TRUE(r2) << r2.error().message;
    ASSERT_EQ(r2->record.raw.size(), 1u);
    EXPECT_EQ(r2->record.raw[0].key, "Software");
    EXPECT_EQ(r2->warnings.size(), 1u);
  }
  {
    std::string bad = png;
    bad[8 + 8 + 13] ^= 0x80;  // IHDR CRC
    auto r = read_png_metadata(bad);
    ASSERT_FALSE(r);
    EXPECT_TRUE(has(r.error().message, "'IHDR'") && has(r.error().message, "CRC")) << r.error().message;
  }
  {
    // IDAT CRCs are libpng's business: metadata still reads, the pixel decoder refuses.
    std::string bad = png;
    size_t at = chunk_offset(bad, "IDAT");
    uint32_t len = uint32_t(uint8_t(bad[at + 2])) << 8 | uint8_t(bad[at + 3]);
    bad[at + 8 + len + 3] ^= 0x01;
    auto r = read_image_metadata(bad);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->record.prompt, "a cat");
    auto pixels = decode_png(bad);
    ASSERT_FALSE(pixels);
    EXPECT_TRUE(has(pixels.error().message, "cannot decode PNG pixels")) << pixels.error().message;
  }
}

TEST(HostilePng, CompressedTextBombsStopAtTheLimit) {
  const std::string gigabyte = zero_bomb(1024);
  ASSERT_LT(gigabyte.size(), size_t(4) << 20);
  const std::string limit = std::to_string(limits::kMaxInflatedTextBytes >> 20) + " MiB";
  for (const std::string& chunk : {ztxt_chunk("parameters", gigabyte), itxt_chunk("parameters", gigabyte, true)}) {
    for (bool after_data : {false, true}) {
      std::string png = after_data ? insert_before_iend(base_png(), chunk) : insert_after_ihdr(base_png(), chunk);
      Result<ImportedImage> r = make_error("not run");
      EXPECT_LT(time_of([&] { r = read_image_metadata(png); }), kHang);
      ASSERT_TRUE(r) << r.error().message;  // the bomb is skipped, the file read without it
      EXPECT_TRUE(r->record.raw.empty());
      ASSERT_EQ(r->warnings.size(), 1u);
      EXPECT_TRUE(has(r->warnings[0], "inflates past the limit of " + limit)) << r->warnings[0];
      EXPECT_TRUE(has(r->warnings[0], chunk.substr(4, 4))) << r->warnings[0];
    }
  }
  // Just under the limit is still read: the bomb above failed for its size, not its shape.
  std::string png = insert_before_iend(base_png(), ztxt_chunk("big", zlib_compress(std::string(20 << 20, 'a'))));
  auto r = read_png_metadata(png);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->texts.at(0).text.size(), size_t(20) << 20);
}

TEST(HostilePng, TruncatedAndCorruptCompressedTextIsSkippedWithAWarning) {
  std::string z = zlib_compress(kInfotext);
  for (size_t n : {size_t(0), size_t(1), size_t(2), z.size() / 2, z.size() - 4}) {
    auto r = read_png_metadata(insert_before_iend(base_png(), ztxt_chunk("parameters", z.substr(0, n))));
    ASSERT_TRUE(r) << n << ": " << r.error().message;
    EXPECT_TRUE(r->texts.empty()) << n;
    ASSERT_EQ(r->warnings.size(), 1u) << n;
    EXPECT_TRUE(has(r->warnings[0], "zTXt")) << r->warnings[0];
  }
  std::string garbage = z;
  garbage[0] = 0x12;  // not a zlib header
  auto r = read_png_metadata(insert_before_iend(base_png(), ztxt_chunk("parameters", garbage)));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_TRUE(has(r->warnings[0], "corrupt compressed text")) << r->warnings[0];
}

TEST(HostilePng, AbsurdDimensionsAreReadButNeverDecoded) {
  const std::string params = text_chunk("parameters", kInfotext);
  for (uint32_t side : {0x7FFFFFFFu, 1000000u, 65535u}) {
    std::string png = bare_png(side, side, params);
    auto meta = read_png_metadata(png);
    ASSERT_TRUE(meta) << side << ": " << meta.error().message;
    EXPECT_EQ(meta->image.width, int(side));
    EXPECT_EQ(meta->image.height, int(side));
    auto pixels = decode_png(png);
    ASSERT_FALSE(pixels) << side;
    EXPECT_TRUE(has(pixels.error().message, "cannot decode PNG pixels")) << pixels.error().message;
    auto r = read_image_metadata(png);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->record.prompt, "a cat");
    EXPECT_EQ(r->image.width, int(side));
  }
  // No metadata: the stealth search decodes pixels, and must give up without allocating.
  std::string silent = bare_png(65535, 65535, "");
  Result<ImportedImage> r = make_error("not run");
  EXPECT_LT(time_of([&] { r = read_image_metadata(silent); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "none");
  EXPECT_FALSE(decode_png(bare_png(65535, 65535, ""), 120));
  // Beyond the PNG limit of 2^31-1, and zero, are refused outright.
  const std::pair<uint32_t, uint32_t> kInvalid[] = {{0x80000000u, 1}, {1, 0xFFFFFFFFu}, {0, 5}, {5, 0}};
  for (auto [w, h] : kInvalid) {
    auto bad = read_png_metadata(bare_png(w, h, params));
    ASSERT_FALSE(bad) << w << "x" << h;
    EXPECT_TRUE(has(bad.error().message, "IHDR has invalid dimensions")) << bad.error().message;
  }
}

// Peak virtual memory of this process (Linux), in KiB; 0 where unknown.
size_t vm_peak_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmPeak:", 0) == 0) return std::stoul(line.substr(7));
  }
  return 0;
}

// libpng (1.6.39, Debian 12) allocates and fills a buffer of a text chunk's claimed length
// before reading it, unless told to skip the chunk: a 103-byte file once made every decode
// (pixel hashing, the stealth search) take 2 GiB and seconds. Found by fuzz_png
// (regressions/fuzz_png-text-chunk-length-2gib-malloc.bin).
TEST(HostilePng, DecoderDoesNotReserveClaimedChunkLengths) {
  std::string png = kPngSignature + ihdr(64, 64);
  png += be32(0x7F000000) + "tEXt" + "key" + nul() + "value";  // the rest of the chunk is missing
  const size_t before = vm_peak_kib();
  if (before == 0) GTEST_SKIP() << "no /proc/self/status";
  for (int max_rows : {-1, 16}) EXPECT_FALSE(decode_png(png, max_rows));
  EXPECT_LT(vm_peak_kib() - before, size_t(256) << 10) << "KiB of address space reserved by one decode";
}

TEST(HostilePng, BrokenChunkStructureIsNamed) {
  const std::string params = text_chunk("parameters", kInfotext);
  struct Case {
    std::string file, expect;
  };
  std::string huge_len = bare_png(4, 4, "");
  huge_len.insert(33, be32(0x7FFFFFF0) + "tEXt" + "k");
  std::string impossible = bare_png(4, 4, "");
  impossible.insert(33, be32(0x80000001u) + "tEXt" + "k");
  std::string bad_type = bare_png(4, 4, "");
  bad_type.insert(33, be32(0) + "tE1t" + be32(0));
  std::string twelve = kPngSignature + png_chunk("IHDR", std::string(12, '\1')) + png_chunk("IEND", "");
  const Case cases[] = {
      {huge_len, "chunk 'tEXt' at offset 33 is truncated"},
      {impossible, "claims an impossible length"},
      {bad_type, "invalid chunk type at offset 33"},
      {kPngSignature + params + ihdr(4, 4) + png_chunk("IEND", ""), "first chunk is not IHDR"},
      {bare_png(4, 4, ihdr(4, 4)), "second IHDR"},
      {twelve, "IHDR has length 12, expected 13"},
      {kPngSignature + png_chunk("IHDR", be32(4) + be32(4) + std::string{8, 5, 0, 0, 0}) + png_chunk("IEND", ""),
       "invalid colour type 5"},
      {kPngSignature + ihdr(4, 4), "file ends without an IEND chunk"},
      {kPngSignature + ihdr(4, 4) + std::string(3, '\0'), "truncated chunk header at offset 33"},
      {std::string("\x89PNG\r\n\x1a", 7), "not a PNG"},
  };
  for (const Case& c : cases) {
    auto r = read_png_metadata(c.file);
    ASSERT_FALSE(r) << c.expect;
    EXPECT_TRUE(has(r.error().message, c.expect)) << "expected '" << c.expect << "', got: " << r.error().message;
    EXPECT_FALSE(read_image_metadata(c.file)) << c.expect;
  }
}

TEST(HostilePng, MalformedTextChunksNameTheChunkAndTheFault) {
  struct Case {
    std::string chunk, expect;
  };
  const Case cases[] = {
      {png_chunk("tEXt", "no terminator"), "keyword is not terminated"},
      {png_chunk("tEXt", nul() + "empty keyword"), "keyword length 0 outside 1..79"},
      {png_chunk("tEXt", std::string(80, 'k') + nul() + "v"), "keyword length 80 outside 1..79"},
      {png_chunk("zTXt", "k" + nul()), "missing compression method"},
      {png_chunk("zTXt", "k" + nul() + "\x01" + zlib_compress("v")), "unknown compression method 1"},
      {png_chunk("iTXt", "k" + nul()), "missing compression flag"},
      {png_chunk("iTXt", "k" + nul() + "\x02" + nul() + nul() + nul() + "v"), "bad compression flag 2"},
      {png_chunk("iTXt", "k" + nul() + "\x01\x05" + nul() + nul() + "v"), "unknown compression method 5"},
      {png_chunk("iTXt", "k" + nul() + nul() + nul() + "en-no-terminator"), "not terminated"},
      {png_chunk("iTXt", "k" + nul() + nul() + nul() + "en" + nul() + "unterminated"), "not terminated"},
      {png_chunk("comf", "no terminator"), "chunk 'comf'"},
  };
  // Each is skipped with a warning naming it; the file's intact parameters are still read.
  for (const Case& c : cases) {
    std::string png = insert_before_iend(base_png({{"parameters", kInfotext}}), c.chunk);
    auto r = read_image_metadata(png);
    ASSERT_TRUE(r) << c.expect << ": " << r.error().message;
    EXPECT_EQ(r->record.prompt, "a cat") << c.expect;
    ASSERT_EQ(r->warnings.size(), 1u) << c.expect;
    const std::string& w = r->warnings[0];
    EXPECT_TRUE(has(w, c.expect)) << "expected '" << c.expect << "', got: " << w;
    EXPECT_TRUE(has(w, "chunk '" + c.chunk.substr(4, 4) + "' at offset")) << w;
  }
}

TEST(HostilePng, TextChunkCountIsLimited) {
  auto with_chunks = [](size_t n) {
    std::string chunks;
    for (size_t i = 0; i < n; ++i) chunks += text_chunk("k" + std::to_string(i), "v");
    return insert_before_iend(base_png(), chunks);
  };
  auto at_limit = read_image_metadata(with_chunks(limits::kMaxTextChunks));
  ASSERT_TRUE(at_limit) << at_limit.error().message;
  EXPECT_EQ(at_limit->record.raw.size(), limits::kMaxTextChunks);

  Result<ImportedImage> r = make_error("not run");
  std::string flood = with_chunks(50000);
  EXPECT_LT(time_of([&] { r = read_image_metadata(flood); }), kHang);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "more than " + std::to_string(limits::kMaxTextChunks) + " text chunks"))
      << r.error().message;

  // Ancillary chunks that are not text cost nothing and are not limited.
  std::string privates;
  for (int i = 0; i < 200000; ++i) privates += png_chunk("prVt", "");
  std::string quiet = insert_before_iend(base_png({{"parameters", kInfotext}}), privates);
  EXPECT_LT(time_of([&] { r = read_image_metadata(quiet); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.prompt, "a cat");
}

TEST(HostilePng, LargeTextValuesUpToTheLimitAreKeptWhole) {
  std::string prompt(20 << 20, 'a');
  std::string png = insert_before_iend(base_png(), text_chunk("parameters", prompt + "\nSteps: 20, Seed: 5, CFG scale: 7"));
  Result<ImportedImage> r = make_error("not run");
  EXPECT_LT(time_of([&] { r = read_image_metadata(png); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "a1111");
  ASSERT_TRUE(r->record.prompt);
  EXPECT_EQ(r->record.prompt->size(), prompt.size());
  EXPECT_EQ(r->record.seed, 5);

  // One value past the per-chunk limit, in each text chunk kind: that chunk is skipped.
  std::string over(limits::kMaxInflatedTextBytes + 1, 'b');
  for (const std::string& chunk : {text_chunk("big", over), itxt_chunk("big", over, false)}) {
    auto bad = read_png_metadata(insert_before_iend(base_png(), chunk));
    ASSERT_TRUE(bad) << bad.error().message;
    EXPECT_TRUE(bad->texts.empty());
    ASSERT_EQ(bad->warnings.size(), 1u);
    EXPECT_TRUE(has(bad->warnings[0], "text larger than the limit")) << bad->warnings[0];
  }
  // Latin-1 doubles in size as UTF-8: the limit applies to what is kept.
  auto widened = read_png_metadata(insert_before_iend(base_png(), text_chunk("big", std::string(17 << 20, '\xE9'))));
  ASSERT_TRUE(widened) << widened.error().message;
  ASSERT_EQ(widened->warnings.size(), 1u);
  EXPECT_TRUE(has(widened->warnings[0], "text larger than the limit")) << widened->warnings[0];
  // Several chunks each under the limit, together over the file's total.
  const std::string thirty_mib = zlib_compress(std::string(30 << 20, 'c'));
  std::string three;
  for (int i = 0; i < 3; ++i) three += ztxt_chunk("part" + std::to_string(i), thirty_mib);
  auto total = read_png_metadata(insert_before_iend(base_png(), three));
  ASSERT_FALSE(total);
  EXPECT_TRUE(has(total.error().message, "text chunks together exceed the limit")) << total.error().message;
}

TEST(HostilePng, InvalidUtf8BecomesValidText) {
  const std::string bad = "caf\xE9 \xFF\xFE \xC3\x28 \xED\xA0\x80 \xF4\x90\x80\x80 end";
  std::string png = base_png();
  png = insert_before_iend(png, text_chunk("parameters", bad + "\nSteps: 20, Seed: 5, CFG scale: 7"));
  png = insert_before_iend(png, itxt_chunk("Comment", bad, false));
  png = insert_before_iend(png, itxt_chunk("Title", zlib_compress(bad), true));
  png = insert_before_iend(png, text_chunk("k\xE9y", "v"));
  auto r = read_image_metadata(png);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->record.raw.size(), 4u);
  for (const RawText& t : r->record.raw) {
    EXPECT_TRUE(is_valid_utf8(t.key)) << t.key;
    EXPECT_TRUE(is_valid_utf8(t.text)) << t.key;
    if (t.key != "k\xC3\xA9y") {
      EXPECT_TRUE(has(t.text, "caf\xC3\xA9")) << t.key << ": " << t.text;  // Latin-1 é
    }
  }
  ASSERT_TRUE(r->record.prompt);
  EXPECT_TRUE(is_valid_utf8(*r->record.prompt));
  EXPECT_TRUE(has(*r->record.prompt, " end"));
  EXPECT_EQ(r->record.raw[3].key, "k\xC3\xA9y");
  // The record serializes without throwing on what came in.
  EXPECT_FALSE(record_to_json(r->record).empty());
}

// =========================================================================================
// JSON nested 100,000 deep, in every place a reader parses JSON

TEST(HostileJson, DeepNestingIsRefusedEverywhere) {
  const std::string deep = deep_array(100000);
  struct Case {
    std::vector<PngTextOut> texts;
    std::string expect;  // part of the error message
  };
  const Case cases[] = {
      // JSON in `parameters`: hf-space, Fooocus and SwarmUI readers.
      {{{"parameters", R"({"prompt": "x", "num_inference_steps": 20, "deep": )" + deep + "}"}}, "hf-space metadata"},
      {{{"parameters", R"({"metadata_scheme": "fooocus", "deep": )" + deep + "}"}}, "fooocus metadata"},
      {{{"parameters", R"({"sui_image_params": )" + deep + "}"}}, "swarmui metadata"},
      {{{"prompt", R"({"3": {"class_type": "KSampler", "inputs": {"seed": )" + deep + "}}}"}}, "comfyui metadata"},
      {{{"workflow", R"({"nodes": )" + deep + "}"}}, "comfyui metadata"},
      {{{"invokeai_metadata", R"({"positive_prompt": )" + deep + "}"}}, "invokeai metadata"},
      {{{"Software", "NovelAI"}, {"Comment", R"({"prompt": )" + deep + "}"}}, "novelai metadata"},
      {{{"generation_data", R"({"prompt": )" + deep + "}"}}, "tensorart metadata"},
      {{{"parameters-json", R"({"PositivePrompt": )" + deep + "}"}}, "stability-matrix metadata"},
      {{{"zimage_params", R"({"prompt": )" + deep + "}"}}, "zimage metadata"},
      {{{"provena", R"({"format": "provena", "version": 1, "extra": )" + deep + "}"}}, "provena metadata"},
  };
  for (const Case& c : cases) {
    std::string png = base_png(c.texts);
    Result<ImportedImage> r = make_error("not run");
    EXPECT_LT(time_of([&] { r = read_image_metadata(png); }), kHang) << c.expect;
    ASSERT_FALSE(r) << c.expect << " accepted JSON nested 100000 deep";
    const std::string& m = r.error().message;
    EXPECT_TRUE(has(m, c.expect)) << m.substr(0, 300);
    EXPECT_TRUE(has(m, "deep")) << m.substr(0, 300);
  }
  // Lower layers refuse it directly too, also when never closed.
  for (const std::string& text : {deep, std::string(100000, '['), std::string(100000, '{')}) {
    EXPECT_FALSE(parse_json_bounded(text));
    EXPECT_FALSE(record_from_json(text));
    EXPECT_FALSE(read_comfyui_prompt_graph(text));
    EXPECT_FALSE(read_comfyui_workflow(text));
  }
  // Not JSON to A1111: a deep bracket prompt is just a prompt.
  auto a1111 = read_image_metadata(base_png({{"parameters", deep + "\nSteps: 20, Seed: 5, CFG scale: 7"}}));
  ASSERT_TRUE(a1111) << a1111.error().message;
  EXPECT_EQ(a1111->record.prompt, deep);
  auto info = parse_infotext("p\nSteps: 20, Seed: 5, Hashes: " + deep);
  ASSERT_EQ(info.params.size(), 3u);
  EXPECT_EQ(info.params[2].second, deep);
}

TEST(HostileJson, DeepNestingInUserCommentIsRefused) {
  // In WebP: a JPEG APP1 segment could not hold 200 KB of brackets.
  const std::string deep = deep_array(100000);
  auto webp_with_comment = [](const std::string& comment) {
    return webp_file(vp8x(64, 64) + riff_chunk("EXIF", tiff({{0x9286, 7, user_comment_ascii(comment)}})));
  };
  auto civitai = read_image_metadata(webp_with_comment(R"({"extraMetadata": "{}", "x": )" + deep + "}"));
  ASSERT_FALSE(civitai);
  EXPECT_TRUE(has(civitai.error().message, "civitai metadata")) << civitai.error().message.substr(0, 300);
  EXPECT_TRUE(has(civitai.error().message, "deep")) << civitai.error().message.substr(0, 300);
  // A UserComment that only might be a ComfyUI container: no graph, an honest empty record.
  auto plain = read_image_metadata(webp_with_comment(R"({"prompt": )" + deep + "}"));
  ASSERT_TRUE(plain) << plain.error().message.substr(0, 300);
  EXPECT_EQ(plain->record.tool, "none");
  ASSERT_EQ(plain->record.raw.size(), 1u);
  EXPECT_EQ(plain->record.raw[0].key, "exif:UserComment");
  EXPECT_EQ(plain->record.raw[0].text.size(), deep.size() + 12);
}

// nlohmann's callback parser rescans the parent container at every object end, so using
// its callback for a depth limit made a flat array of N empty objects cost O(N^2) (40,000
// took 0.75 s). 500,000 stays under limits::kMaxJsonValues, which counts each "{}" twice
// (its bracket and its comma).
TEST(HostileJson, WideJsonParsesInLinearTime) {
  constexpr int kObjects = 500000;
  std::string wide = "{\"positive_prompt\": \"a cat\", \"x\": [";
  for (int i = 0; i < kObjects; ++i) wide += i ? ",{}" : "{}";
  wide += "]}";
  Result<ImportedImage> r = make_error("not run");
  std::string png = insert_before_iend(base_png(), text_chunk("invokeai_metadata", wide));
  EXPECT_LT(time_of([&] { r = read_image_metadata(png); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.prompt, "a cat");
  std::string record = R"({"format": "provena", "version": 1, "x": [)";
  for (int i = 0; i < kObjects; ++i) record += i ? ",{}" : "{}";
  record += "]}";
  Result<Record> own = make_error("not run");
  EXPECT_LT(time_of([&] { own = record_from_json(record); }), kHang);
  EXPECT_TRUE(own) << own.error().message;
}

// JSON of another shape than a reader expects (here InvokeAI v2's object) once threw
// nlohmann::type_error out of read_image_metadata, terminating the process.
TEST(HostileJson, InvokeAiV2MetadataThatIsNotAnObject) {
  for (const char* text : {"[1]", "1", "\"x\"", "true", "null"}) {
    auto r = read_image_metadata(base_png({{"sd-metadata", text}}));
    if (r) {
      EXPECT_EQ(r->record.tool, "invokeai");
    }
  }
}

// Values of the wrong type or range in the own record: an error or an absent field, never
// a float-to-int conversion past INT_MAX (undefined behaviour; found by fuzz_record_json).
TEST(HostileJson, OwnRecordWithOutOfRangeNumbers) {
  for (const char* text : {R"({"format": "provena", "version": 1e300})",
                                  R"({"format": "provena", "version": 1, "generation": {"steps": -1e300}})",
                                  R"({"format": "provena", "version": 1, "generation": {"width": 1e20}})"}) {
    auto r = record_from_json(text);
    if (r) {
      EXPECT_FALSE(r->steps);
      EXPECT_FALSE(r->requested_width);
    }
  }
}

// =========================================================================================
// ComfyUI graphs

TEST(HostileComfy, CyclesAndSelfLinksAreRefusedThroughTheImporter) {
  const std::string self = R"({"3": {"class_type": "KSampler", "inputs": {"seed": 1, "model": ["3", 0]}},
                               "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}})";
  const std::string loop = R"({"3": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["6", 0]}},
                               "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["7", 0]}},
                               "7": {"class_type": "StringConcatenate", "inputs": {"string_a": ["6", 0]}},
                               "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}})";
  for (const std::string& graph : {self, loop}) {
    auto r = read_image_metadata(base_png({{"prompt", graph}}));
    ASSERT_FALSE(r);
    EXPECT_TRUE(has(r.error().message, "comfyui metadata: ComfyUI prompt graph: link cycle")) << r.error().message;
  }
  // A broken prompt graph falls back to the UI graph when one is there.
  const std::string workflow = R"({"nodes": [{"id": 6, "type": "CLIPTextEncode", "widgets_values": ["from ui"]},
      {"id": 3, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}],
       "widgets_values": [5, "fixed", 20, 7, "euler", "normal", 1]},
      {"id": 9, "type": "SaveImage", "inputs": [{"name": "images", "link": 2}]}],
      "links": [[1, 6, 0, 3, 1, "CONDITIONING"], [2, 3, 0, 9, 0, "IMAGE"]]})";
  auto fallback = read_image_metadata(base_png({{"prompt", self}, {"workflow", workflow}}));
  ASSERT_TRUE(fallback) << fallback.error().message;
  EXPECT_EQ(fallback->record.prompt, "from ui");
  EXPECT_EQ(fallback->record.seed, 5);
}

TEST(HostileComfy, WorkflowLinkLoopsAreBounded) {
  // Reroutes whose links feed each other, a reroute that feeds itself, and a bypassed node
  // linked to itself: the link walk must give up, not spin.
  const std::string workflow = R"({"nodes": [
      {"id": 1, "type": "Reroute", "inputs": [{"name": "", "link": 2}]},
      {"id": 2, "type": "Reroute", "inputs": [{"name": "", "link": 1}]},
      {"id": 4, "type": "Reroute", "inputs": [{"name": "", "link": 4}]},
      {"id": 5, "type": "CLIPTextEncode", "mode": 4, "inputs": [{"name": "clip", "link": 5}]},
      {"id": 3, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}, {"name": "negative", "link": 4},
                                               {"name": "model", "link": 5}],
       "widgets_values": [5, "fixed", 20, 7, "euler", "normal", 1]},
      {"id": 9, "type": "SaveImage", "inputs": [{"name": "images", "link": 3}]}],
      "links": [[1, 1, 0, 2, 0, "*"], [2, 2, 0, 1, 0, "*"], [3, 3, 0, 9, 0, "IMAGE"], [4, 4, 0, 4, 0, "*"],
                [5, 5, 0, 5, 0, "MODEL"]]})";
  Result<Record> r = make_error("not run");
  EXPECT_LT(time_of([&] { r = read_comfyui_workflow(workflow); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->prompt);
  EXPECT_FALSE(r->negative_prompt);
  EXPECT_FALSE(r->model);
  EXPECT_EQ(r->seed, 5);
  EXPECT_EQ(r->steps, 20);
}

// Each StringConcatenate whose two inputs link to the same next node doubles the text;
// the walk budget alone allows ~15 doublings (a 100 KB leaf and 12 levels once gave a
// 409 MB prompt in 14 s).
TEST(HostileComfy, ConcatenationDiamondsCannotAmplifyText) {
  json g = json::parse(R"({
    "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 9, "cfg": 1.5, "sampler_name": "euler",
          "scheduler": "simple", "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["c0", 0], "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}})");
  const int levels = 15;
  for (int i = 0; i < levels; ++i) {
    std::string next = i + 1 < levels ? "c" + std::to_string(i + 1) : "leaf";
    g["c" + std::to_string(i)] = {{"class_type", "StringConcatenate"},
                                  {"inputs", {{"string_a", {next, 0}}, {"string_b", {next, 0}}, {"delimiter", ""}}}};
  }
  g["leaf"] = {{"class_type", "PrimitiveString"}, {"inputs", {{"value", std::string(100000, 'x')}}}};
  Result<Record> r = make_error("not run");
  EXPECT_LT(time_of([&] { r = read_comfyui_prompt_graph(g.dump()); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  if (r->prompt) {
    EXPECT_LE(r->prompt->size(), limits::kMaxInflatedTextBytes);
  }
  EXPECT_EQ(r->seed, 1);
}

// Searching for "*/" from every unterminated "/*" made a prompt box of N of them O(N^2)
// (40,000 "/*a" took 4 s).
TEST(HostileComfy, UnterminatedCommentsInPromptBoxesAreLinear) {
  std::string text;
  for (int i = 0; i < 1000000; ++i) text += "/*a";
  json wf = {{"nodes", {{{"id", 1}, {"type", "CLIPTextEncode"}, {"widgets_values", {text}}}}},
             {"links", json::array()}};
  Result<Record> r = make_error("not run");
  EXPECT_LT(time_of([&] { r = read_comfyui_workflow(wf.dump()); }), kHang);
  EXPECT_TRUE(r);
}

// =========================================================================================
// Infotext

// A scan for a closing bracket or quote that runs to the end of the line, repeated for
// every value, made a line of N "kk: {," pairs O(N^2) (40,000 pairs took 2.3 s).
TEST(HostileInfotext, UnbalancedBracketValuesAreLinear) {
  std::string line;
  for (int i = 0; i < 1000000; ++i) line += "kk: {,";
  Infotext info;
  EXPECT_LT(time_of([&] { info = parse_infotext("a cat\n" + line); }), kHang);
  EXPECT_EQ(info.params.size(), 1000000u);
  EXPECT_EQ(info.prompt, "a cat");
}

TEST(HostileInfotext, OddParameterLinesStayBounded) {
  // One huge quoted value, one huge balanced JSON value, unterminated quotes and a flood
  // of separators: linear work and the values kept as written.
  std::string big(5 << 20, 'x');
  Infotext info;
  std::string text = "p\nSteps: 20, Seed: 5, Quoted: \"" + big + "\", Hashes: {\"a\": \"" + big + "\"}, Open: \"" + big;
  EXPECT_LT(time_of([&] { info = parse_infotext(text); }), kHang);
  ASSERT_GE(info.params.size(), 4u);
  EXPECT_EQ(info.params[2].second, big);
  EXPECT_EQ(info.params[3].second, "{\"a\": \"" + big + "\"}");
  std::string separators(10 << 20, ',');
  EXPECT_LT(time_of([&] { info = parse_infotext("p\n" + separators); }), kHang);
  EXPECT_TRUE(info.params.empty());
  Record r;
  apply_infotext(parse_infotext("p\nSteps: 99999999999999999999, Seed: -99999999999999999999999, "
                                "CFG scale: 1e999, Size: 99999999999x-5"),
                 r);
  EXPECT_FALSE(r.steps);
  EXPECT_FALSE(r.seed);
  EXPECT_FALSE(r.cfg_scale);
  EXPECT_FALSE(r.requested_width);
  EXPECT_EQ(r.extra.size(), 4u);  // kept verbatim where they did not parse
}

// =========================================================================================
// EXIF

TEST(HostileExif, IfdOffsetsOutsideTheBlockOrAtThemselves) {
  const Field model{0x0110, 2, std::string("good model\0", 11)};
  std::vector<RawText> out;

  std::string outside = tiff({model});
  put_le32(outside, 4, 0xFFFFFFF0u);
  auto s = read_exif(outside, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(has(s.error().message, "EXIF IFD offset 4294967280 lies outside the block")) << s.error().message;
  EXPECT_TRUE(out.empty());

  std::string into_header = tiff({model});
  put_le32(into_header, 4, 4);
  EXPECT_FALSE(read_exif(into_header, out));

  // The Exif sub-IFD pointer aimed at IFD0 itself, at the header, past the end, and at
  // the middle of an entry: IFD0's fields stay, the loop cannot recur.
  for (uint32_t target : {8u, 0u, 4u, 0x7FFFFFFFu, 14u}) {
    std::string t = tiff({model, {0x8769, 4, le32(target)}});
    out.clear();
    auto st = read_exif(t, out);
    ASSERT_EQ(out.size(), 1u) << target;
    EXPECT_EQ(out[0].key, "exif:Model");
    EXPECT_EQ(out[0].text, "good model");
    if (target == 0x7FFFFFFFu) {
      ASSERT_FALSE(st);
      EXPECT_TRUE(has(st.error().message, "lies outside the block")) << st.error().message;
    }
  }
}

TEST(HostileExif, AbsurdEntryCountsAndValueOffsets) {
  std::vector<RawText> out;
  std::string t = tiff({{0x0110, 2, std::string("m\0", 2)}});
  put_le16(t, 8, 65535);
  auto s = read_exif(t, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(has(s.error().message, "EXIF IFD claims 65535 entries")) << s.error().message;

  put_le16(t, 8, 1000);
  s = read_exif(t, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(has(s.error().message, "EXIF IFD runs past the end of the block")) << s.error().message;

  // Fields whose value lies past the end are skipped; the good ones are kept.
  std::string fields = tiff({{0x0110, 2, std::string("a model\0", 8)},
                             {0x9286, 7, user_comment_ascii("a long comment")},
                             {0x010F, 2, std::string("a make\0", 7)},
                             {0x0131, 2, std::string("software\0", 9)}});
  put_le32(fields, entry_at(1) + 8, 0xFFFFFF00u);     // UserComment value offset past the end
  put_le32(fields, entry_at(2) + 4, 0xFFFFFFFFu);     // Make: count of 4 GiB
  put_le32(fields, entry_at(3) + 8, uint32_t(fields.size() - 3));  // Software: starts in, ends past
  out.clear();
  ASSERT_TRUE(read_exif(fields, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, "exif:Model");
  EXPECT_EQ(out[0].text, "a model");

  for (std::string_view tiny : {std::string_view("II*\0", 4), std::string_view("XX*\0\x08\0\0\0", 8),
                                std::string_view("II\x2B\0\x08\0\0\0", 8), std::string_view("MM\0*\0\0\0\x08", 8)}) {
    out.clear();
    EXPECT_FALSE(read_exif(tiny, out)) << tiny.size();
  }
}

TEST(HostileExif, BadTextDecodesToValidUtf8) {
  // Mostly-ASCII UTF-16LE with a high surrogate that no low surrogate follows.
  const std::string lone_high = std::string("UNICODE\0", 8) + std::string("a\0b\0\x00\xD8" "c\0", 8);
  const std::string trailing_high = std::string("UNICODE\0", 8) + std::string("a\0\x3D\xD8", 4);
  const std::string odd = std::string("UNICODE\0", 8) + std::string("\xFF", 1);
  const std::string bom_only = std::string("UNICODE\0", 8) + std::string("\xFE\xFF", 2);
  EXPECT_EQ(decode_user_comment(lone_high), "ab\xEF\xBF\xBD" "c");
  EXPECT_EQ(decode_user_comment(trailing_high), "a\xEF\xBF\xBD");
  EXPECT_EQ(decode_user_comment(odd), "");
  EXPECT_EQ(decode_user_comment(bom_only), "");
  EXPECT_EQ(decode_user_comment(std::string("ASCII\0\0\0\xFF\xFE", 10)), "\xC3\xBF\xC3\xBE");
  EXPECT_EQ(decode_user_comment(""), "");

  std::vector<RawText> out;
  ASSERT_TRUE(read_exif(tiff({{0x0110, 2, std::string("\xFF\xFE\x80 cam\0", 8)},
                              {0x9286, 7, lone_high},
                              {0x927C, 7, std::string(300, '\xC0')}}),
                        out));
  ASSERT_EQ(out.size(), 3u);
  for (const RawText& t : out) EXPECT_TRUE(is_valid_utf8(t.text)) << t.key;
  EXPECT_EQ(out[0].text, "\xC3\xBF\xC3\xBE\xC2\x80 cam");
}

// =========================================================================================
// JPEG

std::string good_jpeg() {
  std::string exif = jpeg_exif(tiff({{0x0110, 2, std::string("cam\0", 4)},
                                     {0x9286, 7, user_comment_ascii(kInfotext)}}));
  std::string com = jpeg_segment(0xFE, "a plain comment");
  return jpeg_file(exif + com);
}

TEST(HostileJpeg, TruncationAtEveryOffsetNeverCrashes) {
  const std::string jpeg = good_jpeg();
  auto full = read_image_metadata(jpeg);
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->record.prompt, "a cat");
  EXPECT_EQ(full->image.width, 640);
  const size_t frame_end = jpeg.find(std::string("\xFF\xDA", 2));
  for (size_t n = 0; n < jpeg.size(); ++n) {
    std::string_view cut(jpeg.data(), n);
    auto r = read_image_metadata(cut);
    if (n < frame_end) {
      EXPECT_FALSE(r) << "a JPEG cut at " << n << " before its frame header was accepted";
    } else if (r) {
      EXPECT_EQ(r->image.width, 640);
      EXPECT_EQ(r->image.height, 480);
      EXPECT_EQ(r->record.prompt, "a cat");
    }
  }
}

TEST(HostileJpeg, SegmentLengthsBelowTwoOrPastTheEnd) {
  for (uint32_t len : {0u, 1u}) {
    std::string bad = jpeg_file(std::string("\xFF\xE1", 2) + be16(len) + "xxxx");
    auto r = read_image_metadata(bad);
    ASSERT_FALSE(r);
    EXPECT_TRUE(has(r.error().message, "JPEG segment at offset 2 has length " + std::to_string(len)))
        << r.error().message;
  }
  std::string past = std::string("\xFF\xD8", 2) + jpeg_segment(0xFE, "comment") + std::string("\xFF\xE1\xFF\xF0", 4) + "short";
  auto r = read_image_metadata(past);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "is truncated")) << r.error().message;

  std::string stray = std::string("\xFF\xD8", 2) + jpeg_segment(0xFE, "c") + "garbage" + sof0(8, 8);
  r = read_image_metadata(stray);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "JPEG marker expected at offset")) << r.error().message;

  // A megabyte of fill bytes and restart markers before the frame is odd but harmless.
  std::string fill = jpeg_file(std::string(1 << 20, '\xFF') + std::string("\xFF\xD0\xFF\x01", 4));
  r = read_image_metadata(fill);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->image.width, 640);
  // SOF with too few bytes for its fields is skipped, not read past.
  r = read_image_metadata(std::string("\xFF\xD8", 2) + jpeg_segment(0xC0, "\x08\x01"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "no frame header")) << r.error().message;
}

TEST(HostileJpeg, BrokenExifLosesOnlyItsOwnFields) {
  std::string broken = tiff({{0x0110, 2, std::string("cam\0", 4)}});
  put_le16(broken, 8, 65535);
  std::string com = jpeg_segment(0xFE, "parameters" + nul() + kInfotext + nul());
  auto r = read_image_metadata(jpeg_file(jpeg_exif(broken) + com));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "a1111");
  EXPECT_EQ(r->record.prompt, "a cat");
  EXPECT_EQ(r->record.seed, 5);
  ASSERT_EQ(r->record.raw.size(), 1u);
  EXPECT_EQ(r->record.raw[0].container, "COM");
  ASSERT_EQ(r->warnings.size(), 1u);  // named, so an import can say what was lost
  EXPECT_TRUE(has(r->warnings[0], "EXIF segment at offset 2")) << r->warnings[0];
  // The same in a WebP EXIF chunk.
  auto webp = read_image_metadata(webp_file(vp8x(8, 8) + riff_chunk("EXIF", broken)));
  ASSERT_TRUE(webp) << webp.error().message;
  ASSERT_EQ(webp->warnings.size(), 1u);
  EXPECT_TRUE(has(webp->warnings[0], "WebP chunk 'EXIF' at offset 30")) << webp->warnings[0];
}

TEST(HostileJpeg, App11FloodsAreBounded) {
  // C2PA spread over APP11 segments: reassembly stops at its limit, with a message.
  std::string first = "JP" + be16(0x0001) + be32(1) + be32(0) + "jumb" + std::string(8, 'x') + "c2pa";
  first += std::string(64000 - first.size(), 'j');
  std::string more = "JP" + be16(0x0001) + be32(2) + be32(0) + "jumb" + std::string(64000 - 16, 'j');
  std::string segments = jpeg_segment(0xEB, first);
  for (int i = 0; i < 1100; ++i) segments += jpeg_segment(0xEB, more);
  Result<ImportedImage> r = make_error("not run");
  std::string flood = jpeg_file(segments);
  EXPECT_LT(time_of([&] { r = read_image_metadata(flood); }), kHang);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "APP11 C2PA data exceeds the limit")) << r.error().message;

  // Hundreds of thousands of tiny APP11 segments that are not C2PA: skipped in linear time.
  std::string tiny;
  for (int i = 0; i < 300000; ++i) tiny += jpeg_segment(0xEB, "JP");
  std::string many = jpeg_file(tiny + jpeg_segment(0xFE, "parameters" + nul() + kInfotext));
  EXPECT_LT(time_of([&] { r = read_image_metadata(many); }), kHang);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.prompt, "a cat");
  EXPECT_FALSE(r->record.c2pa);

  // A C2PA store that is garbage is no reason to lose the image's other metadata.
  std::string junk = "JP" + be16(0x0001) + be32(1) + be32(0xFFFFFFFF) + "jumb" + std::string(8, '\xFF') + "c2pa" + "junk";
  r = read_image_metadata(jpeg_file(jpeg_segment(0xEB, junk) + jpeg_segment(0xFE, "parameters" + nul() + kInfotext)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "a1111");
  EXPECT_FALSE(r->record.c2pa);
}

// =========================================================================================
// WebP

std::string good_webp() {
  std::string exif = tiff({{0x9286, 7, user_comment_ascii(kInfotext)}});
  return webp_file(vp8x(300, 200) + riff_chunk("EXIF", exif) + riff_chunk("XMP ", "<x:xmpmeta/>"));
}

TEST(HostileWebp, RiffSizeLargerOrSmallerThanTheFile) {
  std::string larger = good_webp();
  put_le32(larger, 4, 0xFFFFFFF0u);
  auto r = read_image_metadata(larger);
  ASSERT_TRUE(r) << r.error().message;  // truncation: read what is there
  EXPECT_EQ(r->image.width, 300);
  EXPECT_EQ(r->record.prompt, "a cat");

  std::string smaller = good_webp();
  put_le32(smaller, 4, 4);  // "WEBP" only: no chunk inside the RIFF
  r = read_image_metadata(smaller);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error().message, "WebP has no VP8X/VP8/VP8L header")) << r.error().message;
}

TEST(HostileWebp, ChunkSizesPastTheEnd) {
  for (uint32_t size : {0xFFFFFFFFu, 0x7FFFFFFFu, 1000u}) {
    std::string bad = good_webp();
    put_le32(bad, 12 + 18 + 4, size);  // the EXIF chunk after the 18-byte VP8X chunk
    auto r = read_image_metadata(bad);
    ASSERT_FALSE(r) << size;
    EXPECT_TRUE(has(r.error().message, "WebP chunk 'EXIF' at offset 30 runs past the end of the file"))
        << r.error().message;
  }
}

TEST(HostileWebp, OddSizesAndPadding) {
  // An odd-sized EXIF chunk followed by its pad byte, then more chunks: all read.
  std::string odd_exif = tiff({{0x0110, 2, std::string("cam\0", 4)}, {0x9286, 7, user_comment_ascii(kInfotext + "!")}});
  if (odd_exif.size() % 2 == 0) odd_exif += "x";
  std::string padded = webp_file(riff_chunk("EXIF", odd_exif) + riff_chunk("XMP ", "<x/>") + vp8x(30, 20));
  auto r = read_image_metadata(padded);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->image.width, 30);
  EXPECT_EQ(r->record.raw.size(), 3u);
  // Without its pad byte the last odd chunk still reads; a missing pad mid-file shifts
  // every later chunk, which then reads as garbage and fails cleanly.
  std::string unpadded = webp_file(vp8x(30, 20) + "EXIF" + le32(uint32_t(odd_exif.size())) + odd_exif);
  r = read_image_metadata(unpadded);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.raw.size(), 2u);
  std::string shifted = webp_file(std::string("EXIF") + le32(uint32_t(odd_exif.size())) + odd_exif + vp8x(30, 20));
  r = read_image_metadata(shifted);
  EXPECT_FALSE(r);
  // Size fields from VP8 and VP8L bitstream headers, and ones too short to hold them.
  std::string vp8 = riff_chunk("VP8 ", std::string("\0\0\0\x9D\x01\x2A", 6) + le16(100) + le16(50));
  r = read_image_metadata(webp_file(vp8));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->image.width, 100);
  EXPECT_EQ(r->image.height, 50);
  for (const std::string& shorty : {riff_chunk("VP8X", "\x10"), riff_chunk("VP8 ", std::string("\0\0\0\x9D", 4)), riff_chunk("VP8L", "\x2F")}) {
    EXPECT_FALSE(read_image_metadata(webp_file(shorty)));
  }
}

TEST(HostileWebp, TruncationAtEveryOffsetNeverCrashes) {
  const std::string webp = good_webp();
  for (size_t n = 0; n < webp.size(); ++n) {
    std::string_view cut(webp.data(), n);
    auto r = read_image_metadata(cut);
    if (r) {
      EXPECT_EQ(r->image.width, 300) << n;
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

// =========================================================================================
// Stealth pnginfo

TEST(HostileStealth, PayloadLengthBeyondTheImage) {
  const std::string payload = kInfotext;
  // Positive control: the same construction with an honest length is read.
  std::string honest = stealth_png(64, 64, "stealth_pnginfo", uint32_t(payload.size() * 8), payload);
  auto ok = read_image_metadata(honest);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->record.prompt, "a cat");
  EXPECT_EQ(ok->record.raw.at(0).container, "stealth");

  for (uint32_t bits : {0xFFFFFFF8u, uint32_t(64 * 64), uint32_t(64 * 64 - 152 + 8)}) {
    std::string png = stealth_png(64, 64, "stealth_pnginfo", bits, payload);
    auto hidden = read_stealth_pnginfo(png);
    ASSERT_FALSE(hidden) << bits;
    EXPECT_TRUE(has(hidden.error().message, "stealth payload length " + std::to_string(bits) +
                                                " bits does not fit the image"))
        << hidden.error().message;
    auto r = read_image_metadata(png);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->record.tool, "none");
    EXPECT_TRUE(r->record.raw.empty());
  }
  // Exactly filling the image is allowed.
  const uint32_t fill = 64 * 64 - 152;
  auto exact = read_stealth_pnginfo(stealth_png(64, 64, "stealth_pnginfo", fill, std::string(fill / 8, 'z')));
  ASSERT_TRUE(exact) << exact.error().message;
  ASSERT_EQ(exact->size(), 1u);
  EXPECT_EQ(exact->at(0).text.size(), fill / 8);

  auto not_bytes = read_stealth_pnginfo(stealth_png(64, 64, "stealth_pnginfo", 13, payload));
  ASSERT_FALSE(not_bytes);
  EXPECT_TRUE(has(not_bytes.error().message, "13 bits")) << not_bytes.error().message;
}

TEST(HostileStealth, CompressedPayloadsThatAreGarbageOrBombs) {
  std::string garbage(200, '\x5A');
  auto g = read_stealth_pnginfo(stealth_png(64, 64, "stealth_pngcomp", 200 * 8, garbage));
  ASSERT_FALSE(g);
  EXPECT_TRUE(has(g.error().message, "not valid gzip")) << g.error().message;

  std::string truncated = zlib_compress(kInfotext, true);
  truncated.resize(truncated.size() / 2);
  auto t = read_stealth_pnginfo(stealth_png(64, 64, "stealth_pngcomp", uint32_t(truncated.size() * 8), truncated));
  ASSERT_FALSE(t);
  EXPECT_TRUE(has(t.error().message, "not valid gzip")) << t.error().message;

  // 64 MiB of zeros in ~64 KB of gzip: stops at the limit, not at 64 MiB.
  std::string bomb = zero_bomb(64, true);
  const int side = 800;
  ASSERT_LE((bomb.size() + 19) * 8, size_t(side) * side);
  auto b = read_stealth_pnginfo(stealth_png(side, side, "stealth_pngcomp", uint32_t(bomb.size() * 8), bomb));
  ASSERT_FALSE(b);
  EXPECT_TRUE(has(b.error().message, "inflates past the limit")) << b.error().message;

  // RGB mode, same length check.
  Image img = make_image(32, 32, 5, 3);
  std::string bits = std::string("stealth_rgbinfo") + be32(0x7FFFFFF8u);
  for (size_t i = 0; i < bits.size() * 8; ++i) {
    size_t pixel = i / 3, channel = i % 3, x = pixel / 32, y = pixel % 32;
    uint8_t& v = img.pixels[(y * 32 + x) * 3 + channel];
    v = uint8_t((v & 0xFE) | ((uint8_t(bits[i / 8]) >> (7 - i % 8)) & 1));
  }
  auto rgb = read_stealth_pnginfo(*encode_png(img, {}));
  ASSERT_FALSE(rgb);
  EXPECT_TRUE(has(rgb.error().message, "does not fit the image")) << rgb.error().message;
}

TEST(HostileStealth, ImagesTooSmallForTheMagic) {
  const std::pair<int, int> kSizes[] = {{1, 1}, {1, 119}, {119, 1}, {10, 11}};
  for (auto [w, h] : kSizes) {
    auto r = read_stealth_pnginfo(base_png({}, w, h));
    ASSERT_TRUE(r) << w << "x" << h << ": " << r.error().message;
    EXPECT_TRUE(r->empty());
  }
}

// =========================================================================================
// C2PA through the importer

TEST(HostileC2pa, BrokenStoresInPngAreDroppedNotFatal) {
  std::vector<std::string> stores = {
      "",
      std::string(8, '\0'),
      be32(0xFFFFFFFF) + "jumb",
      be32(1) + "jumb" + std::string(8, '\xFF'),
      be32(24) + "jumb" + be32(16) + "jumd" + "c2pa" + std::string(4, 'x'),
  };
  std::string deep;  // 100,000 nested superboxes, each a header only
  for (int i = 0; i < 100000; ++i) deep += be32(0) + "jumb";
  stores.push_back(deep);
  std::string cbor_deep = std::string(100000, '\x81');  // arrays of one, nested
  stores.push_back(be32(uint32_t(8 + cbor_deep.size())) + "cbor" + cbor_deep);
  for (const std::string& store : stores) {
    std::string png = insert_before_iend(base_png({{"parameters", kInfotext}}), png_chunk("caBX", store));
    auto r = read_image_metadata(png);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->record.tool, "a1111");
    EXPECT_EQ(r->record.prompt, "a cat");
    EXPECT_FALSE(r->record.c2pa);
    EXPECT_FALSE(read_c2pa_manifest_store(store));
  }
}

// =========================================================================================
// Inputs found by the fuzzers (fuzz/README.md), replayed against the function that failed.

using Replay = std::function<void(std::string_view)>;

// What each fuzz/fuzz_<target>.cpp does with its input.
const std::map<std::string, Replay>& replays() {
  static const std::map<std::string, Replay> kReplays = {
      {"fuzz_image_metadata",
       [](std::string_view b) {
         if (auto r = read_image_metadata(b)) (void)record_to_json(r->record);
       }},
      {"fuzz_png",
       [](std::string_view b) {
         (void)read_png_metadata(b);
         if (!looks_like_png(b)) return;
         (void)decode_png(b, 16);
         if (b.size() < 24) return;
         auto be = [&](size_t at) {
           return uint32_t(uint8_t(b[at])) << 24 | uint32_t(uint8_t(b[at + 1])) << 16 |
                  uint32_t(uint8_t(b[at + 2])) << 8 | uint8_t(b[at + 3]);
         };
         if (uint64_t(be(16)) * be(20) > (uint64_t(1) << 20)) return;
         (void)decode_png(b);
         (void)read_stealth_pnginfo(b);
       }},
      {"fuzz_exif",
       [](std::string_view b) {
         std::vector<RawText> out;
         (void)read_exif(b, out);
         for (const RawText& t : out) EXPECT_TRUE(is_valid_utf8(t.text));
         EXPECT_TRUE(is_valid_utf8(decode_user_comment(b)));
       }},
      {"fuzz_infotext",
       [](std::string_view b) {
         Record r;
         apply_infotext(parse_infotext(b), r);
         (void)format_infotext(r);
       }},
      {"fuzz_comfyui",
       [](std::string_view b) {
         (void)read_comfyui_prompt_graph(b);
         (void)read_comfyui_workflow(b);
       }},
      {"fuzz_c2pa", [](std::string_view b) { (void)read_c2pa_manifest_store(b); }},
      {"fuzz_record_json",
       [](std::string_view b) {
         auto r = record_from_json(b);
         if (!r) return;
         auto again = record_from_json(record_to_json(*r));
         ASSERT_TRUE(again) << again.error().message;
         EXPECT_TRUE(again->same_fields(*r));
       }},
  };
  return kReplays;
}

// Inputs that still reproduce an open bug (reported, not yet fixed). Those that would crash
// or hang the suite are not replayed; the others are (they only show under the fuzzers'
// sanitizers). Remove an entry once its fix lands.
struct OpenBug {
  const char* what;
  bool replays_safely;
};

const std::map<std::string, OpenBug>& open_bugs() {
  static const std::map<std::string, OpenBug> kOpen = {
  };
  return kOpen;
}

fs::path regressions_dir() { return fs::path(__FILE__).parent_path() / "regressions"; }

TEST(HostileRegressions, EveryFuzzerFindingIsHandled) {
  if (!fs::is_directory(regressions_dir())) GTEST_SKIP() << "no " << regressions_dir();
  size_t replayed = 0;
  for (const auto& entry : fs::directory_iterator(regressions_dir())) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".bin") continue;
    if (auto open = open_bugs().find(name); open != open_bugs().end() && !open->second.replays_safely) continue;
    const std::string target = name.substr(0, name.find('-'));
    auto replay = replays().find(target);
    ASSERT_NE(replay, replays().end()) << name << ": file names start with a fuzz target name";
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    SCOPED_TRACE(name);
    EXPECT_LT(time_of([&] { replay->second(bytes.str()); }), kHang);
    ++replayed;
  }
  RecordProperty("replayed", static_cast<int>(replayed));
}

TEST(HostileRegressions, OpenBugs) {
  if (open_bugs().empty()) GTEST_SKIP() << "no open fuzzer findings";
  std::string list;
  for (const auto& [file, bug] : open_bugs()) list += "\n  " + file + ": " + bug.what;
  GTEST_SKIP() << "known bugs, inputs kept in regressions/:" << list;
}

}  // namespace
}  // namespace provena
