// Stealth pnginfo (sd-webui-stealth-pnginfo, NovelAI): metadata hidden in the least
// significant bits of the pixels (../shared/FORMATS.md section 2). Needs pixel decoding,
// so it is only tried on PNGs that carry no readable metadata otherwise.
#pragma once

#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

// The text items hidden in the image: an A1111 payload becomes {"parameters", text};
// NovelAI's JSON of text chunks becomes one item per key. Container "stealth".
// Returns an empty list when there is no stealth magic.
Result<std::vector<RawText>> read_stealth_pnginfo(std::string_view png_bytes);

}  // namespace provena
