// `provena inspect FILE... [--json]`: what a file says about how it was made, like
// A1111's PNG Info. Needs no library.
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/output.h"
#include "app/library/read_image.h"
#include "core/file_io.h"
#include "core/record_json.h"
#include "importers/importer.h"

namespace provena::cli {

int cmd_inspect(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--raw"}, {});
  if (args.positional().empty()) throw UsageError{"inspect needs at least one FILE"};
  const bool json = args.flag("--json");
  int failed = 0;
  if (json) std::printf("[");
  bool first = true;
  for (const auto& path : args.positional()) {
    ContractFields facts;
    facts.path = path;
    std::optional<ImportedImage> image;
    auto bytes = read_file(path);
    if (!bytes) {
      facts.error = bytes.error().message;
    } else {
      auto meta = read_image_with_sidecar(path, *bytes);
      if (meta) {
        image = std::move(meta.value());
        facts.image = image->image;
        facts.warnings = image->warnings;
      } else {
        facts.error = path + ": " + meta.error().message;
      }
    }
    if (facts.error) ++failed;
    if (json) {
      std::printf("%s\n%s", first ? "" : ",", contract_json(image ? &image->record : nullptr, facts, 2).c_str());
      first = false;
      continue;
    }
    if (facts.error) {
      std::fprintf(stderr, "provena: %s\n", facts.error->c_str());
      continue;
    }
    for (const auto& w : facts.warnings) std::fprintf(stderr, "provena: warning: %s: %s\n", path.c_str(), w.c_str());
    Entry e;
    e.image = image->image;
    e.record = image->record;
    e.byte_size = static_cast<int64_t>(bytes->size());
    e.content_hash = xxh3_128(bytes->data(), bytes->size());
    e.files.push_back({path, false});
    print_entry_text(stdout, e, true);
    if (args.flag("--raw"))
      for (const auto& t : e.record.raw) std::printf("  [%s %s]\n%s\n", t.container.c_str(), t.key.c_str(), t.text.c_str());
  }
  if (json) std::printf("\n]\n");
  return failed ? kExitFailures : kExitOk;
}

}  // namespace provena::cli
