#include "app/gui/query_terms.h"

#include <vector>

namespace provena::gui {
namespace {

struct Token {
  size_t begin, end;  // [begin, end) in the query, a run of non-space text (quotes kept whole)
};

std::vector<Token> tokens(const std::string& q) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && q[i] == ' ') ++i;
    if (i >= q.size()) break;
    const size_t begin = i;
    bool quoted = false;
    while (i < q.size() && (quoted || q[i] != ' ')) {
      if (q[i] == '"') quoted = !quoted;
      ++i;
    }
    out.push_back({begin, i});
  }
  return out;
}

bool is_term_of(const std::string& q, const Token& t, const std::string& field) {
  if (t.end - t.begin <= field.size() || q[t.begin + field.size()] != ':') return false;
  for (size_t k = 0; k < field.size(); ++k) {
    char c = q[t.begin + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != field[k]) return false;
  }
  return true;
}

}  // namespace

std::string field_term(const std::string& query, const std::string& field) {
  for (const auto& t : tokens(query)) {
    if (!is_term_of(query, t, field)) continue;
    std::string value = query.substr(t.begin + field.size() + 1, t.end - t.begin - field.size() - 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

std::string with_field_term(const std::string& query, const std::string& field, const std::string& value) {
  std::string out;
  for (const auto& t : tokens(query)) {
    if (is_term_of(query, t, field)) continue;
    if (!out.empty()) out += ' ';
    out.append(query, t.begin, t.end - t.begin);
  }
  std::string clean;
  for (char c : value)
    if (c != '"') clean.push_back(c);
  if (clean.empty()) return out;
  const bool quote = clean.find_first_of(" ()\t") != std::string::npos;
  if (!out.empty()) out += ' ';
  out += field + ":" + (quote ? "\"" + clean + "\"" : clean);
  return out;
}

std::string date_range_value(const std::string& from, const std::string& to) {
  if (from.empty() && to.empty()) return "";
  if (from == to) return from;
  return from + ".." + to;
}

}  // namespace provena::gui
