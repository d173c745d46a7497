// XXH3-128 from xxhash.h's inline implementation with its AVX2 code path; this file alone
// is compiled with -mavx2 (see core/CMakeLists.txt) and only runs where
// xxh3_simd::has_avx2() says the CPU supports it.
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

#include "core/xxh3_simd.h"

namespace provena::xxh3_simd {

Hash hash_avx2(const void* data, size_t size) {
  XXH128_hash_t h = XXH3_128bits(data, size);
  return {h.low64, h.high64};
}

}  // namespace provena::xxh3_simd
