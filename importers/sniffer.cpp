#include "importers/sniffer.h"

namespace provena {

const RawText* find_text(const std::vector<RawText>& texts, std::string_view key) {
  for (const auto& t : texts)
    if (t.key == key) return &t;
  return nullptr;
}

const std::vector<MetadataReader>& metadata_readers() {
  static const std::vector<MetadataReader> kReaders = {
      {"provena", detect_provena, read_provena},  // our own record is the most complete
      {"a1111", detect_a1111, read_a1111},
  };
  return kReaders;
}

Result<Record> read_record(const std::vector<RawText>& texts) {
  for (const auto& reader : metadata_readers()) {
    if (!reader.detect(texts)) continue;
    auto r = reader.read(texts);
    if (!r) return make_error(std::string(reader.tool) + " metadata: " + r.error().message);
    r->raw = texts;
    return r;
  }
  Record none;
  none.tool = "none";
  none.raw = texts;
  return none;
}

}  // namespace provena
