#include "app/library/models.h"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

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

void walk(const fs::path& dir, int depth, std::vector<Candidate>& out) {
  std::error_code ec;
  // A model folder is one model: do not look inside it.
  if (fs::exists(dir / "model.json", ec) && fs::exists(dir / "model.safetensors", ec)) {
    out.push_back({dir.string(), (dir / "model.safetensors").string(), "tiny-flow", dir.filename().string()});
    return;
  }
  if (fs::exists(dir / "unet" / "config.json", ec) && fs::exists(dir / "text_encoder", ec)) {
    for (const char* w : {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"})
      if (fs::exists(dir / "unet" / w, ec)) {
        out.push_back({dir.string(), (dir / "unet" / w).string(), "sd1", dir.filename().string()});
        break;
      }
    return;
  }
  if (depth > kMaxDepth) return;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.filename().string().rfind('.', 0) == 0) continue;  // hidden
    if (it->is_directory(ec) && !it->is_symlink(ec)) walk(p, depth + 1, out);
    else if (p.extension() == ".safetensors" && it->is_regular_file(ec))
      out.push_back({p.string(), p.string(), checkpoint_family(p.string()), p.stem().string()});
  }
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
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& c : candidates) {
    if (seen.count(c.path)) continue;
    seen[c.path] = true;
    ++report.found;
    struct stat st {};
    if (::stat(c.hashed.c_str(), &st) != 0) {
      report.errors.push_back(c.hashed + ": cannot stat");
      continue;
    }
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    auto it = by_path.find(c.path);
    if (it != by_path.end() && it->second.size == st.st_size && it->second.mtime_ns == mtime) {
      ++report.unchanged;
      continue;
    }
    if (on_hashing) on_hashing(c.hashed);
    auto sha = sha256_file(c.hashed);
    if (!sha) {
      report.errors.push_back(sha.error().message);
      continue;
    }
    ++report.hashed;
    changed.push_back({c.path, static_cast<int64_t>(st.st_size), mtime, *sha, sha->substr(0, 10), c.family, c.name, now});
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

}  // namespace provena
