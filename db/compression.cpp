#include "db/compression.h"

#include <zstd.h>

namespace provena {

std::string zstd_compress(std::string_view data) {
  // One context per thread: creating one costs more than compressing a small text.
  // Level 1, with the frame's checksum (XXH64 of the content, 4 bytes): zstd does not
  // otherwise notice damaged data and would decode it into other text.
  thread_local struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    Context() {
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    }
    ~Context() { ZSTD_freeCCtx(cctx); }
  } context;
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(context.cctx, out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return std::string();  // only for an impossible bound; callers check
  out.resize(n);
  return out;
}

Result<std::string> zstd_decompress(std::string_view frame, size_t max_bytes) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return make_error("not a zstd frame");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) return make_error("zstd frame without a content size");
  if (size > max_bytes)
    return make_error("zstd frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                      std::to_string(max_bytes));
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) return make_error(std::string("corrupt zstd frame: ") + ZSTD_getErrorName(n));
  if (n != out.size()) return make_error("zstd frame shorter than its stated size");
  return out;
}

}  // namespace provena
