#include "app/cli/args.h"

#include <charconv>

namespace provena::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
           const std::set<std::string>& options) {
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || (a[1] != '-' && a != "-h")) {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    if (flags.count(name)) {
      if (has_value) throw UsageError{name + " takes no value"};
      flags_.insert(name);
    } else if (options.count(name) || kGlobalOptions.count(name)) {
      if (!has_value) {
        if (i + 1 >= argv.size()) throw UsageError{name + " needs a value"};
        value = argv[++i];
      }
      options_[name] = value;
      repeated_[name].push_back(value);
    } else {
      throw UsageError{"unknown option " + name};
    }
  }
}

std::optional<std::string> Args::option(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>() : it->second;
}

long long Args::int_option(const std::string& name, long long fallback, long long min, long long max) const {
  auto v = option(name);
  if (!v) return fallback;
  long long n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < min || n > max)
    throw UsageError{name + " expects an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", got '" + *v + "'"};
  return n;
}

}  // namespace provena::cli
