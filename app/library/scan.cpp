#include "app/library/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "importers/importer.h"

namespace provena {

std::string normalize_path(const std::string& path) {
  std::error_code ec;
  std::string p = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

bool stat_file(const std::string& path, ScannedFile& out, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  out.path = path;
  out.size = st.st_size;
  out.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

void scan_folder(const std::string& dir, std::vector<ScannedFile>& out, std::vector<ScanError>& errors) {
  // readdir + fstatat on the open folder: one syscall per file, no path re-resolution.
  std::vector<std::string> pending{dir};
  while (!pending.empty()) {
    std::string current = std::move(pending.back());
    pending.pop_back();
    DIR* d = ::opendir(current.c_str());
    if (!d) {
      errors.push_back({current, std::string("cannot open folder (") + std::strerror(errno) + ")"});
      continue;
    }
    int dfd = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
      const char* name = e->d_name;
      if (name[0] == '.') continue;  // ., .., and hidden entries (.thumbnails, .git, ...)
      unsigned char type = e->d_type;
      std::string path = current + "/" + name;
      if (type == DT_DIR) {
        pending.push_back(std::move(path));
        continue;
      }
      if (type != DT_REG && type != DT_UNKNOWN && type != DT_LNK) continue;
      if (type != DT_UNKNOWN && !has_image_extension(name)) continue;
      struct stat st {};
      if (::fstatat(dfd, name, &st, 0) != 0) continue;  // dangling link: nothing to import
      if (S_ISDIR(st.st_mode)) {
        if (type == DT_UNKNOWN) pending.push_back(std::move(path));
        continue;  // symlinked folders are not followed (avoids cycles)
      }
      if (!S_ISREG(st.st_mode) || !has_image_extension(name)) continue;
      out.push_back({std::move(path), st.st_size, int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec});
    }
    ::closedir(d);
  }
}

}  // namespace provena
