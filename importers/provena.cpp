// Provena's own format: the iTXt `provena` chunk holds the full record (core/own_format.h).
#include "core/own_format.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_provena(const FileMetadata& meta) { return find_text(meta, kProvenaChunkKey) != nullptr; }

Result<Record> read_provena(const FileMetadata& meta) {
  auto r = read_own_record(meta.texts);
  if (!r) return make_error("no provena chunk");
  return std::move(*r);
}

}  // namespace provena
