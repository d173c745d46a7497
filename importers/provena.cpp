// Provena's own format: the iTXt `provena` chunk holds the full record (core/own_format.h).
#include "core/own_format.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_provena(const std::vector<RawText>& texts) { return find_text(texts, kProvenaChunkKey) != nullptr; }

Result<Record> read_provena(const std::vector<RawText>& texts) {
  auto r = read_own_record(texts);
  if (!r) return make_error("no provena chunk");
  return std::move(*r);
}

}  // namespace provena
