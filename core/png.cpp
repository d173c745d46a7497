#include "core/png.h"

#include <png.h>
#include <zlib.h>

#include <cstring>
#include <stdexcept>

#include "core/limits.h"
#include "core/text.h"

namespace provena {
namespace {

constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

uint32_t be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

std::string chunk_where(const char* type, size_t offset) {
  return std::string("chunk '") + std::string(type, 4) + "' at offset " + std::to_string(offset);
}

// Inflates a zlib stream, refusing to produce more than `limit` bytes.
Result<std::string> inflate_limited(const unsigned char* data, size_t size, size_t limit) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return make_error("zlib init failed");
  std::string out;
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  unsigned char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return make_error(std::string("corrupt compressed text (zlib: ") + (zs.msg ? zs.msg : "error") + ")");
    }
    out.append(reinterpret_cast<char*>(buf), sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return make_error("compressed text inflates past the limit of " + std::to_string(limit >> 20) + " MiB");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return make_error("compressed text is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

// tEXt/zTXt are Latin-1 by the PNG spec, but some tools (stable-diffusion.cpp) write raw
// UTF-8 there. Latin-1 text with high bytes is almost never valid UTF-8, so valid UTF-8 is
// taken as UTF-8 and anything else is converted from Latin-1.
std::string decode_latin1_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  return latin1_to_utf8(bytes);
}

Result<RawText> parse_text_chunk(const char* type, const unsigned char* data, size_t len) {
  const char* d = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(d, 0, len);
  if (!nul) return make_error("keyword is not terminated");
  size_t klen = static_cast<const char*>(nul) - d;
  if (klen == 0 || klen > 79) return make_error("keyword length " + std::to_string(klen) + " outside 1..79");
  RawText t;
  t.key = decode_latin1_text(std::string_view(d, klen));
  t.container = std::string(type, 4);
  size_t p = klen + 1;
  if (std::memcmp(type, "tEXt", 4) == 0) {
    t.text = decode_latin1_text(std::string_view(d + p, len - p));
    if (t.text.size() > limits::kMaxInflatedTextBytes) return make_error("text larger than the limit");
    return t;
  }
  if (std::memcmp(type, "zTXt", 4) == 0) {
    if (p >= len) return make_error("missing compression method");
    if (data[p] != 0) return make_error("unknown compression method " + std::to_string(data[p]));
    auto inflated = inflate_limited(data + p + 1, len - p - 1, limits::kMaxInflatedTextBytes);
    if (!inflated) return inflated.error();
    t.text = decode_latin1_text(*inflated);
    return t;
  }
  // iTXt: keyword\0 flag method language\0 translated-keyword\0 text
  if (p + 2 > len) return make_error("missing compression flag");
  uint8_t flag = data[p], method = data[p + 1];
  p += 2;
  for (int field = 0; field < 2; ++field) {  // language tag, translated keyword
    const void* z = std::memchr(d + p, 0, len - p);
    if (!z) return make_error("language tag or translated keyword not terminated");
    p = static_cast<const char*>(z) - d + 1;
  }
  std::string body;
  if (flag == 1) {
    if (method != 0) return make_error("unknown compression method " + std::to_string(method));
    auto inflated = inflate_limited(data + p, len - p, limits::kMaxInflatedTextBytes);
    if (!inflated) return inflated.error();
    body = std::move(*inflated);
  } else if (flag == 0) {
    if (len - p > limits::kMaxInflatedTextBytes) return make_error("text larger than the limit");
    body.assign(d + p, len - p);
  } else {
    return make_error("bad compression flag " + std::to_string(flag));
  }
  // iTXt must be UTF-8; keep invalid bytes readable instead of failing the file.
  t.text = is_valid_utf8(body) ? std::move(body) : latin1_to_utf8(body);
  return t;
}

}  // namespace

bool looks_like_png(std::string_view bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSignature, 8) == 0;
}

