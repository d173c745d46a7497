#include "db/query.h"

#include <charconv>

namespace provena {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Error error_at(size_t pos, const std::string& what) {
  return make_error("query error at column " + std::to_string(pos + 1) + ": " + what);
}

}  // namespace

Result<SearchQuery> parse_search_query(std::string_view text) {
  SearchQuery q;
  size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i])) { ++i; continue; }
    size_t start = i;
    bool negate = false;
    if (text[i] == '-' && i + 1 < text.size() && !is_space(text[i + 1])) {
      negate = true;
      ++i;
    }
    std::string term;
    if (text[i] == '"') {
      size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos) return error_at(i, "unterminated quote; expected a closing \"");
      term = std::string(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      size_t end = i;
      while (end < text.size() && !is_space(text[end])) ++end;
      std::string_view word = text.substr(i, end - i);
      i = end;
      if (!negate && word.substr(0, 5) == "seed:") {
        std::string_view num = word.substr(5);
        int64_t v = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
        if (num.empty() || ec != std::errc() || p != num.data() + num.size())
          return error_at(start + 5, "expected an integer after seed:");
        if (q.seed && *q.seed != v) return error_at(start, "seed given twice with different values");
        q.seed = v;
        continue;
      }
      term = std::string(word);
    }
    if (term.empty()) continue;
    (negate ? q.excluded : q.terms).push_back(std::move(term));
  }
  return q;
}

}  // namespace provena
