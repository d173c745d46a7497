// One function per `provena` command. Each returns the process exit code:
// 0 success, 1 some input failed (each failure reported), 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace provena::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailures = 1;
inline constexpr int kExitUsage = 2;

int cmd_inspect(const std::vector<std::string>& args);
int cmd_import(const std::vector<std::string>& args);
int cmd_folders(const std::vector<std::string>& args);
int cmd_models(const std::vector<std::string>& args);
int cmd_search(const std::vector<std::string>& args);
int cmd_show(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_pixel_hash(const std::vector<std::string>& args);
int cmd_demo(const std::vector<std::string>& args);
int cmd_stats(const std::vector<std::string>& args);
int cmd_generate(const std::vector<std::string>& args);
int cmd_reproduce(const std::vector<std::string>& args);
int cmd_gui(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);

// Runs provena-generate COMMAND ARGS... and waits: its exit status, -1 when it cannot run.
int run_generator_and_wait(const char* command, const std::vector<std::string>& args);
// provena-generate is built and the embedded model is found.
bool generator_available();
int cmd_template(const std::vector<std::string>& args);

}  // namespace provena::cli
