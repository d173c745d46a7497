// The metadata verbatim, as stored in generations.raw: a BLOB of entries
//   container NUL key NUL u32-little-endian length, text
// preceded by the 4-byte tag "PRM1". Binary on purpose: ComfyUI graphs are 10-60 KiB of
// JSON full of quotes, and escaping them into a JSON array cost more than the rest of
// storing the record.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"

namespace provena {

std::string encode_raw_metadata(const std::vector<RawText>& raw);
// Malformed input yields the entries that could be read.
std::vector<RawText> decode_raw_metadata(std::string_view blob);

}  // namespace provena
