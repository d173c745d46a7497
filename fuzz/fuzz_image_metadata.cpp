// libFuzzer target: the importer's entry point, whole files of any kind (PNG, JPEG, WebP).
// Besides "no crash, no hang, no leak", checks the promise of core/record.h that every
// text the importer hands on is UTF-8, and that the record serializes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record_json.h"
#include "core/text.h"
#include "importers/importer.h"

namespace {

void require_utf8(const std::optional<std::string>& s) {
  if (s && !provena::is_valid_utf8(*s)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = provena::read_image_metadata(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!r) return 0;
  const provena::Record& rec = r->record;
  for (const provena::RawText& t : rec.raw) {
    if (!provena::is_valid_utf8(t.key) || !provena::is_valid_utf8(t.text)) __builtin_trap();
  }
  require_utf8(rec.prompt);
  require_utf8(rec.negative_prompt);
  require_utf8(rec.sampler);
  require_utf8(rec.scheduler);
  require_utf8(rec.model);
  (void)provena::record_to_json(rec);
  return 0;
}
