// XXH3-128 with xxhash.h's AVX2 code path (see core/xxh3_simd.inc).
#define PROVENA_XXH3_VECTOR XXH_AVX2
#define PROVENA_XXH3_NAME hash_avx2
#include "core/xxh3_simd.inc"
