// `provena`: the command-line face of the libraries. Parses arguments, calls the
// libraries, prints results. See ARCHITECTURE.md "CLI contract".
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: provena [--library DIR] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  inspect FILE... [--json] [--raw]   show the generation record a file carries (no library needed)\n"
    "  import PATH... [--json] [--threads N] [--pixel-hash]\n"
    "                                     add files and folders (recursive, incremental) to the library\n"
    "  import --rescan [...]              import every folder imported before again (changes only)\n"
    "  folders [list] [--json], folders forget PATH\n"
    "                                     the folders a rescan walks\n"
    "  search QUERY [--limit N] [--after CURSOR] [--json]\n"
    "                                     find images: words, \"phrases\", prefix*, -excluded, OR, ( ),\n"
    "                                     seed:N steps:>=20 cfg:5..8 model: sampler: tool: size:WxH\n"
    "                                     date:2026-01 neg: lora: template: path: has: sort:\n"
    "                                     (docs/search.md)\n"
    "  show ID|PATH [--json]              everything the library knows about one image\n"
    "  export --jsonl [--out FILE]        every record, one JSON object per line\n"
    "  generate PROMPT [--negative TEXT] [--seed N] [--steps N] [--cfg X] [--count N] [--rng cpu|philox]\n"
    "                  [--size WxH] [--device auto|cpu|cuda] [--model DIR] [--out DIR] [--json]\n"
    "                                     make images with the embedded model, recorded and indexed\n"
    "  reproduce ID|PATH [--json]         regenerate an archived image and compare: identical / near /\n"
    "                                     similar / diverged, PSNR, a difference heat map\n"
    "  eval [--model DIR] [--prompts N] [--positionless N] [--dump DIR] [--json]\n"
    "                                     score the embedded model on held-out prompts (background,\n"
    "                                     colour, shape, position)\n"
    "  stats keywords [--query Q] [--negative] [--kind K] [--limit N] [--json]\n"
    "  stats keyword|cooccur KEYWORD [--query Q] [--json]\n"
    "  stats trend KEYWORD [--by day|week|month] [--query Q] [--json]\n"
    "  stats usage --by model|tool|sampler|scheduler|lora|size [--query Q] [--json]\n"
    "                                     prompt-keyword statistics\n"
    "  template add NAME --prompt TEXT [--negative TEXT] [--slot S=a|b] [--param K=V]\n"
    "  template edit|show|rm NAME, template list [--json]\n"
    "  template expand NAME [--all | --count N --seed S] [--set S=a|b] [--json]\n"
    "  template suggest [--query Q] [--save N --name NAME] [--json]\n"
    "  template export|import FILE, template wildcard NAME [VALUE... | --from FILE | --rm]\n"
    "                                     the prompt-template library\n"
    "  gui [--query Q] [--tab library|generate|templates|import|statistics] [--select ID] [--import PATH]\n"
    "      [--template NAME] [--model PATH] [--screenshot FILE]\n"
    "                                     the desktop app on this library (docs/gui.md)\n"
    "  models scan [DIR...] [--json], models list [--json]\n"
    "                                     the models registry: checkpoints and model folders with their\n"
    "                                     SHA-256 and A1111 short hash (what reproduce looks up)\n"
    "  pixel-hash [--limit N]             compute pixel hashes the import left for later\n"
    "  demo [--dir DIR]                   write sample images, import and search them\n"
    "\n"
    "The library is --library DIR, else $PROVENA_LIBRARY, else $XDG_DATA_HOME/provena.\n"
    "Exit status: 0 success, 1 some input failed, 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace provena::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  // Global options may come before the command; pass them on to it.
  std::vector<std::string> globals;
  while (!args.empty() && args[0].rfind("--library", 0) == 0) {
    globals.push_back(args[0]);
    args.erase(args.begin());
    if (globals.back() == "--library" && !args.empty()) {
      globals.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    std::printf("provena %s\n", PROVENA_VERSION);
    return kExitOk;
  }
  static const std::map<std::string, int (*)(const std::vector<std::string>&)> kCommands = {
      {"inspect", cmd_inspect}, {"import", cmd_import}, {"search", cmd_search},        {"show", cmd_show},
      {"export", cmd_export},   {"demo", cmd_demo},     {"pixel-hash", cmd_pixel_hash}, {"stats", cmd_stats},
      {"template", cmd_template}, {"generate", cmd_generate}, {"reproduce", cmd_reproduce},
      {"gui", cmd_gui}, {"eval", cmd_eval}, {"folders", cmd_folders}, {"models", cmd_models},
  };
  auto it = kCommands.find(args[0]);
  if (it == kCommands.end()) {
    std::fprintf(stderr, "provena: unknown command '%s'\n\n%s", args[0].c_str(), kUsage);
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  rest.insert(rest.end(), globals.begin(), globals.end());
  try {
    return it->second(rest);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "provena %s: %s\n(see provena help)\n", args[0].c_str(), e.message.c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "provena %s: internal error: %s\n", args[0].c_str(), e.what());
    return kExitFailures;
  }
}
