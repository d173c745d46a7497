// The normalized generation record: the one currency between importers, the catalog,
// the generator and the apps. A value a file does not carry stays empty (std::nullopt),
// never a default such as 0 or -1.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace provena {

// One metadata item exactly as found in a file (a PNG text chunk, an EXIF field, ...).
struct RawText {
  std::string key;   // e.g. "parameters", "XML:com.adobe.xmp"
  std::string text;  // UTF-8 (Latin-1 tEXt is converted on read)
  std::string container;  // where it was found: "tEXt", "zTXt", "iTXt", "sidecar", ...
  bool operator==(const RawText& o) const {
    return key == o.key && text == o.text && container == o.container;
  }
};

// Facts about the image file itself, read from its header (never from metadata).
struct ImageInfo {
  std::string format;  // "png", ...
  int width = 0;
  int height = 0;
  int bit_depth = 0;
  int channels = 0;
  bool operator==(const ImageInfo& o) const {
    return format == o.format && width == o.width && height == o.height &&
           bit_depth == o.bit_depth && channels == o.channels;
  }
};

struct SystemInfo {
  std::optional<std::string> app_version, torch_version, device, gpu_name, cuda;
  bool operator==(const SystemInfo& o) const {
    return app_version == o.app_version && torch_version == o.torch_version &&
           device == o.device && gpu_name == o.gpu_name && cuda == o.cuda;
  }
};

struct PerformanceInfo {
  std::optional<double> seconds;
  std::optional<double> peak_memory_mb;
  bool operator==(const PerformanceInfo& o) const {
    return seconds == o.seconds && peak_memory_mb == o.peak_memory_mb;
  }
};

struct TemplateUse {
  std::string id;
  std::optional<int> version;
  std::map<std::string, std::string> slots;
  bool operator==(const TemplateUse& o) const {
    return id == o.id && version == o.version && slots == o.slots;
  }
};

// What a C2PA manifest store claims (read without validating signatures or hashes, so
// always an unverified claim).
struct C2paClaim {
  std::string claim_generator;                     // active manifest's claim generator
  std::optional<std::string> digital_source_type;  // from a c2pa.created action, see importers/c2pa.h
  std::vector<std::string> actions;                // action names of the active manifest, in order
  bool operator==(const C2paClaim& o) const {
    return claim_generator == o.claim_generator && digital_source_type == o.digital_source_type &&
           actions == o.actions;
  }
};

struct Record {
  // Which tool wrote the metadata: "provena", "a1111", ..., or "none".
  std::string tool = "none";

  std::optional<std::string> prompt;
  std::optional<std::string> negative_prompt;
  std::optional<int64_t> seed;
  std::optional<int> steps;
  std::optional<double> cfg_scale;
  std::optional<std::string> sampler;    // as the tool wrote it, e.g. "DPM++ 2M"
  std::optional<std::string> scheduler;  // e.g. "Karras", "discrete"
  std::optional<std::string> model;      // model name
  std::optional<std::string> model_hash; // short hash as the tool wrote it (A1111: 10 hex)
  std::optional<std::string> model_family;
  std::optional<std::string> model_sha256;
  // The size the generator was asked for (A1111 "Size:"), not the file's pixel size.
  std::optional<int> requested_width;
  std::optional<int> requested_height;
  std::optional<std::string> noise_source;  // "cpu", "philox", ...
  std::optional<std::string> created_at;    // ISO-8601 UTC
  SystemInfo system;
  PerformanceInfo performance;
  std::optional<std::string> pixel_hash;    // hex, as recorded by the writer
  std::optional<TemplateUse> template_use;
  std::optional<C2paClaim> c2pa;
  // IPTC DigitalSourceType URI and the GB 45438 TC260:AIGC label JSON, as found in XMP.
  std::optional<std::string> digital_source_type;
  std::optional<std::string> aigc_label;
  // Further "Key: value" parameters in the order the tool wrote them.
  std::vector<std::pair<std::string, std::string>> extra;

  // The metadata verbatim, as found in the file. Not part of the own-format JSON.
  std::vector<RawText> raw;

  // Equality over the normalized fields (raw metadata excluded).
  bool same_fields(const Record& o) const;
};

}  // namespace provena