Result<PngMetadata> read_png_metadata(std::string_view bytes) {
  if (!looks_like_png(bytes)) return make_error("not a PNG file (bad signature)");
  auto base = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t size = bytes.size();
  PngMetadata meta;
  meta.image.format = "png";
  size_t pos = 8, total_text = 0;
  bool have_ihdr = false;
  while (true) {
    if (pos == size) return make_error("file ends without an IEND chunk (truncated?)");
    if (size - pos < 12) return make_error("truncated chunk header at offset " + std::to_string(pos));
    const unsigned char* c = base + pos;
    uint32_t len = be32(c);
    char type[4];
    std::memcpy(type, c + 4, 4);
    for (char ch : type)
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
        return make_error("invalid chunk type at offset " + std::to_string(pos));
    if (len > limits::kMaxPngChunkBytes) return make_error(chunk_where(type, pos) + " claims an impossible length");
    if (size - pos - 12 < len) return make_error(chunk_where(type, pos) + " is truncated");
    const unsigned char* data = c + 8;
    const bool is_ihdr = std::memcmp(type, "IHDR", 4) == 0;
    const bool is_comf = std::memcmp(type, "comf", 4) == 0;
    const bool is_text = std::memcmp(type, "tEXt", 4) == 0 || std::memcmp(type, "zTXt", 4) == 0 ||
                         std::memcmp(type, "iTXt", 4) == 0 || is_comf;
    if (!have_ihdr && !is_ihdr) return make_error("first chunk is not IHDR");
    const bool crc_ok = !(is_ihdr || is_text) || static_cast<uint32_t>(crc32(0, c + 4, len + 4)) == be32(data + len);
    if (!crc_ok && is_ihdr) return make_error(chunk_where(type, pos) + " has a bad CRC");
    if (is_ihdr) {
      if (have_ihdr) return make_error("second IHDR " + chunk_where(type, pos));
      if (len != 13) return make_error("IHDR has length " + std::to_string(len) + ", expected 13");
      uint32_t w = be32(data), h = be32(data + 4);
      if (w == 0 || h == 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF) return make_error("IHDR has invalid dimensions");
      meta.image.width = static_cast<int>(w);
      meta.image.height = static_cast<int>(h);
      meta.image.bit_depth = data[8];
      static constexpr int kChannels[7] = {1, 0, 3, 1, 2, 0, 4};  // by colour type
      meta.image.channels = data[9] <= 6 ? kChannels[data[9]] : 0;
      if (meta.image.channels == 0) return make_error("IHDR has invalid colour type " + std::to_string(data[9]));
      have_ihdr = true;
    } else if (is_text) {
      if (meta.texts.size() + meta.warnings.size() >= limits::kMaxTextChunks)
        return make_error("more than " + std::to_string(limits::kMaxTextChunks) + " text chunks");
      if (!crc_ok) {
        meta.warnings.push_back(chunk_where(type, pos) + " has a bad CRC; skipped");
        pos += 12 + size_t(len);
        continue;
      }
      // `comf` is laid out like tEXt (key\0value) but holds UTF-8 JSON.
      auto t = parse_text_chunk(is_comf ? "tEXt" : type, data, len);
      if (!t) {
        meta.warnings.push_back(chunk_where(type, pos) + ": " + t.error().message + "; skipped");
        pos += 12 + size_t(len);
        continue;
      }
      if (is_comf) t->container = "comf";
      total_text += t->text.size();
      if (total_text > limits::kMaxTotalTextBytes) return make_error("text chunks together exceed the limit");
      meta.texts.push_back(std::move(t.value()));
    } else if (std::memcmp(type, "caBX", 4) == 0) {
      meta.c2pa.assign(reinterpret_cast<const char*>(data), len);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      break;
    }
    pos += 12 + size_t(len);
  }
  return meta;
}

namespace {

struct PngFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// libpng reports errors through this callback; throwing unwinds out of libpng (built with
// unwind tables on Debian) to our catch, avoiding setjmp/longjmp across C++ frames.
[[noreturn]] void on_png_error(png_structp, png_const_charp msg) { throw PngFailure(msg); }
void on_png_warning(png_structp, png_const_charp) {}

struct ReadCursor {
  const unsigned char* data;
  size_t size, pos;
};

void read_from_memory(png_structp png, png_bytep out, png_size_t n) {
  auto* cur = static_cast<ReadCursor*>(png_get_io_ptr(png));
  if (cur->size - cur->pos < n) png_error(png, "unexpected end of file");
  std::memcpy(out, cur->data + cur->pos, n);
  cur->pos += n;
}

void write_to_string(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
}
void flush_nothing(png_structp) {}

}  // namespace

