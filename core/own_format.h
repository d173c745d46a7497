// Provena's own provenance format v1 (ARCHITECTURE.md "Own provenance format"):
// one PNG carrying A1111 `parameters`, the seed-style keys (Software, DateTime, Prompt,
// NegativePrompt, CFGScale, Steps, Seed, Resolution), the full record as iTXt `provena`
// JSON, an XMP packet (see xmp.h), and optionally a JSON sidecar NAME.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/png.h"
#include "core/record.h"
#include "core/result.h"
#include "core/xmp.h"

namespace provena {

inline constexpr const char* kProvenaChunkKey = "provena";
inline constexpr const char* kXmpChunkKey = "XML:com.adobe.xmp";

struct OwnFormatOptions {
  bool sidecar = false;   // also write NAME.json next to the image
  AigcLabel label;        // ContentProducer defaults to "Provena", ProduceID to the pixel hash
};

// Fills record.pixel_hash (and created_at / app_version when unset) and returns PNG bytes.
Result<std::string> encode_own_png(const Image& image, Record& record, const OwnFormatOptions& options = {});

// encode_own_png, then an atomic write of the file (and sidecar).
Status write_own_png(const std::string& path, const Image& image, Record& record,
                     const OwnFormatOptions& options = {});

// The record from a `provena` text chunk, if the file has one. The caller keeps the raw
// texts (the importers move them into the record once, for every format).
std::optional<Result<Record>> read_own_record(const std::vector<RawText>& texts);

std::string sidecar_path_for(const std::string& image_path);

// Current time as ISO-8601 UTC with seconds ("2026-11-27T01:02:03Z").
std::string utc_now_iso8601();

}  // namespace provena
