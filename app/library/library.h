// A library is a folder holding the catalog (and later thumbnails and caches).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/catalog.h"

namespace provena {

// --library DIR wins, then $PROVENA_LIBRARY, then $XDG_DATA_HOME/provena
// (~/.local/share/provena when XDG_DATA_HOME is unset).
std::string resolve_library_dir(const std::string& flag_value);
std::string catalog_path(const std::string& library_dir);

// The embedded default model folder: $PROVENA_MODEL_DIR, else assets/tiny-flow found
// above the running binary (the source tree around build/), else share/provena/tiny-flow;
// empty when there is none.
std::string embedded_model_dir();

// Folders to look in for models: the embedded model, $PROVENA_MODELS (':'-separated; each
// a model folder or a folder of them), LIBRARY/models.
std::vector<std::string> model_search_dirs(const std::string& library_dir);

// A model folder: one holding model.json and model.sha256 (the weights' SHA-256).
struct ModelFolder {
  std::string path, name, sha256;  // name: the folder's name
  bool embedded = false;
};
// Every model folder in model_search_dirs (the embedded one first), each once.
std::vector<ModelFolder> list_model_folders(const std::string& library_dir);

// Creates the folder when opening read-write.
Result<std::unique_ptr<Catalog>> open_library(const std::string& library_dir,
                                              Catalog::Mode mode = Catalog::Mode::kReadWrite);

}  // namespace provena
