// The metadata verbatim, as stored in generations.raw: a BLOB of entries
//   container NUL key NUL u32-little-endian length, text
// preceded by the 4-byte tag "PRM1". A text of kSharedTextBytes or more is stored once in
// the raw_texts table instead; its entry then holds length 0xFFFFFFFF and the 16-byte
// XXH3-128 of the text. A text that contains the record's prompt or negative prompt
// (A1111's `parameters` repeats both) holds length 0xFFFFFFFE and then pieces
//   u32 literal length, literal bytes, u8 what follows (0 end, 1 the prompt, 2 the negative)
// so the prompts, stored in their own columns, are not stored twice (about a quarter of
// an A1111 record's bytes). Binary on purpose: ComfyUI graphs are 10-60 KiB of JSON full
// of quotes, and escaping them into a JSON array cost more than the rest of storing the
// record. A blob of kCompressMinBytes or more is stored as the tag "PRZ1" and one zstd
// frame of the PRM1 blob (db/compression.h).
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
  std::string compressed;  // its zstd frame, stored as a BLOB (empty: stored as TEXT)
};

// Prompts shorter than this are not worth a reference.
inline constexpr size_t kMinPromptReferenceBytes = 16;

// The texts a raw entry may point at instead of repeating them.
struct PromptTexts {
  std::string_view prompt, negative;
};

// Encodes `raw`; texts of kSharedTextBytes or more are referenced by hash and listed in
// `shared` (when given; without it every text is inline); the first occurrence of each of
// `prompts` in a text is referenced (decode needs the same prompts back).
std::string encode_raw_metadata(const std::vector<RawText>& raw, std::vector<SharedText>* shared = nullptr,
                                const PromptTexts& prompts = {});
// The blob as stored: compressed when that pays (see above), else unchanged.
std::string compress_raw_metadata(std::string blob);
// Fills each shared text's zstd frame, for texts where compressing pays.
void compress_shared_texts(const std::vector<RawText>& raw, std::vector<SharedText>& shared);
// A stored raw_texts.text: TEXT as it is, a BLOB is a zstd frame (an unreadable one gives
// an empty text, as an unresolved reference does).
std::string stored_shared_text(std::string_view value, bool is_blob);

// Accepts plain and compressed blobs. Malformed input yields the entries that could be read. `lookup` resolves a hash
// reference to its text (an unresolved one becomes an empty text); prompt references
// resolve to `prompts`.
std::vector<RawText> decode_raw_metadata(std::string_view blob,
                                         const std::function<std::string(const Hash128&)>& lookup = {},
                                         const PromptTexts& prompts = {});

}  // namespace provena
