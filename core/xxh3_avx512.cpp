// XXH3-128 with xxhash.h's AVX512 code path (see core/xxh3_simd.inc).
#define PROVENA_XXH3_VECTOR XXH_AVX512
#define PROVENA_XXH3_NAME hash_avx512
#include "core/xxh3_simd.inc"
