// XXH3-128 compiled for wider vector units than the system libxxhash, which Debian builds
// for baseline x86-64 (SSE2: ~14 GB/s here, against ~45 GB/s with AVX2 and ~60 GB/s with
// AVX-512 on the same 400 KB buffer). xxh3_128() picks one at run time from what the CPU
// supports; the result is the same XXH3-128 whichever runs. Internal to core/ (and its
// tests): declared here only where the build compiled them (x86-64).
#pragma once

#include <cstddef>
#include <cstdint>

namespace provena::xxh3_simd {

struct Hash {
  uint64_t low64, high64;
};

#if defined(PROVENA_XXH3_X86)
Hash hash_avx2(const void* data, size_t size);
Hash hash_avx512(const void* data, size_t size);
bool has_avx2();
bool has_avx512();
#endif

}  // namespace provena::xxh3_simd
