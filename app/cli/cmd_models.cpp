// `provena models scan [DIR...] [--json]`, `provena models list [--json]`: the models registry.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/library/library.h"
#include "app/library/models.h"
#include "db/model_registry.h"

namespace provena::cli {

int cmd_models(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {});
  const auto& pos = args.positional();
  const std::string sub = pos.empty() ? "list" : pos[0];
  if (sub != "scan" && sub != "list") throw UsageError{"models needs a command: scan [DIR...], list"};
  if (sub == "list" && pos.size() > 1) throw UsageError{"models list takes no arguments"};
  auto catalog = open_catalog(args, sub == "scan" ? Catalog::Mode::kReadWrite : Catalog::Mode::kReadOnly);
  if (!catalog) return kExitFailures;
  if (sub == "scan") {
    // The folders named, else where models are looked for: the embedded model,
    // $PROVENA_MODELS, LIBRARY/models.
    std::vector<std::string> dirs(pos.begin() + 1, pos.end());
    if (dirs.empty()) dirs = model_search_dirs(resolve_library_dir(args.option("--library").value_or("")));
    const bool tty = ::isatty(STDERR_FILENO) && !args.flag("--json");
    auto report = scan_models(*catalog, dirs, [&](const std::string& file) {
      if (tty) std::fprintf(stderr, "hashing %s\n", file.c_str());
    });
    if (!report) {
      std::fprintf(stderr, "provena: %s\n", report.error().message.c_str());
      return kExitFailures;
    }
    for (const auto& e : report->errors) std::fprintf(stderr, "provena: %s\n", e.c_str());
    if (args.flag("--json"))
      std::printf("%s\n", nlohmann::json({{"found", report->found}, {"hashed", report->hashed},
                                          {"unchanged", report->unchanged}, {"removed", report->removed},
                                          {"errors", report->errors}})
                              .dump(2)
                              .c_str());
    else
      std::printf("%lld models: %lld hashed, %lld unchanged, %lld removed\n", static_cast<long long>(report->found),
                  static_cast<long long>(report->hashed), static_cast<long long>(report->unchanged),
                  static_cast<long long>(report->removed));
    return report->errors.empty() ? kExitOk : kExitFailures;
  }
  auto models = list_models(*catalog);
  if (!models) {
    std::fprintf(stderr, "provena: %s\n", models.error().message.c_str());
    return kExitFailures;
  }
  if (args.flag("--json")) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& m : *models)
      a.push_back({{"name", m.name}, {"family", m.family}, {"hash", m.short_hash}, {"sha256", m.sha256},
                   {"legacy_hash", m.legacy_hash}, {"path", m.path}});
    std::printf("%s\n", a.dump(2).c_str());
    return kExitOk;
  }
  for (const auto& m : *models) std::printf("%s  %-10s %s  %s\n", m.short_hash.c_str(), m.family.c_str(), m.name.c_str(), m.path.c_str());
  if (models->empty()) std::fprintf(stderr, "no models registered yet: provena models scan [DIR...]\n");
  return kExitOk;
}

}  // namespace provena::cli
