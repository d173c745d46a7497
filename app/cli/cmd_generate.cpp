// `provena generate ...` and `provena reproduce ...` run build/provena-generate (same
// folder as this binary) with the command name and the same arguments. Generation needs libtorch, whose load costs ~0.3 s and ~160 MB;
// keeping it in a separate process keeps search, inspect, import and stats instant.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/cli/commands.h"

namespace provena::cli {

namespace {

int run_generator_process(const char* command, const std::vector<std::string>& argv) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string helper = (exe.parent_path() / "provena-generate").string();
  std::vector<char*> args;
  args.push_back(const_cast<char*>(helper.c_str()));
  args.push_back(const_cast<char*>(command));
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(stdout);
  ::execv(helper.c_str(), args.data());
  std::fprintf(stderr, "provena %s: cannot run %s: %s (build it with the generator: libtorch-dev)\n", command,
               helper.c_str(), std::strerror(errno));
  return kExitFailures;
}

}  // namespace

int cmd_generate(const std::vector<std::string>& argv) { return run_generator_process("generate", argv); }
int cmd_reproduce(const std::vector<std::string>& argv) { return run_generator_process("reproduce", argv); }

}  // namespace provena::cli
