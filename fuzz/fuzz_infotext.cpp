// libFuzzer target: A1111 infotext (PNG `parameters`): parsing, applying to a record, and
// writing it back out.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/infotext.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  provena::Record record;
  provena::apply_infotext(provena::parse_infotext(text), record);
  (void)provena::format_infotext(record);
  return 0;
}
