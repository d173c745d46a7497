// Minimal argument handling for the `provena` command: options may appear anywhere after
// the command; `--` ends options.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace provena::cli {

struct UsageError {
  std::string message;
};

class Args {
 public:
  // `flags` take no value, `options` take one. Throws UsageError on unknown options.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& flags, const std::set<std::string>& options);
  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  std::optional<std::string> option(const std::string& name) const;  // the last one given
  std::vector<std::string> all(const std::string& name) const;        // every one, in order
  long long int_option(const std::string& name, long long fallback, long long min, long long max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::string> options_;
  std::map<std::string, std::vector<std::string>> repeated_;
  std::vector<std::string> positional_;
};

// Options every command accepts.
inline const std::set<std::string> kGlobalOptions = {"--library"};

}  // namespace provena::cli
