#include "core/infotext.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/text.h"

namespace provena {
namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_key_char(char c) { return is_word_char(c) || c == ' ' || c == '-' || c == '/'; }

// Length of a JSON string literal starting at s[0] == '"', or 0 if unterminated.
size_t quoted_length(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return 0;
}

// Length of a balanced {...} or [...] starting at s[0], honouring strings; 0 if unbalanced.
size_t bracket_length(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      size_t q = quoted_length(s.substr(i));
      if (!q) return 0;
      i += q - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return 0;
}

std::string unquote(std::string_view v) {
  // Most quoted values (`Lora hashes: "a: 1, b: 2"`) hold no escapes: what JSON would
  // give is the text between the quotes, when JSON would accept it at all.
  std::string_view inner = v.substr(1, v.size() - 2);
  if (inner.find('\\') == std::string_view::npos &&
      std::none_of(inner.begin(), inner.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }) &&
      is_valid_utf8(inner)) {
    return std::string(inner);
  }
  try {
    return nlohmann::json::parse(v).get<std::string>();
  } catch (const std::exception&) {
    return std::string(v);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  s = trim(s);
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string quote_if_needed(const std::string& v) {
  // A1111 quote(): JSON-encode only values containing ',', ':' or a newline.
  if (v.find_first_of(",:\n") == std::string::npos) return v;
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_infotext_params(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(16);  // A1111 writes 10-20; room for them saves five regrowths of the pairs
  size_t i = 0;
  const size_t n = line.size();
  // A failed scan for a closing quote or bracket ran to the end of the line; later ones
  // would too (for quotes exactly, for brackets nearly), so they are not tried again.
  // Without this, many unclosed openers make the parse quadratic (found by fuzzing).
  bool quotes_close = true, brackets_close = true;
  while (i < n) {
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == ',')) ++i;
    if (i >= n) break;
    size_t key_start = i;
    if (!is_word_char(line[i])) {  // not a key: skip to the next comma
      while (i < n && line[i] != ',') ++i;
      continue;
    }
    while (i < n && is_key_char(line[i])) ++i;
    if (i >= n || line[i] != ':' || i - key_start < 2) {
      while (i < n && line[i] != ',') ++i;
      continue;
    }
    std::string key(trim(line.substr(key_start, i - key_start)));
    ++i;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string value;
    size_t len = 0;
    if (i < n && line[i] == '"' && quotes_close && (len = quoted_length(line.substr(i)))) {
      value = unquote(line.substr(i, len));
    } else if (i < n && (line[i] == '{' || line[i] == '[') && brackets_close &&
               (len = bracket_length(line.substr(i)))) {
      value = std::string(line.substr(i, len));  // unquoted JSON, kept verbatim
    } else {
      if (i < n && line[i] == '"') quotes_close = false;
      if (i < n && (line[i] == '{' || line[i] == '[')) brackets_close = false;
      size_t end = line.find(',', i);
      if (end == std::string_view::npos) end = n;
      len = end - i;
      value = std::string(trim(line.substr(i, len)));
    }
    i += len;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Infotext parse_infotext(std::string_view text) {
  // Exact substrings, nothing trimmed (prompts keep trailing spaces, blank lines and
  // CRs): the parameter line is the last line if it holds at least 3 "key: value"
  // pairs (A1111's rule); exactly one '\n' separates it from the text above; that text
  // splits at the first line starting with "Negative prompt:", whose one following
  // space is dropped.
  Infotext info;
  std::string_view view = text;
  while (!view.empty() && (view.back() == '\n' || view.back() == '\r')) view.remove_suffix(1);
  std::string_view body = text;
  size_t last_nl = view.rfind('\n');
  std::string_view last_line = last_nl == std::string_view::npos ? view : view.substr(last_nl + 1);
  auto params = parse_infotext_params(last_line);
  if (params.size() >= 3) {
    info.params = std::move(params);
    body = last_nl == std::string_view::npos ? std::string_view() : view.substr(0, last_nl);
  }
  static constexpr std::string_view kNegative = "Negative prompt:";
  size_t neg = std::string_view::npos;
  if (body.substr(0, kNegative.size()) == kNegative) {
    neg = 0;
  } else if (size_t p = body.find("\nNegative prompt:"); p != std::string_view::npos) {
    neg = p + 1;
  }
  if (neg == std::string_view::npos) {
    info.prompt = std::string(body);
    return info;
  }
  info.prompt = std::string(neg == 0 ? std::string_view() : body.substr(0, neg - 1));
  std::string_view negative = body.substr(neg + kNegative.size());
  if (!negative.empty() && negative.front() == ' ') negative.remove_prefix(1);
  info.negative_prompt = std::string(negative);
  return info;
}

void apply_infotext(Infotext info, Record& r) {
  r.prompt = std::move(info.prompt);
  r.negative_prompt = std::move(info.negative_prompt);
  for (auto& [key, v] : info.params) {
    // Keys compare case-insensitively: one writer spells "CFG Scale". The known keys are
    // short; a longer one is none of them.
    char lowered[16];
    if (key.size() > sizeof lowered) {
      r.extra.emplace_back(std::move(key), std::move(v));
      continue;
    }
    for (size_t i = 0; i < key.size(); ++i)
      lowered[i] = key[i] >= 'A' && key[i] <= 'Z' ? static_cast<char>(key[i] - 'A' + 'a') : key[i];
    const std::string_view k(lowered, key.size());
    if (k == "steps") {
      if (auto n = parse_number<int>(v)) { r.steps = n; continue; }
    } else if (k == "sampler") {
      r.sampler = std::move(v); continue;
    } else if (k == "schedule type") {
      r.scheduler = std::move(v); continue;
    } else if (k == "cfg scale") {
      if (auto d = parse_double(v)) { r.cfg_scale = d; continue; }
    } else if (k == "seed") {
      if (auto n = parse_number<int64_t>(v)) { r.seed = n; continue; }
    } else if (k == "size") {
      size_t x = v.find('x');
      if (x != std::string::npos) {
        auto w = parse_number<int>(std::string_view(v).substr(0, x));
        auto h = parse_number<int>(std::string_view(v).substr(x + 1));
        if (w && h) { r.requested_width = w; r.requested_height = h; continue; }
      }
    } else if (k == "model hash") {
      r.model_hash = std::move(v); continue;
    } else if (k == "model") {
      r.model = std::move(v); continue;
    }
    r.extra.emplace_back(std::move(key), std::move(v));  // unknown, or a known key whose value did not parse
  }
}

std::string format_decimal(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? p : buf);
  if (std::isfinite(v) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string format_infotext(const Record& r) {
  std::string out = r.prompt.value_or("");
  if (r.negative_prompt && !r.negative_prompt->empty()) out += "\nNegative prompt: " + *r.negative_prompt;
  std::vector<std::pair<std::string, std::string>> params;
  if (r.steps) params.emplace_back("Steps", std::to_string(*r.steps));
  if (r.sampler) params.emplace_back("Sampler", *r.sampler);
  if (r.scheduler) params.emplace_back("Schedule type", *r.scheduler);
  if (r.cfg_scale) params.emplace_back("CFG scale", format_decimal(*r.cfg_scale));
  if (r.seed) params.emplace_back("Seed", std::to_string(*r.seed));
  if (r.requested_width && r.requested_height)
    params.emplace_back("Size", std::to_string(*r.requested_width) + "x" + std::to_string(*r.requested_height));
  if (r.model_hash) params.emplace_back("Model hash", *r.model_hash);
  if (r.model) params.emplace_back("Model", *r.model);
  for (const auto& kv : r.extra) params.push_back(kv);
  if (params.empty()) return out;
  out += '\n';
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += ", ";
    out += params[i].first + ": " + quote_if_needed(params[i].second);
  }
  return out;
}

}  // namespace provena
