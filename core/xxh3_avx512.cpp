// XXH3-128 from xxhash.h's inline implementation with its AVX512 code path; this file alone
// is compiled with -mavx512f (see core/CMakeLists.txt) and only runs where
// xxh3_simd::has_avx512() says the CPU supports it.
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX512
#include <xxhash.h>

#include "core/xxh3_simd.h"

namespace provena::xxh3_simd {

Hash hash_avx512(const void* data, size_t size) {
  XXH128_hash_t h = XXH3_128bits(data, size);
  return {h.low64, h.high64};
}

}  // namespace provena::xxh3_simd
