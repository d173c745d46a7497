#include "importers/json_util.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "core/json_shape.h"
#include "core/limits.h"

namespace provena {

Result<nlohmann::json> parse_json_bounded(std::string_view text) {
  while (!text.empty() && (text.back() == '\0' || text.back() == ' ' || text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  if (auto problem = json_shape_error(text, kMaxImporterJsonDepth, limits::kMaxJsonValues))
    return make_error("JSON " + *problem);
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return make_error(std::string("invalid JSON: ") + e.what());
  }
}

std::optional<int64_t> json_to_int(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u <= uint64_t(INT64_MAX)) return static_cast<int64_t>(u);
    return std::nullopt;
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

std::optional<int> json_to_int32(const nlohmann::json& v) {
  auto n = json_to_int(v);
  if (!n || *n < INT32_MIN || *n > INT32_MAX) return std::nullopt;
  return static_cast<int>(*n);
}

std::optional<int> json_int32(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  return it == j.end() ? std::nullopt : json_to_int32(*it);
}

std::optional<double> json_to_number(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

bool parse_size_pair(std::string_view text, int& width, int& height) {
  int values[2];
  size_t i = 0;
  for (int k = 0; k < 2; ++k) {
    while (i < text.size() && !(text[i] >= '0' && text[i] <= '9')) {
      // Separators only: a sign or letter other than the "x" between the numbers is not a size.
      char c = text[i];
      if (!(c == ' ' || c == '(' || c == ',' || c == 'x' || c == 'X' || c == '*')) return false;
      ++i;
    }
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), values[k]);
    if (ec != std::errc() || p == text.data() + i) return false;
    i = static_cast<size_t>(p - text.data());
  }
  for (; i < text.size(); ++i)
    if (!(text[i] == ' ' || text[i] == ')')) return false;
  width = values[0];
  height = values[1];
  return true;
}

std::optional<std::string> json_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> json_int(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  return it == j.end() ? std::nullopt : json_to_int(*it);
}

std::optional<double> json_number(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  return it == j.end() ? std::nullopt : json_to_number(*it);
}

}  // namespace provena
