// The reader table: each entry recognizes its format from the file's text items and
// fills a Record. Order matters: more specific formats come first. Adding a format is
// one new file plus one line in kReaders (sniffer.cpp).
#pragma once

#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

struct MetadataReader {
  const char* tool;
  bool (*detect)(const std::vector<RawText>& texts);
  Result<Record> (*read)(const std::vector<RawText>& texts);
};

const std::vector<MetadataReader>& metadata_readers();

// Picks the first reader that recognizes `texts`; a file nothing recognizes is tool "none"
// with its texts kept raw (still searchable through raw metadata).
Result<Record> read_record(const std::vector<RawText>& texts);

// Readers (one file each).
bool detect_provena(const std::vector<RawText>& texts);
Result<Record> read_provena(const std::vector<RawText>& texts);
bool detect_a1111(const std::vector<RawText>& texts);
Result<Record> read_a1111(const std::vector<RawText>& texts);

const RawText* find_text(const std::vector<RawText>& texts, std::string_view key);

}  // namespace provena
