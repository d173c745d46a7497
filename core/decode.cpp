#include "core/decode.h"

#include <webp/decode.h>
#include <webp/demux.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
// libjpeg's header needs size_t and FILE declared first.
#include <jpeglib.h>

#include "core/limits.h"

namespace provena {
namespace {

// libjpeg reports fatal errors through error_exit, which must not return: it jumps back
// to decode_jpeg_into's setjmp with the message kept here.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  err->mgr.format_message(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpeg_quiet(j_common_ptr, int) {}  // warnings (corrupt-but-decodable data) are not errors

// Only trivially destructible locals live here (the setjmp rule); `out` belongs to the caller.
// Returns "" or the problem.
const char* decode_jpeg_into(const unsigned char* data, size_t size, int max_side, Image* out, char* problem) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    std::snprintf(problem, JMSG_LENGTH_MAX, "%s", err.message);
    return problem;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.image_width > limits::kMaxDecodeDimension || cinfo.image_height > limits::kMaxDecodeDimension ||
      size_t(cinfo.image_width) * cinfo.image_height > limits::kMaxDecodePixels) {
    jpeg_destroy_decompress(&cinfo);
    std::snprintf(problem, JMSG_LENGTH_MAX, "%ux%u pixels is beyond the decode limit", cinfo.image_width,
                  cinfo.image_height);
    return problem;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  if (max_side > 0) {
    const unsigned longer = cinfo.image_width > cinfo.image_height ? cinfo.image_width : cinfo.image_height;
    unsigned denom = 1;
    while (denom < 8 && longer / (denom * 2) >= static_cast<unsigned>(max_side)) denom *= 2;
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
  }
  jpeg_start_decompress(&cinfo);
  const size_t w = cinfo.output_width, h = cinfo.output_height;
  out->width = static_cast<int>(w);
  out->height = static_cast<int>(h);
  out->channels = 3;
  out->pixels.resize(w * h * 3);
  unsigned char cmyk_row_buffer[4 * 4096];  // one CMYK row, converted into `out`
  while (cinfo.output_scanline < cinfo.output_height) {
    unsigned char* row = out->pixels.data() + size_t(cinfo.output_scanline) * w * 3;
    if (!cmyk) {
      jpeg_read_scanlines(&cinfo, &row, 1);
      continue;
    }
    if (w > 4096) {
      jpeg_destroy_decompress(&cinfo);
      std::snprintf(problem, JMSG_LENGTH_MAX, "CMYK JPEG wider than 4096 pixels");
      return problem;
    }
    unsigned char* src = cmyk_row_buffer;
    jpeg_read_scanlines(&cinfo, &src, 1);
    // Adobe writes CMYK inverted (0 = full ink), which is what nearly every CMYK JPEG holds.
    for (size_t x = 0; x < w; ++x) {
      const unsigned k = src[x * 4 + 3];
      for (int c = 0; c < 3; ++c) row[x * 3 + c] = static_cast<unsigned char>(src[x * 4 + c] * k / 255);
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return "";
}

Result<Image> decode_jpeg(std::string_view bytes, int max_side) {
  Image img;
  char problem[JMSG_LENGTH_MAX] = {0};
  const char* e = decode_jpeg_into(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), max_side, &img,
                                   problem);
  if (*e) return make_error(std::string("JPEG: ") + e);
  return img;
}

// An animated WebP's first frame, composed on its canvas (RGBA).
Result<Image> decode_first_frame(std::string_view bytes) {
  WebPData data{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) return make_error("WebP: libwebp version mismatch");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPAnimDecoder* dec = WebPAnimDecoderNew(&data, &options);
  if (!dec) return make_error("WebP: the animation's container is corrupt");
  Image img;
  WebPAnimInfo info;
  uint8_t* frame = nullptr;
  int timestamp = 0;
  std::string problem;
  if (!WebPAnimDecoderGetInfo(dec, &info) || info.canvas_width == 0 || info.canvas_height == 0)
    problem = "WebP: the animation has no canvas";
  else if (info.canvas_width > limits::kMaxDecodeDimension || info.canvas_height > limits::kMaxDecodeDimension ||
           size_t(info.canvas_width) * info.canvas_height > limits::kMaxDecodePixels)
    problem = "WebP: the animation's canvas is beyond the decode limit";
  else if (!WebPAnimDecoderGetNext(dec, &frame, &timestamp))
    problem = "WebP: the first frame of the animation is corrupt";
  if (problem.empty()) {
    img.width = static_cast<int>(info.canvas_width);
    img.height = static_cast<int>(info.canvas_height);
    img.channels = 4;
    img.pixels.assign(frame, frame + size_t(img.width) * img.height * 4);
  }
  WebPAnimDecoderDelete(dec);
  if (!problem.empty()) return make_error(problem);
  return img;
}

Result<Image> decode_webp(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  WebPBitstreamFeatures f;
  if (WebPGetFeatures(data, bytes.size(), &f) != VP8_STATUS_OK) return make_error("WebP: not a decodable WebP bitstream");
  if (f.width <= 0 || f.height <= 0 || static_cast<unsigned>(f.width) > limits::kMaxDecodeDimension ||
      static_cast<unsigned>(f.height) > limits::kMaxDecodeDimension ||
      size_t(f.width) * size_t(f.height) > limits::kMaxDecodePixels)
    return make_error("WebP: " + std::to_string(f.width) + "x" + std::to_string(f.height) + " pixels is beyond the decode limit");
  if (f.has_animation) return decode_first_frame(bytes);
  Image img;
  img.width = f.width;
  img.height = f.height;
  img.channels = f.has_alpha ? 4 : 3;
  img.pixels.resize(size_t(f.width) * f.height * img.channels);
  const int stride = f.width * img.channels;
  const uint8_t* ok = f.has_alpha ? WebPDecodeRGBAInto(data, bytes.size(), img.pixels.data(), img.pixels.size(), stride)
                                  : WebPDecodeRGBInto(data, bytes.size(), img.pixels.data(), img.pixels.size(), stride);
  if (!ok) return make_error("WebP: the image data is corrupt or truncated");
  return img;
}

}  // namespace

bool looks_like_jpeg(std::string_view b) { return b.size() >= 3 && b.compare(0, 3, "\xFF\xD8\xFF") == 0; }

bool looks_like_webp(std::string_view b) {
  return b.size() >= 12 && b.compare(0, 4, "RIFF") == 0 && b.compare(8, 4, "WEBP") == 0;
}

Result<Image> decode_image(std::string_view bytes, int max_side) {
  if (looks_like_png(bytes)) return decode_png(bytes);
  if (looks_like_jpeg(bytes)) return decode_jpeg(bytes, max_side);
  if (looks_like_webp(bytes)) return decode_webp(bytes);
  return make_error("unsupported image format (not PNG, JPEG or WebP)");
}

}  // namespace provena
