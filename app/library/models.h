// `provena models scan`: finds checkpoints (.safetensors files), diffusers folders and
// tiny-flow model folders under the model folders, hashes what is new or changed
// (SHA-256; A1111's short hash is its first 10 hex digits) and stores them in the
// catalog's registry (db/model_registry.h), so a record's model hash finds its file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"
#include "db/model_registry.h"

namespace provena {

struct ModelScanReport {
  int64_t found = 0, hashed = 0, unchanged = 0, removed = 0;
  std::vector<std::string> errors;  // each names the file and the problem
};

// Folders are searched up to 4 levels deep; `on_hashing` is told each file before its
// (possibly long) hash.
Result<ModelScanReport> scan_models(Catalog& catalog, const std::vector<std::string>& dirs,
                                    const std::function<void(const std::string&)>& on_hashing = {});

// The registry's entry for one model (a .safetensors file, a diffusers or tiny-flow folder):
// as stored when the weights' size and mtime are unchanged since they were hashed, else
// hashed now (`on_hashing` is told the file first) and stored, so a multi-GB checkpoint is
// hashed once, not at every load.
Result<ModelEntry> registered_model(Catalog& catalog, const std::string& path,
                                    const std::function<void(const std::string&)>& on_hashing = {});

// The family of the model at `path` (a checkpoint, a diffusers or tiny-flow folder), or
// none when it is not a model.
std::optional<std::string> model_family_at(const std::string& path);

// A1111's model hash before October 2022: the first 8 hex digits of the SHA-256 of the
// 64 KiB at offset 1 MiB ("Model hash: 7460a6fa").
Result<std::string> a1111_legacy_hash(const std::string& path);

// The family a .safetensors checkpoint belongs to, from its header's tensor names:
// "sd1" (model.diffusion_model.* with a CLIP ViT-L text encoder), "sdxl", "lora", "unknown".
std::string checkpoint_family(const std::string& path);

}  // namespace provena
