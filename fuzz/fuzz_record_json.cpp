// libFuzzer target: the own format's JSON record (iTXt `provena`, sidecar). A record that
// reads must survive a write and a second read unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/record_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto record = provena::record_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!record) return 0;
  auto again = provena::record_from_json(provena::record_to_json(*record));
  if (!again || !again->same_fields(*record)) __builtin_trap();
  return 0;
}
