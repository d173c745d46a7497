// `provena import PATH... | --rescan [--json] [--threads N] [--pixel-hash]`, `provena folders`
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/library/import.h"
#include "app/library/scan.h"
#include "db/import_folders.h"

namespace provena::cli {

namespace {

void draw_progress(const ImportProgress& p) {
  const int width = 30;
  int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
  std::fprintf(stderr, "\r[%s%s] %lld/%lld files", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<long long>(p.done),
               static_cast<long long>(p.total));
  if (p.done == p.total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace

int cmd_import(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--pixel-hash", "--rescan"}, {"--threads"});
  const bool rescan = args.flag("--rescan");
  if (args.positional().empty() && !rescan) throw UsageError{"import needs at least one PATH (or --rescan)"};
  if (!args.positional().empty() && rescan) throw UsageError{"import takes PATHs or --rescan, not both"};
  ImportOptions options;
  options.threads = static_cast<int>(args.int_option("--threads", 0, 0, 256));
  const bool json = args.flag("--json");
  if (!json && ::isatty(STDERR_FILENO)) options.on_progress = draw_progress;
  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  auto report = rescan ? rescan_import_folders(*catalog, options) : import_paths(*catalog, args.positional(), options);
  if (!report) {
    std::fprintf(stderr, "provena: import stopped: %s\n", report.error().message.c_str());
    return kExitFailures;
  }
  std::optional<PixelHashReport> pixels;
  if (args.flag("--pixel-hash")) {
    auto p = compute_pixel_hashes(*catalog, INT64_MAX, options.threads);
    if (!p) {
      std::fprintf(stderr, "provena: pixel hashing stopped: %s\n", p.error().message.c_str());
      return kExitFailures;
    }
    pixels = std::move(p.value());
    for (auto& f : pixels->failures) report->failures.push_back(f);
  }
  const auto& r = *report;
  std::map<std::string, int> by_category;
  for (const auto& f : r.failures) ++by_category[f.category];
  if (json) {
    nlohmann::ordered_json j;
    j["scanned"] = r.scanned;
    j["new"] = r.stored.new_assets;
    j["duplicates"] = r.stored.duplicates;
    j["moved"] = r.stored.moved;
    j["updated"] = r.stored.updated;
    j["unchanged"] = r.unchanged;
    j["missing"] = r.missing;
    j["failed"] = r.failures.size();
    if (pixels) j["pixel_hashed"] = pixels->hashed;
    j["seconds"] = r.seconds;
    j["store_seconds"] = r.store_seconds;
    j["checkpoint_seconds"] = r.checkpoint_seconds;
    j["failures"] = nlohmann::ordered_json::array();
    for (const auto& f : r.failures)
      j["failures"].push_back({{"path", f.path}, {"category", f.category}, {"error", f.message}});
    j["warnings"] = nlohmann::ordered_json::array();  // stored, without what was damaged
    for (const auto& w : r.warnings)
      j["warnings"].push_back({{"path", w.path}, {"category", w.category}, {"warning", w.message}});
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  } else {
    for (const auto& f : r.failures) std::fprintf(stderr, "provena: %s\n", f.message.c_str());
    for (const auto& w : r.warnings) std::fprintf(stderr, "provena: warning: %s\n", w.message.c_str());
    std::printf("scanned %lld files in %.2f s: %lld new, %lld duplicates, %lld moved, %lld updated, %lld unchanged",
                static_cast<long long>(r.scanned), r.seconds, static_cast<long long>(r.stored.new_assets),
                static_cast<long long>(r.stored.duplicates), static_cast<long long>(r.stored.moved),
                static_cast<long long>(r.stored.updated), static_cast<long long>(r.unchanged));
    if (r.missing) std::printf(", %lld missing", static_cast<long long>(r.missing));
    std::printf(", %zu failed", r.failures.size());
    if (!by_category.empty()) {
      std::printf(" (");
      bool first = true;
      for (const auto& [cat, n] : by_category) {
        std::printf("%s%s: %d", first ? "" : ", ", cat.c_str(), n);
        first = false;
      }
      std::printf(")");
    }
    if (!r.warnings.empty()) std::printf("; %zu stored without damaged metadata", r.warnings.size());
    std::printf("\n");
    if (pixels) std::printf("pixel hashes computed: %lld\n", static_cast<long long>(pixels->hashed));
  }
  return r.failures.empty() ? kExitOk : kExitFailures;
}

int cmd_folders(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {});
  const auto& pos = args.positional();
  if (!pos.empty() && pos[0] != "list" && pos[0] != "forget") throw UsageError{"unknown folders command '" + pos[0] + "'"};
  if (!pos.empty() && pos[0] == "forget") {
    if (pos.size() != 2) throw UsageError{"folders forget needs exactly one PATH"};
    auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
    if (!catalog) return kExitFailures;
    if (auto st = forget_import_folder(*catalog, normalize_path(pos[1])); !st) {
      std::fprintf(stderr, "provena: %s\n", st.error().message.c_str());
      return kExitFailures;
    }
    std::fprintf(stderr, "no longer rescanning %s (its images stay in the library)\n", pos[1].c_str());
    return kExitOk;
  }
  if (pos.size() > 1) throw UsageError{"folders list takes no arguments"};
  auto catalog = open_catalog(args, Catalog::Mode::kReadOnly);
  if (!catalog) return kExitFailures;
  auto folders = list_import_folders(*catalog);
  if (!folders) {
    std::fprintf(stderr, "provena: %s\n", folders.error().message.c_str());
    return kExitFailures;
  }
  if (args.flag("--json")) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& f : *folders) {
      nlohmann::ordered_json j = {{"path", f.path}, {"added_at", f.added_at}};
      j["scanned_at"] = f.scanned_at ? nlohmann::ordered_json(*f.scanned_at) : nlohmann::ordered_json();
      j["files"] = f.files;
      j["failures"] = f.failures;
      a.push_back(std::move(j));
    }
    std::printf("%s\n", a.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  for (const auto& f : *folders) {
    if (f.scanned_at)
      std::printf("%s  %lld files, %lld failed\n", f.path.c_str(), static_cast<long long>(f.files),
                  static_cast<long long>(f.failures));
    else
      std::printf("%s  (not scanned completely yet)\n", f.path.c_str());
  }
  if (folders->empty()) std::fprintf(stderr, "no folders imported yet: provena import FOLDER\n");
  return kExitOk;
}

int cmd_pixel_hash(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {"--limit", "--threads"});
  if (!args.positional().empty()) throw UsageError{"pixel-hash takes no arguments"};
  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  auto report = compute_pixel_hashes(*catalog, args.int_option("--limit", INT64_MAX, 1, INT64_MAX),
                                     static_cast<int>(args.int_option("--threads", 0, 0, 256)));
  if (!report) {
    std::fprintf(stderr, "provena: %s\n", report.error().message.c_str());
    return kExitFailures;
  }
  for (const auto& f : report->failures) std::fprintf(stderr, "provena: %s\n", f.message.c_str());
  if (args.flag("--json"))
    std::printf("{\"hashed\": %lld, \"failed\": %zu}\n", static_cast<long long>(report->hashed), report->failures.size());
  else
    std::printf("pixel hashes computed: %lld, failed: %zu\n", static_cast<long long>(report->hashed),
                report->failures.size());
  return report->failures.empty() ? kExitOk : kExitFailures;
}

}  // namespace provena::cli
