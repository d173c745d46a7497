// The metadata verbatim, as stored in generations.raw: a BLOB of entries
//   container NUL key NUL u32-little-endian length, text
// preceded by the 4-byte tag "PRM1". A text of kSharedTextBytes or more is stored once in
// the raw_texts table instead; its entry then holds length 0xFFFFFFFF and the 16-byte
// XXH3-128 of the text. Binary on purpose: ComfyUI graphs are 10-60 KiB of
// JSON full of quotes, and escaping them into a JSON array cost more than the rest of
// storing the record.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/record.h"

namespace provena {

// Big enough that only graphs/workflows are shared, small enough to catch all of them.
inline constexpr size_t kSharedTextBytes = 4096;

struct SharedText {
  Hash128 hash;
  size_t index;  // of the RawText it came from (an index stays valid when the record moves)
};

// Encodes `raw`; texts of kSharedTextBytes or more are referenced by hash and listed in
// `shared` (when given; without it every text is inline).
std::string encode_raw_metadata(const std::vector<RawText>& raw, std::vector<SharedText>* shared = nullptr);
// Malformed input yields the entries that could be read. `lookup` resolves a hash
// reference to its text (an unresolved one becomes an empty text).
std::vector<RawText> decode_raw_metadata(std::string_view blob,
                                         const std::function<std::string(const Hash128&)>& lookup = {});

}  // namespace provena
