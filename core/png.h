// PNG container access: the metadata reader walks chunks in memory without decoding
// pixels; the writer and the pixel decoder use libpng.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

struct PngMetadata {
  ImageInfo image;
  // tEXt/zTXt/iTXt in file order, anywhere in the file; also ComfyUI's private `comf`
  // chunk (key\0json, after IDAT in animated PNGs) with container "comf".
  std::vector<RawText> texts;
  std::string c2pa;  // data of the `caBX` chunk (a JUMBF C2PA manifest store), if any
  // Text chunks left out, one line each naming the chunk, its offset and the fault ("chunk
  // 'tEXt' at offset 33 has a bad CRC; skipped"): text chunks are ancillary, so as libpng
  // does, a damaged one is skipped and the rest of the file is still read.
  std::vector<std::string> warnings;
};

bool looks_like_png(std::string_view bytes);

// Reads IHDR and every text chunk (before or after IDAT). Verifies chunk CRCs of the
// chunks it reads. Errors name the chunk and its offset. A text chunk with a bad CRC or
// content that cannot be read (unterminated keyword, corrupt or oversized compressed
// text) is skipped with a warning; a broken signature, IHDR or chunk structure, more than
// limits::kMaxTextChunks text chunks or more than limits::kMaxTotalTextBytes of text fail
// the whole file.
Result<PngMetadata> read_png_metadata(std::string_view bytes);

// 8-bit pixels, row-major, `channels` interleaved (3 = RGB, 4 = RGBA).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 4;
  std::vector<uint8_t> pixels;
};

// Decodes any PNG into 8-bit RGBA (palette and grey expanded, 16-bit reduced).
// With max_rows > 0, stops after that many rows (non-interlaced images) and returns an
// image of that height: enough to look for data hidden in the first rows.
// `has_alpha`, when given, tells whether the file itself has an alpha channel.
Result<Image> decode_png(std::string_view bytes, int max_rows = -1, bool* has_alpha = nullptr);

struct PngTextOut {
  std::string key;
  std::string text;  // UTF-8
  enum class Kind { kAuto, kITXt } kind = Kind::kAuto;  // kAuto: tEXt if Latin-1, else iTXt
  bool compress = false;  // compressed iTXt (or zTXt), for large values
};

// Encodes `image` as PNG with `texts` placed before the image data.
Result<std::string> encode_png(const Image& image, const std::vector<PngTextOut>& texts);

}  // namespace provena
