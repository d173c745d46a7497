// `provena search QUERY [--limit N] [--json]`, `provena show ID|PATH [--json]`,
// `provena export --jsonl [--out FILE]`.
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/cli/output.h"
#include "app/library/scan.h"
#include "core/file_io.h"
#include "core/infotext.h"
#include "core/pixels.h"

namespace provena::cli {

int cmd_search(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {"--limit", "--after"});
  std::string query;
  for (const auto& p : args.positional()) query += (query.empty() ? "" : " ") + p;
  SearchOptions options;
  options.limit = static_cast<int>(args.int_option("--limit", 20, 1, 1000000));
  options.after = args.option("--after").value_or("");
  auto catalog = open_catalog(args, Catalog::Mode::kReadOnly);
  if (!catalog) return kExitFailures;
  auto page = catalog->search(query, options);
  if (!page) {
    std::fprintf(stderr, "provena: %s\n", page.error().message.c_str());
    // A malformed query is the user's input, like a usage error.
    return page.error().message.rfind("query error", 0) == 0 ? kExitUsage : kExitFailures;
  }
  const auto& hits = page->entries;
  if (args.flag("--json")) {
    // An array, as before paging existed; the cursor of the next page goes to stderr.
    std::printf("[");
    for (size_t i = 0; i < hits.size(); ++i) std::printf("%s\n%s", i ? "," : "", entry_json(hits[i], 2).c_str());
    std::printf("\n]\n");
    if (!page->next.empty()) std::fprintf(stderr, "next page: --after %s\n", page->next.c_str());
    return kExitOk;
  }
  for (const auto& e : hits) {
    const Record& r = e.record;
    std::printf("#%-7lld seed %-20s %3s steps  cfg %-5s %s\n", static_cast<long long>(e.id),
                r.seed ? std::to_string(*r.seed).c_str() : "-", r.steps ? std::to_string(*r.steps).c_str() : "-",
                r.cfg_scale ? format_decimal(*r.cfg_scale).c_str() : "-",
                e.primary_path().value_or("(no file)").c_str());
    if (r.prompt) std::printf("         %s\n", one_line(*r.prompt, 110).c_str());
  }
  std::fprintf(stderr, "%zu result%s%s%s\n", hits.size(), hits.size() == 1 ? "" : "s",
               page->next.empty() ? "" : "; next page: --after ", page->next.c_str());
  return kExitOk;
}

int cmd_show(const std::vector<std::string>& argv) {
  Args args(argv, {"--json"}, {});
  if (args.positional().size() != 1) throw UsageError{"show needs exactly one ID or PATH"};
  const std::string& what = args.positional()[0];
  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  bool numeric = !what.empty() && what.find_first_not_of("0123456789") == std::string::npos;
  auto found = numeric ? catalog->get(std::stoll(what)) : catalog->find_by_path(normalize_path(what));
  if (!found) {
    std::fprintf(stderr, "provena: %s\n", found.error().message.c_str());
    return kExitFailures;
  }
  if (!*found) {
    std::fprintf(stderr, "provena: %s: not in the catalog\n", what.c_str());
    return kExitFailures;
  }
  Entry& e = **found;
  // The pixel hash is computed on demand when the background pass has not reached it.
  if (!e.pixel_hash && e.primary_path() && !e.files.front().missing) {
    if (auto bytes = read_file(*e.primary_path())) {
      if (auto h = pixel_hash_of_file_bytes(*bytes)) {
        e.pixel_hash = *h;
        catalog->set_pixel_hashes({{e.id, *h}});
      }
    }
  }
  if (args.flag("--json")) {
    std::printf("%s\n", entry_json(e, 2).c_str());
    return kExitOk;
  }
  print_entry_text(stdout, e, true);
  if (auto same = catalog->same_pixels_as(e.id); same && !same->empty()) {
    std::string ids;
    for (int64_t id : *same) ids += (ids.empty() ? "#" : ", #") + std::to_string(id);
    std::printf("  %-17s %s\n", "same pixels:", ids.c_str());
  }
  return kExitOk;
}

int cmd_export(const std::vector<std::string>& argv) {
  Args args(argv, {"--jsonl"}, {"--out"});
  if (!args.flag("--jsonl")) throw UsageError{"export needs a format: --jsonl"};
  if (!args.positional().empty()) throw UsageError{"export takes no arguments"};
  auto catalog = open_catalog(args, Catalog::Mode::kReadOnly);
  if (!catalog) return kExitFailures;
  std::FILE* out = stdout;
  if (auto path = args.option("--out")) {
    out = std::fopen(path->c_str(), "w");
    if (!out) {
      std::fprintf(stderr, "provena: %s: cannot write\n", path->c_str());
      return kExitFailures;
    }
  }
  long long n = 0;
  auto st = catalog->for_each([&](const Entry& e) {
    std::fprintf(out, "%s\n", entry_json(e).c_str());
    ++n;
    return true;
  });
  if (out != stdout) std::fclose(out);
  if (!st) {
    std::fprintf(stderr, "provena: %s\n", st.error().message.c_str());
    return kExitFailures;
  }
  std::fprintf(stderr, "exported %lld records\n", n);
  return kExitOk;
}

}  // namespace provena::cli
