#include "app/gui/template_form.h"

namespace provena::gui {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls fn(line number, name, value text) for each "name = value" line.
template <typename Fn>
Status each_line(std::string_view text, const char* what, Fn&& fn) {
  size_t pos = 0;
  for (int number = 1; pos <= text.size(); ++number) {
    size_t nl = text.find('\n', pos);
    std::string_view line = trim(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    std::string_view name = eq == std::string_view::npos ? std::string_view() : trim(line.substr(0, eq));
    if (name.empty())
      return make_error(std::string(what) + " line " + std::to_string(number) + ": expected NAME = VALUE");
    if (auto st = fn(number, std::string(name), trim(line.substr(eq + 1))); !st) return st;
  }
  return Ok{};
}

}  // namespace

std::string slots_to_text(const SlotValues& slots) {
  std::string out;
  for (const auto& [name, values] : slots) {
    out += name + " =";
    for (size_t i = 0; i < values.size(); ++i) {
      out += i ? " | " : " ";
      for (char c : values[i]) {
        if (c == '|') out += '\\';
        if (c != '\n') out += c;
      }
    }
    out += '\n';
  }
  return out;
}

Result<SlotValues> slots_from_text(std::string_view text) {
  SlotValues out;
  auto st = each_line(text, "slot values", [&](int number, const std::string& name, std::string_view rest) -> Status {
    if (out.count(name)) return make_error("slot values line " + std::to_string(number) + ": {" + name + "} is listed twice");
    std::vector<std::string>& values = out[name];
    std::string value;
    auto flush = [&] {
      std::string_view v = trim(value);
      if (!v.empty()) values.emplace_back(v);
      value.clear();
    };
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == '|') value += rest[++i];
      else if (rest[i] == '|') flush();
      else value += rest[i];
    }
    flush();
    return Ok{};
  });
  if (!st) return st.error();
  return out;
}

std::string params_to_text(const TemplateParams& params) {
  std::string out;
  for (const auto& [k, v] : params) out += k + " = " + v + "\n";
  return out;
}

Result<TemplateParams> params_from_text(std::string_view text) {
  TemplateParams out;
  auto st = each_line(text, "parameters", [&](int, const std::string& name, std::string_view value) -> Status {
    out.emplace_back(name, std::string(value));
    return Ok{};
  });
  if (!st) return st.error();
  return out;
}

}  // namespace provena::gui
