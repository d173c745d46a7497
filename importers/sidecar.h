// JSON sidecars (NAME.json beside NAME.png): Provena's own record, or the seed layout
// {version, model{name, revision}, generation{prompt, negative_prompt, width, height,
// num_inference_steps, cfg_scale, seed, num_images}, system{...}, performance{
// generation_time, memory_usage_mb}, created_at}.
#pragma once

#include <string_view>

#include "core/record.h"
#include "core/result.h"

namespace provena {

// Not a sidecar we know (valid JSON of another shape) is an error too; the caller then
// keeps the image's own record.
Result<Record> read_json_sidecar(std::string_view json);

}  // namespace provena
