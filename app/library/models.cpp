#include "app/library/models.h"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>

#include "core/file_io.h"
#include "core/hash.h"
#include "db/model_registry.h"

namespace provena {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxDepth = 4;
constexpr uint64_t kMaxHeaderBytes = 64ull << 20;

struct Candidate {
  std::string path;      // what is registered
  std::string hashed;    // the file whose SHA-256 identifies it
  std::string family, name;
};

bool is_under(const std::string& path, const std::string& root) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

// What `path` is as a model: a tiny-flow folder, a diffusers folder, a .safetensors
// checkpoint, or nothing (a plain folder or another file).
std::optional<Candidate> model_at(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "model.json", ec) && fs::exists(path / "model.safetensors", ec))
      return Candidate{path.string(), (path / "model.safetensors").string(), "tiny-flow", path.filename().string()};
    if (fs::exists(path / "unet" / "config.json", ec) && fs::exists(path / "text_encoder", ec))
      for (const char* w : {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"})
        if (fs::exists(path / "unet" / w, ec))
          return Candidate{path.string(), (path / "unet" / w).string(), "sd1", path.filename().string()};
    return std::nullopt;
  }
  if (path.extension() == ".safetensors" && fs::is_regular_file(path, ec))
    return Candidate{path.string(), path.string(), checkpoint_family(path.string()), path.stem().string()};
  return std::nullopt;
}

bool is_model_folder(const fs::path& dir) {
  std::error_code ec;
  return (fs::exists(dir / "model.json", ec) && fs::exists(dir / "model.safetensors", ec)) ||
         (fs::exists(dir / "unet" / "config.json", ec) && fs::exists(dir / "text_encoder", ec));
}

void walk(const fs::path& dir, int depth, std::vector<Candidate>& out) {
  // A model folder is one model: do not look inside it.
  if (is_model_folder(dir)) {
    if (auto c = model_at(dir)) out.push_back(*c);
    return;
  }
  if (depth > kMaxDepth) return;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.filename().string().rfind('.', 0) == 0) continue;  // hidden
    if (it->is_directory(ec) && !it->is_symlink(ec)) walk(p, depth + 1, out);
    else if (p.extension() == ".safetensors" && it->is_regular_file(ec))
      if (auto c = model_at(p)) out.push_back(*c);
  }
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Hashes a candidate's weights: the SHA-256 of the file, and for checkpoint files A1111's
// old hash (the SHA-256 of the 64 KiB at 1 MiB, first 8 hex digits).
Result<ModelEntry> hash_candidate(const Candidate& c, const struct stat& st) {
  auto sha = sha256_file(c.hashed);
  if (!sha) return sha.error();
  ModelEntry e;
  e.path = c.path;
  e.size = static_cast<int64_t>(st.st_size);
  e.mtime_ns = mtime_ns(st);
  e.sha256 = *sha;
  e.short_hash = sha->substr(0, 10);
  e.family = c.family;
  e.name = c.name;
  e.scanned_at = static_cast<int64_t>(std::time(nullptr));
  if (c.hashed == c.path)
    if (auto legacy = a1111_legacy_hash(c.path)) e.legacy_hash = *legacy;
  return e;
}

}  // namespace

std::string checkpoint_family(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "unknown";
  unsigned char len_bytes[8];
  std::string header;
  if (std::fread(len_bytes, 1, 8, f) == 8) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | len_bytes[i];
    if (n > 0 && n <= kMaxHeaderBytes) {
      header.resize(n);
      if (std::fread(header.data(), 1, n, f) != n) header.clear();
    }
  }
  std::fclose(f);
  // Tensor names are JSON keys; looking for them as text is enough to tell the families apart.
  if (header.find("\"conditioner.embedders.1.") != std::string::npos) return "sdxl";
  if (header.find("\"model.diffusion_model.") != std::string::npos) return "sd1";
  if (header.find("\"lora_unet_") != std::string::npos || header.find(".lora_down.") != std::string::npos) return "lora";
  return "unknown";
}

