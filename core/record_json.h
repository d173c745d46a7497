// The own format's JSON record (iTXt `provena` chunk and the optional sidecar), versioned.
// Layout v1:
// {"format":"provena","version":1,"tool":...,
//  "model":{"name","family","sha256","hash"},
//  "generation":{"prompt","negative_prompt","width","height","steps","cfg_scale","seed",
//                "sampler","scheduler","noise_source"},
//  "system":{"app_version","torch_version","device","gpu_name","cuda"},
//  "performance":{"generation_time","memory_usage_mb"},
//  "created_at", "pixel_hash", "template":{"id","version","slots"}, "extra":[[k,v],...]}
// Absent values are omitted or null; never defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

inline constexpr int kRecordFormatVersion = 1;

// kDetails leaves out the fields the catalog keeps in columns of their own (prompts,
// seed, steps, cfg, sampler, scheduler, model name/hash, requested size, created_at),
// and returns an empty string when nothing else is set.
enum class RecordParts { kAll, kDetails };
std::string record_to_json(const Record& record, int indent = -1, RecordParts parts = RecordParts::kAll);

// Refuses a newer major version with a message, and JSON nested past limits::kMaxJsonDepth.
Result<Record> record_from_json(std::string_view json);

// The flat field set of the CLI contract (ARCHITECTURE.md): path, tool, prompt, ...
// `path`, `width`/`height` (the file's pixel size) and `error` come from the caller.
struct ContractFields {
  std::optional<std::string> path;
  std::optional<int64_t> id;
  std::optional<ImageInfo> image;
  std::optional<std::string> content_hash, pixel_hash;
  std::optional<std::string> error;
  std::vector<std::string> warnings;  // metadata skipped as damaged; "warnings" only when any
};
std::string contract_json(const Record* record, const ContractFields& facts, int indent = -1);

}  // namespace provena
