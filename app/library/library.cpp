#include "app/library/library.h"

#include <cstdlib>
#include <filesystem>

namespace provena {

std::string resolve_library_dir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("PROVENA_LIBRARY"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/provena";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/provena";
}

std::string catalog_path(const std::string& library_dir) { return library_dir + "/catalog.sqlite"; }

Result<std::unique_ptr<Catalog>> open_library(const std::string& library_dir, Catalog::Mode mode) {
  std::error_code ec;
  if (mode == Catalog::Mode::kReadWrite) {
    std::filesystem::create_directories(library_dir, ec);
    if (ec) return make_error(library_dir + ": cannot create library folder (" + ec.message() + ")");
  } else if (!std::filesystem::exists(catalog_path(library_dir), ec)) {
    return make_error(library_dir + ": no catalog here yet (import something first)");
  }
  return Catalog::open(catalog_path(library_dir), mode);
}

std::string embedded_model_dir() {
  if (const char* env = std::getenv("PROVENA_MODEL_DIR")) return env;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "assets/tiny-flow/model.json")) return (dir / "assets/tiny-flow").string();
    if (std::filesystem::exists(dir / "share/provena/tiny-flow/model.json")) return (dir / "share/provena/tiny-flow").string();
  }
  return {};
}

}  // namespace provena
