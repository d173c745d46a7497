// ComfyUI: the API graph (`prompt`) and the UI graph (`workflow`), see
// ../shared/FORMATS.md section 4 and ../shared/corpus/README.md ("ComfyUI graphs").
#pragma once

#include <string_view>

#include "core/record.h"
#include "core/result.h"

namespace provena {

// Recovers prompt, negative_prompt, seed, steps, cfg_scale, sampler, scheduler, model and
// the requested size from an API graph. Starts at the output node(s) and walks upstream
// to the sampler of the final pass; follows conditioning links to the text encoder's
// text and model links through LoRA loaders to the checkpoint / UNet name. Tolerates bare
// NaN/Infinity; refuses cycles, absurd depth and node counts with an error (bounded).
// Fills only the fields the graph carries; record.tool is set to "comfyui".
Result<Record> read_comfyui_prompt_graph(std::string_view prompt_json);

// Fallback when only the UI graph is present (widgets_values are positional).
Result<Record> read_comfyui_workflow(std::string_view workflow_json);

// Strict JSON after replacing bare NaN / Infinity / -Infinity outside strings by null
// (ComfyUI writes them; see ComfyUI issues #6915, #8548).
std::string comfyui_json_tolerant(std::string_view json);
// False when the text holds no NaN or Infinity at all, so the repair can be skipped (the
// common case: it saves a copy of every 10-60 KiB graph).
bool comfyui_json_needs_repair(std::string_view json);

}  // namespace provena