Result<Image> decode_png(std::string_view bytes, int max_rows, bool* has_alpha) {
  if (!looks_like_png(bytes)) return make_error("not a PNG file (bad signature)");
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return make_error("libpng: out of memory");
  }
  Image img;
  try {
    ReadCursor cur{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0};
    png_set_read_fn(png, &cur, read_from_memory);
    png_set_user_limits(png, limits::kMaxDecodeDimension, limits::kMaxDecodeDimension);
    // Decoding needs no metadata: text chunks are skipped unread (libpng would otherwise
    // allocate whatever length a chunk claims; found by fuzzing with a 2 GiB tEXt), and
    // any other ancillary chunk is bounded.
    static const png_byte kSkipped[] = "tEXt\0zTXt\0iTXt\0iCCP\0eXIf\0";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kSkipped, 5);
    png_set_chunk_malloc_max(png, limits::kMaxInflatedTextBytes);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (size_t(w) * h > limits::kMaxDecodePixels) throw PngFailure("image too large to decode");
    const int color_type = png_get_color_type(png, info);
    if (has_alpha)
      *has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    const bool interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    if (max_rows > 0 && !interlaced && png_uint_32(max_rows) < h) h = png_uint_32(max_rows);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    img.width = static_cast<int>(w);
    img.height = static_cast<int>(h);
    img.channels = 4;
    img.pixels.resize(size_t(w) * h * 4);
    if (h < png_get_image_height(png, info)) {
      for (png_uint_32 y = 0; y < h; ++y) png_read_row(png, img.pixels.data() + size_t(y) * w * 4, nullptr);
    } else {
      std::vector<png_bytep> rows(h);
      for (png_uint_32 y = 0; y < h; ++y) rows[y] = img.pixels.data() + size_t(y) * w * 4;
      png_read_image(png, rows.data());
    }
  } catch (const PngFailure& e) {
    png_destroy_read_struct(&png, &info, nullptr);
    return make_error(std::string("cannot decode PNG pixels: ") + e.what());
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return img;
}

Result<std::string> encode_png(const Image& image, const std::vector<PngTextOut>& texts) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
      image.pixels.size() != size_t(image.width) * image.height * image.channels)
    return make_error("encode_png: image buffer does not match its dimensions");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return make_error("libpng: out of memory");
  }
  std::string out;
  // png_text points into these strings; they must outlive png_write_info.
  std::vector<std::string> storage;
  storage.reserve(texts.size() * 2);
  std::vector<png_text> entries(texts.size());
  try {
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto& t = texts[i];
      auto latin1 = t.kind == PngTextOut::Kind::kAuto ? utf8_to_latin1(t.text) : std::nullopt;
      png_text& e = entries[i];
      e = png_text{};
      storage.push_back(t.key);
      e.key = storage.back().data();
      if (latin1) {
        storage.push_back(std::move(*latin1));
        e.compression = t.compress ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE;
        e.text = storage.back().data();
        e.text_length = storage.back().size();
      } else {
        storage.push_back(t.text);
        e.compression = t.compress ? PNG_ITXT_COMPRESSION_zTXt : PNG_ITXT_COMPRESSION_NONE;
        e.text = storage.back().data();
        e.itxt_length = storage.back().size();
        e.lang = const_cast<char*>("");
        e.lang_key = const_cast<char*>("");
      }
    }
    png_set_write_fn(png, &out, write_to_string, flush_nothing);
    png_set_IHDR(png, info, image.width, image.height, 8,
                 image.channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (!entries.empty()) png_set_text(png, info, entries.data(), static_cast<int>(entries.size()));
    png_write_info(png, info);
    const size_t stride = size_t(image.width) * image.channels;
    for (int y = 0; y < image.height; ++y)
      png_write_row(png, const_cast<png_bytep>(image.pixels.data() + y * stride));
    png_write_end(png, nullptr);
  } catch (const PngFailure& e) {
    png_destroy_write_struct(&png, &info);
    return make_error(std::string("cannot encode PNG: ") + e.what());
  }
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace provena
