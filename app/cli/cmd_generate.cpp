// `provena generate ...` and `provena reproduce ...` run build/provena-generate (same
// folder as this binary) with the command name and the same arguments. Generation needs libtorch, whose load costs ~0.3 s and ~160 MB;
// keeping it in a separate process keeps search, inspect, import and stats instant.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/cli/commands.h"
#include "app/library/library.h"

namespace provena::cli {

namespace {

// A program installed beside this one (build/provena-generate, build/provena-gui).
std::string sibling_path(const char* name) {
  std::error_code ec;
  return (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / name).string();
}
std::string helper_path() { return sibling_path("provena-generate"); }

// argv for PROGRAM [COMMAND] ARGS...; the strings must outlive the result.
std::vector<char*> helper_argv(const std::string& helper, const char* command, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.push_back(const_cast<char*>(helper.c_str()));
  if (command) args.push_back(const_cast<char*>(command));
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

int run_generator_process(const char* command, const std::vector<std::string>& argv) {
  const std::string helper = helper_path();
  auto args = helper_argv(helper, command, argv);
  std::fflush(stdout);
  ::execv(helper.c_str(), args.data());
  std::fprintf(stderr, "provena %s: cannot run %s: %s (build it with the generator: libtorch-dev)\n", command,
               helper.c_str(), std::strerror(errno));
  return kExitFailures;
}

}  // namespace

int run_generator_and_wait(const char* command, const std::vector<std::string>& argv) {
  const std::string helper = helper_path();
  auto args = helper_argv(helper, command, argv);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, helper.c_str(), nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool generator_available() { return std::filesystem::exists(helper_path()) && !embedded_model_dir().empty(); }

int cmd_generate(const std::vector<std::string>& argv) { return run_generator_process("generate", argv); }
int cmd_reproduce(const std::vector<std::string>& argv) { return run_generator_process("reproduce", argv); }
int cmd_eval(const std::vector<std::string>& argv) { return run_generator_process("eval", argv); }

// `provena gui ...` is provena-gui: the window's libraries (GLFW, OpenGL) stay out of the CLI.
int cmd_gui(const std::vector<std::string>& argv) {
  const std::string gui = sibling_path("provena-gui");
  auto args = helper_argv(gui, nullptr, argv);
  std::fflush(stdout);
  ::execv(gui.c_str(), args.data());
  std::fprintf(stderr, "provena gui: cannot run %s: %s (build it with the GUI: libimgui-dev, libglfw3-dev)\n", gui.c_str(),
               std::strerror(errno));
  return kExitFailures;
}

}  // namespace provena::cli
