// The XMP packet of the own format, written and read with exiv2: dc:description,
// xmp:CreatorTool/CreateDate, Iptc4xmpExt:DigitalSourceType, the GB 45438-2025 implicit
// label (TC260:AIGC) and a provena: namespace with the key fields.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/result.h"

namespace provena {

inline constexpr const char* kDigitalSourceTrained =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
inline constexpr const char* kTc260Namespace = "http://www.tc260.org.cn/ns/AIGC/1.0/";
inline constexpr const char* kProvenaXmpNamespace = "http://ns.provena.app/xmp/1.0/";

// GB 45438-2025 implicit label, Annex E element names.
struct AigcLabel {
  std::string label = "1";  // 1 = AI-generated
  std::string content_producer;
  std::string produce_id;
  std::string reserved_code1;
  std::string content_propagator;
  std::string propagate_id;
  std::string reserved_code2;
  std::string to_json() const;  // {"Label":"1","ContentProducer":...} in Annex E order
};

Result<std::string> build_provenance_xmp(const Record& record, const AigcLabel& label);

struct XmpFacts {
  std::optional<std::string> description, creator_tool, create_date, digital_source_type, aigc;
  std::map<std::string, std::string> provena;  // provena: properties by local name
  std::map<std::string, std::string> all;      // every property by exiv2 key ("Xmp.exif.UserComment")
};

Result<XmpFacts> read_xmp(std::string_view packet);

}  // namespace provena
