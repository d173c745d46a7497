#include "app/library/library.h"

#include <cstdlib>
#include <filesystem>

#include "core/file_io.h"

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

std::vector<std::string> model_search_dirs(const std::string& library_dir) {
  std::vector<std::string> dirs;
  if (std::string embedded = embedded_model_dir(); !embedded.empty()) dirs.push_back(embedded);
  if (const char* env = std::getenv("PROVENA_MODELS")) {
    std::string list = env;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t end = list.find(':', pos);
      if (end == std::string::npos) end = list.size();
      if (end > pos) dirs.push_back(list.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  dirs.push_back(library_dir + "/models");
  return dirs;
}

std::vector<ModelFolder> list_model_folders(const std::string& library_dir) {
  namespace fs = std::filesystem;
  std::vector<ModelFolder> out;
  const std::string embedded = embedded_model_dir();
  auto add = [&](const fs::path& d) {
    std::error_code ec;
    if (!fs::exists(d / "model.json", ec)) return false;
    auto sha = read_file((d / "model.sha256").string());
    if (!sha || sha->size() < 64) return false;
    const std::string path = fs::weakly_canonical(d, ec).string();
    for (const auto& m : out)
      if (m.path == path) return true;
    out.push_back({path, d.filename().string(), sha->substr(0, 64),
                   !embedded.empty() && path == fs::weakly_canonical(embedded, ec).string()});
    return true;
  };
  std::error_code ec;
  for (const auto& dir : model_search_dirs(library_dir)) {
    if (add(dir)) continue;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec)) add(it->path());
  }
  return out;
}

}  // namespace provena
