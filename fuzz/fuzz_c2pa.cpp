// libFuzzer target: C2PA manifest stores (JUMBF boxes holding CBOR), as found in a PNG
// caBX chunk, reassembled JPEG APP11 segments or a WebP C2PA chunk.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "importers/c2pa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)provena::read_c2pa_manifest_store(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
