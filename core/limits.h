// Limits that protect readers against hostile or broken files. Each is a named constant
// so a reviewer can see what is bounded and why.
#pragma once

#include <cstddef>

namespace provena::limits {

// No legitimate metadata chunk comes near this; real PNG IDAT chunks are usually <= 1 MiB
// but some encoders write a single IDAT of the whole image, so only text-like chunks are
// held to the smaller text limits below.
inline constexpr size_t kMaxPngChunkBytes = size_t(1) << 31;
// Largest text we accept from one chunk after inflation. ComfyUI workflows reach a few MiB;
// 32 MiB leaves headroom while stopping zip bombs (a 100 KiB zTXt can inflate to GiBs).
inline constexpr size_t kMaxInflatedTextBytes = size_t(32) << 20;
// All text chunks of one file together, after inflation.
inline constexpr size_t kMaxTotalTextBytes = size_t(64) << 20;
// A file with thousands of text chunks is an attack on memory and time, not metadata.
inline constexpr size_t kMaxTextChunks = 1024;
// Largest image dimension we decode pixels for (libpng's own default limit is 1,000,000).
inline constexpr unsigned kMaxDecodeDimension = 65535;
// Largest number of pixels we decode (for the pixel hash): 256 megapixels = 1 GiB RGBA.
inline constexpr size_t kMaxDecodePixels = size_t(256) << 20;
// Largest file we read whole for import; beyond it a file is refused with a message.
inline constexpr size_t kMaxImportFileBytes = size_t(2) << 30;
// Deepest nesting accepted in embedded JSON before it is refused.
inline constexpr int kMaxJsonDepth = 64;
// Most values (array elements + object members) in one embedded JSON document: a
// ComfyUI graph of 10,000 nodes has well under a million.
inline constexpr size_t kMaxJsonValues = 2000000;

}  // namespace provena::limits
