// The reader table: each entry recognizes its format from a file's metadata items and
// fills a Record. Order matters: more specific formats come first (see kReaders in
// sniffer.cpp for the traps the order avoids). Adding a format is one new file plus one
// line in kReaders.
#pragma once

#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "importers/container.h"

namespace provena {

struct MetadataReader {
  const char* tool;
  bool (*detect)(const FileMetadata& meta);
  Result<Record> (*read)(const FileMetadata& meta);
};

const std::vector<MetadataReader>& metadata_readers();

// Picks the first reader that recognizes `meta`; nothing recognized → tool "none" (or
// "c2pa" when only a C2PA manifest speaks). Adds what XMP and C2PA claim
// (DigitalSourceType, AIGC label, C2PA summary). The caller stores meta.texts as the
// record's raw metadata (moving them, they can be large).
Result<Record> read_record(const FileMetadata& meta);

const RawText* find_text(const FileMetadata& meta, std::string_view key);
// The text of a key, or nullptr; for EXIF-only files "exif:UserComment" etc.
const std::string* text_of(const FileMetadata& meta, std::string_view key);
// True when the text, after leading whitespace, starts with '{'.
bool looks_like_json_object(std::string_view text);

// Readers, one file each.
bool detect_provena(const FileMetadata& meta);
Result<Record> read_provena(const FileMetadata& meta);
bool detect_a1111(const FileMetadata& meta);
Result<Record> read_a1111(const FileMetadata& meta);
bool detect_comfyui(const FileMetadata& meta);
Result<Record> read_comfyui(const FileMetadata& meta);
bool detect_novelai(const FileMetadata& meta);
Result<Record> read_novelai(const FileMetadata& meta);
bool detect_invokeai(const FileMetadata& meta);
Result<Record> read_invokeai(const FileMetadata& meta);
bool detect_fooocus(const FileMetadata& meta);
Result<Record> read_fooocus(const FileMetadata& meta);
bool detect_swarmui(const FileMetadata& meta);
Result<Record> read_swarmui(const FileMetadata& meta);
bool detect_stability_matrix(const FileMetadata& meta);
Result<Record> read_stability_matrix(const FileMetadata& meta);
bool detect_tensorart(const FileMetadata& meta);
Result<Record> read_tensorart(const FileMetadata& meta);
bool detect_easydiffusion(const FileMetadata& meta);
Result<Record> read_easydiffusion(const FileMetadata& meta);
bool detect_drawthings(const FileMetadata& meta);
Result<Record> read_drawthings(const FileMetadata& meta);
bool detect_hf_space(const FileMetadata& meta);
Result<Record> read_hf_space(const FileMetadata& meta);
bool detect_civitai(const FileMetadata& meta);
Result<Record> read_civitai(const FileMetadata& meta);
bool detect_midjourney(const FileMetadata& meta);
Result<Record> read_midjourney(const FileMetadata& meta);
bool detect_zimage(const FileMetadata& meta);
Result<Record> read_zimage(const FileMetadata& meta);

}  // namespace provena