Result<ModelScanReport> scan_models(Catalog& catalog, const std::vector<std::string>& dirs,
                                    const std::function<void(const std::string&)>& on_hashing) {
  ModelScanReport report;
  auto known = list_models(catalog);
  if (!known) return known.error();
  std::map<std::string, ModelEntry> by_path;
  for (auto& e : *known) by_path[e.path] = std::move(e);
  std::vector<Candidate> candidates;
  std::vector<std::string> roots;
  std::error_code ec;
  for (const auto& d : dirs) {
    if (!fs::is_directory(d, ec)) continue;  // model folders that do not exist are simply empty
    const std::string root = fs::weakly_canonical(d, ec).string();
    roots.push_back(root);
    walk(root, 0, candidates);
  }
  std::vector<ModelEntry> changed;
  std::map<std::string, bool> seen;
  for (const auto& c : candidates) {
    if (seen.count(c.path)) continue;
    seen[c.path] = true;
    ++report.found;
    struct stat st {};
    if (::stat(c.hashed.c_str(), &st) != 0) {
      report.errors.push_back(c.hashed + ": cannot stat");
      continue;
    }
    auto it = by_path.find(c.path);
    if (it != by_path.end() && it->second.size == st.st_size && it->second.mtime_ns == mtime_ns(st)) {
      ++report.unchanged;
      // Entries scanned before the old A1111 hash was kept get it now (64 KiB read).
      if (it->second.legacy_hash.empty() && c.hashed == c.path)
        if (auto legacy = a1111_legacy_hash(c.path)) {
          it->second.legacy_hash = *legacy;
          changed.push_back(it->second);
        }
      continue;
    }
    if (on_hashing) on_hashing(c.hashed);
    auto e = hash_candidate(c, st);
    if (!e) {
      report.errors.push_back(e.error().message);
      continue;
    }
    ++report.hashed;
    changed.push_back(std::move(*e));
  }
  std::vector<std::string> gone;
  for (const auto& [path, e] : by_path)
    if (!seen.count(path))
      for (const auto& root : roots)
        if ((path == root || is_under(path, root)) && !fs::exists(path, ec)) {
          gone.push_back(path);
          break;
        }
  report.removed = static_cast<int64_t>(gone.size());
  if (auto st = store_models(catalog, changed, gone); !st) return st.error();
  return report;
}

std::optional<std::string> model_family_at(const std::string& path) {
  if (auto c = model_at(path)) return c->family;
  return std::nullopt;
}

Result<std::string> a1111_legacy_hash(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(path + ": cannot open");
  std::string block(0x10000, '\0');
  size_t n = 0;
  if (std::fseek(f, 0x100000, SEEK_SET) == 0) n = std::fread(block.data(), 1, block.size(), f);
  std::fclose(f);
  block.resize(n);  // a file under 1 MiB hashes as A1111's does: the empty read
  return Sha256::hex(block.data(), block.size()).substr(0, 8);
}

Result<ModelEntry> registered_model(Catalog& catalog, const std::string& path,
                                    const std::function<void(const std::string&)>& on_hashing) {
  // A scan registers what it walked (below the model folder's canonical path, links not
  // followed); a path given by hand is looked up as written and as resolved.
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec).lexically_normal();
  auto c = model_at(absolute);
  if (!c) return make_error(path + ": not a model (a .safetensors checkpoint, a diffusers folder or a tiny-flow folder)");
  if (!c->path.empty() && c->path.back() == '/') c->path.pop_back();
  struct stat st {};
  if (::stat(c->hashed.c_str(), &st) != 0) return make_error(c->hashed + ": cannot stat");
  std::vector<std::string> names{c->path};
  if (auto resolved = fs::weakly_canonical(absolute, ec).string(); !ec && resolved != c->path) names.push_back(resolved);
  for (const auto& name : names) {
    auto known = find_model_by_path(catalog, name);
    if (!known) return known.error();
    if (*known && (*known)->size == st.st_size && (*known)->mtime_ns == mtime_ns(st)) return **known;
  }
  if (on_hashing) on_hashing(c->hashed);
  auto e = hash_candidate(*c, st);
  if (!e) return e.error();
  if (auto stored = store_models(catalog, {*e}); !stored) return stored.error();
  return *e;
}

}  // namespace provena
