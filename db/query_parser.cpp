// Recursive-descent parser for the search language (grammar in db/query.h):
//   query   := or_expr
//   or_expr := and_expr ("OR" and_expr)*
//   and_expr:= unary ("AND"? unary)*
//   unary   := ("-" | "NOT") unary | "(" or_expr ")" | field | phrase | word
#include <cctype>
#include <cmath>
#include <charconv>
#include <cstring>

#include "db/query.h"

namespace provena {
namespace {

// Bounds a hostile query: nesting depth (the parser recurses per level) and length.
constexpr int kMaxQueryDepth = 64;
constexpr size_t kMaxQueryBytes = 64 * 1024;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Error error_at(size_t pos, const std::string& what) {
  return make_error("query error at column " + std::to_string(pos + 1) + ": " + what);
}

struct FieldName {
  const char* name;
  QueryField field;
};
constexpr FieldName kFields[] = {
    {"seed", QueryField::kSeed},       {"steps", QueryField::kSteps},   {"cfg", QueryField::kCfg},
    {"w", QueryField::kWidth},         {"width", QueryField::kWidth},   {"h", QueryField::kHeight},
    {"height", QueryField::kHeight},   {"size", QueryField::kSize},     {"date", QueryField::kDate},
    {"model", QueryField::kModel},     {"sampler", QueryField::kSampler}, {"scheduler", QueryField::kScheduler},
    {"tool", QueryField::kTool},       {"lora", QueryField::kLora},     {"template", QueryField::kTemplate},
    {"path", QueryField::kPath},       {"has", QueryField::kHas},
};
constexpr const char* kHasValues[] = {"negative", "prompt", "seed", "model", "lora", "template", "file"};

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_real(std::string_view s, double& out) {
  // from_chars for double is missing from GCC 10's library; strtod on a bounded copy.
  if (s.empty() || s.size() > 40) return false;
  std::string copy(s);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(out);
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool is_sort_marker(const QueryNode& n) { return n.kind == QueryNode::Kind::kField && n.value == "\x01sort"; }

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<SearchQuery> run() {
    SearchQuery q;
    if (s_.size() > kMaxQueryBytes) return error_at(kMaxQueryBytes, "query longer than 64 KiB");
    query_ = &q;
    skip_space();
    if (pos_ < s_.size()) {
      auto root = or_expr(0);
      if (!root) return root.error();
      skip_space();
      if (pos_ < s_.size()) return error_at(pos_, "unexpected ')'; expected a term or the end of the query");
      if (root->kind != QueryNode::Kind::kAnd || !root->children.empty()) q.root = std::move(*root);
    }
    return q;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  SearchQuery* query_ = nullptr;

  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  bool at_end_of_word(size_t p) const { return p >= s_.size() || is_space(s_[p]) || s_[p] == ')'; }
  bool keyword(const char* kw) const {
    size_t n = std::strlen(kw);
    return s_.compare(pos_, n, kw) == 0 && at_end_of_word(pos_ + n);
  }

  Result<QueryNode> or_expr(int depth) {
    if (depth > kMaxQueryDepth) return error_at(pos_, "brackets nested too deeply");
    QueryNode node;
    node.kind = QueryNode::Kind::kOr;
    node.column = pos_ + 1;
    while (true) {
      auto part = and_expr(depth);
      if (!part) return part;
      node.children.push_back(std::move(*part));
      skip_space();
      if (!keyword("OR")) break;
      pos_ += 2;
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] == ')') return error_at(pos_, "expected a term after OR");
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    for (const auto& c : node.children)
      if (c.kind == QueryNode::Kind::kAnd && c.children.empty())
        return error_at(c.column - 1, "expected a term (sort: is not an alternative)");
    return node;
  }

  Result<QueryNode> and_expr(int depth) {
    QueryNode node;
    node.kind = QueryNode::Kind::kAnd;
    node.column = pos_ + 1;
    while (true) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] == ')' || keyword("OR")) break;
      if (keyword("AND")) {
        pos_ += 3;
        skip_space();
        if (pos_ >= s_.size() || s_[pos_] == ')' || keyword("OR")) return error_at(pos_, "expected a term after AND");
        continue;
      }
      auto u = unary(depth);
      if (!u) return u;
      if (is_sort_marker(*u)) continue;  // a directive, recorded in the query by sort()
      node.children.push_back(std::move(*u));
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    if (node.children.empty() && depth > 0) return error_at(pos_, "expected a term");
    return node;
  }

  Result<QueryNode> unary(int depth) {
    if (depth > kMaxQueryDepth) return error_at(pos_, "query nested too deeply");
    size_t start = pos_;
    bool negate = false;
    if (s_[pos_] == '-' && pos_ + 1 < s_.size() && !is_space(s_[pos_ + 1])) {
      negate = true;
      ++pos_;
    } else if (keyword("NOT")) {
      negate = true;
      pos_ += 3;
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] == ')') return error_at(pos_, "expected a term after NOT");
    }
    if (negate) {
      auto inner = unary(depth + 1);
      if (!inner) return inner;
      if (is_sort_marker(*inner))
        return error_at(start, "sort: cannot be negated");
      QueryNode n;
      n.kind = QueryNode::Kind::kNot;
      n.column = start + 1;
      n.children.push_back(std::move(*inner));
      return n;
    }
    if (s_[pos_] == '(') {
      ++pos_;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ')') return error_at(pos_, "empty brackets; expected a term");
      auto inner = or_expr(depth + 1);
      if (!inner) return inner;
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ')') return error_at(pos_, "expected ')' to close the '(' at column " + std::to_string(start + 1));
      ++pos_;
      return inner;
    }
    if (s_[pos_] == '"') return phrase(start, false);
    // A word; "name:" of a known field makes it a field term.
    size_t end = pos_;
    while (!at_end_of_word(end) && s_[end] != '"') ++end;
    std::string_view word = s_.substr(pos_, end - pos_);
    size_t colon = word.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view name = word.substr(0, colon);
      if (ieq(name, "neg")) {
        pos_ += colon + 1;
        if (pos_ < s_.size() && s_[pos_] == '"') return phrase(start, true);
        return text_word(start, true);
      }
      if (ieq(name, "sort")) return sort(start, colon);
      for (const auto& f : kFields)
        if (ieq(name, f.name)) return field(start, f.field, colon);
      bool all_alpha = true;
      for (char c : name) all_alpha = all_alpha && std::isalpha(static_cast<unsigned char>(c));
      if (all_alpha)
        return error_at(start, "unknown field '" + std::string(name) +
                                   ":'; expected one of seed steps cfg w h size date model sampler scheduler tool "
                                   "lora template path has neg sort (quote the word to search for it as text)");
    }
    return text_word(start, false);
  }

  Result<QueryNode> phrase(size_t start, bool negative) {
    size_t open = pos_;
    size_t close = s_.find('"', pos_ + 1);
    if (close == std::string_view::npos) return error_at(open, "unterminated quote; expected a closing \"");
    QueryNode n;
    n.kind = QueryNode::Kind::kText;
    n.column = start + 1;
    n.negative = negative;
    n.text = std::string(s_.substr(open + 1, close - open - 1));
    pos_ = close + 1;
    if (pos_ < s_.size() && s_[pos_] == '*') {
      n.prefix = true;
      ++pos_;
    }
    if (!at_end_of_word(pos_)) return error_at(pos_, "expected a space after the closing quote");
    if (n.text.empty()) return error_at(open, "empty phrase; expected text between the quotes");
    return n;
  }

  Result<QueryNode> text_word(size_t start, bool negative) {
    size_t end = pos_;
    while (!at_end_of_word(end)) ++end;
    QueryNode n;
    n.kind = QueryNode::Kind::kText;
    n.column = start + 1;
    n.negative = negative;
    n.text = std::string(s_.substr(pos_, end - pos_));
    if (n.text.size() > 1 && n.text.back() == '*') {
      n.prefix = true;
      n.text.pop_back();
    }
    if (n.text.empty()) return error_at(pos_, negative ? "expected a word after neg:" : "expected a word");
    pos_ = end;
    return n;
  }

  std::string_view take_value(size_t& value_col) {
    value_col = pos_;
    size_t end = pos_;
    while (!at_end_of_word(end)) ++end;
    std::string_view v = s_.substr(pos_, end - pos_);
    pos_ = end;
    return v;
  }

  Result<QueryNode> sort(size_t start, size_t colon) {
    pos_ += colon + 1;
    size_t col;
    std::string_view v = take_value(col);
    std::string_view dir;
    if (size_t c = v.find(':'); c != std::string_view::npos) {
      dir = v.substr(c + 1);
      v = v.substr(0, c);
    }
    struct Key { const char* name; QuerySort sort; bool desc; };
    static constexpr Key kKeys[] = {{"recent", QuerySort::kRecent, true}, {"date", QuerySort::kDate, true},
                                    {"seed", QuerySort::kSeed, false},    {"steps", QuerySort::kSteps, false},
                                    {"cfg", QuerySort::kCfg, false},      {"relevance", QuerySort::kRelevance, false}};
    const Key* key = nullptr;
    for (const auto& k : kKeys)
      if (ieq(v, k.name)) key = &k;
    if (!key) return error_at(col, "expected date, seed, steps, cfg, relevance or recent after sort:");
    if (query_->sort_given) return error_at(start, "sort: given twice");
    query_->sort = key->sort;
    query_->descending = key->desc;
    query_->sort_given = true;
    if (!dir.empty()) {
      if (ieq(dir, "asc")) query_->descending = false;
      else if (ieq(dir, "desc")) query_->descending = true;
      else return error_at(col + v.size() + 1, "expected asc or desc");
      if (key->sort == QuerySort::kRelevance) return error_at(col + v.size() + 1, "relevance has one direction");
    }
    QueryNode marker;  // dropped by and_expr; sort: is a directive, not a condition
    marker.kind = QueryNode::Kind::kField;
    marker.value = "\x01sort";
    return marker;
  }

  // A number, a comparison (>N >=N <N <=N =N) or a range A..B (either end may be left out).
  Status numeric(std::string_view v, size_t col, bool real, bool date, QueryBound& lo, QueryBound& hi) {
    auto one = [&](std::string_view t, size_t at, QueryBound& b, bool upper) -> Status {
      b.set = true;
      if (date) {
        auto p = parse_date_period(t);
        if (!p) return error_at(at, "expected a date YYYY, YYYY-MM or YYYY-MM-DD");
        // An upper bound covers the whole period it names (2026-02-15 includes that day).
        b.value = upper ? p->second : p->first;
        if (upper) b.inclusive = false;
        return Ok{};
      }
      if (real) {
        if (!parse_real(t, b.real)) return error_at(at, "expected a number");
        return Ok{};
      }
      if (!parse_int(t, b.value)) return error_at(at, "expected an integer");
      return Ok{};
    };
    if (v.empty()) return error_at(col, date ? "expected a date" : "expected a number");
    if (size_t dots = v.find(".."); dots != std::string_view::npos) {
      std::string_view a = v.substr(0, dots), b = v.substr(dots + 2);
      if (a.empty() && b.empty()) return error_at(col, "expected a number before or after ..");
      if (!a.empty())
        if (auto st = one(a, col, lo, false); !st) return st;
      if (!b.empty())
        if (auto st = one(b, col + dots + 2, hi, true); !st) return st;
      return Ok{};
    }
    size_t op = 0;
    bool less = false, greater = false, inclusive = true;
    if (v[0] == '>' || v[0] == '<') {
      greater = v[0] == '>';
      less = !greater;
      op = 1;
      inclusive = op < v.size() && v[op] == '=';
      if (inclusive) ++op;
    } else if (v[0] == '=') {
      op = 1;
    }
    std::string_view t = v.substr(op);
    if (greater) {
      // >2026-01 means after January: from the end of the period.
      if (auto st = one(t, col + op, lo, !inclusive && date); !st) return st;
      if (date) lo.inclusive = true;
      else lo.inclusive = inclusive;
      return Ok{};
    }
    if (less) {
      if (auto st = one(t, col + op, hi, inclusive && date); !st) return st;
      if (date) hi.inclusive = false;
      else hi.inclusive = inclusive;
      return Ok{};
    }
    if (auto st = one(t, col + op, lo, false); !st) return st;
    return one(t, col + op, hi, true);
  }

  Result<QueryNode> field(size_t start, QueryField f, size_t colon) {
    pos_ += colon + 1;
    QueryNode n;
    n.kind = QueryNode::Kind::kField;
    n.column = start + 1;
    n.field = f;
    size_t col = pos_;
    std::string_view v;
    if (pos_ < s_.size() && s_[pos_] == '"') {
      size_t close = s_.find('"', pos_ + 1);
      if (close == std::string_view::npos) return error_at(pos_, "unterminated quote; expected a closing \"");
      v = s_.substr(pos_ + 1, close - pos_ - 1);
      col = pos_ + 1;
      pos_ = close + 1;
      if (!at_end_of_word(pos_)) return error_at(pos_, "expected a space after the closing quote");
    } else {
      v = take_value(col);
    }
    switch (f) {
      case QueryField::kSeed: case QueryField::kSteps: case QueryField::kWidth: case QueryField::kHeight:
        if (auto st = numeric(v, col, false, false, n.lo, n.hi); !st) return st.error();
        break;
      case QueryField::kCfg:
        if (auto st = numeric(v, col, true, false, n.lo, n.hi); !st) return st.error();
        break;
      case QueryField::kDate:
        if (auto st = numeric(v, col, false, true, n.lo, n.hi); !st) return st.error();
        break;
      case QueryField::kSize: {
        size_t x = v.find_first_of("xX");
        if (x == std::string_view::npos) return error_at(col, "expected WIDTHxHEIGHT, e.g. size:1024x1024");
        if (auto st = numeric(v.substr(0, x), col, false, false, n.lo, n.hi); !st) return st.error();
        if (auto st = numeric(v.substr(x + 1), col + x + 1, false, false, n.lo2, n.hi2); !st) return st.error();
        break;
      }
      case QueryField::kHas: {
        bool known = false;
        for (const char* h : kHasValues) known = known || ieq(v, h);
        if (!known) return error_at(col, "expected negative, prompt, seed, model, lora, template or file after has:");
        n.value = std::string(v);
        for (char& c : n.value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        break;
      }
      default:
        if (v.empty() || v == "*") return error_at(col, "expected a name");
        n.value = std::string(v);
    }
    return n;
  }
};

}  // namespace

std::optional<std::pair<int64_t, int64_t>> parse_date_period(std::string_view t) {
  int y = 0, m = 0, d = 0;
  if (!digits(t, 0, 4, y) || y < 1970) return std::nullopt;
  if (t.size() == 4) {
    int64_t a = days_from_civil(y, 1, 1), b = days_from_civil(y + 1, 1, 1);
    return std::make_pair(a * 86400, b * 86400);
  }
  if (t.size() < 7 || t[4] != '-' || !digits(t, 5, 2, m) || m < 1 || m > 12) return std::nullopt;
  if (t.size() == 7) {
    int64_t a = days_from_civil(y, m, 1), b = m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
    return std::make_pair(a * 86400, b * 86400);
  }
  if (t.size() != 10 || t[7] != '-' || !digits(t, 8, 2, d) || d < 1 || d > 31) return std::nullopt;
  int64_t a = days_from_civil(y, m, d);
  return std::make_pair(a * 86400, (a + 1) * 86400);
}

std::optional<int64_t> parse_timestamp(std::string_view t) {
  while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(t, 0, 4, y) || t.size() < 10 || !digits(t, 5, 2, mo) || !digits(t, 8, 2, d)) return std::nullopt;
  char sep = t[4];
  if ((sep != '-' && sep != ':') || t[7] != sep || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  size_t p = 10;
  int64_t offset = 0;
  if (p < t.size() && (t[p] == 'T' || t[p] == ' ')) {
    if (!digits(t, p + 1, 2, h) || p + 6 > t.size() || t[p + 3] != ':' || !digits(t, p + 4, 2, mi)) return std::nullopt;
    p += 6;
    if (p < t.size() && t[p] == ':') {
      if (!digits(t, p + 1, 2, s)) return std::nullopt;
      p += 3;
    }
    if (p < t.size() && (t[p] == '.' || t[p] == ',')) {
      ++p;
      while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p]))) ++p;
    }
    if (p < t.size() && (t[p] == '+' || t[p] == '-')) {
      int oh = 0, om = 0;
      if (!digits(t, p + 1, 2, oh)) return std::nullopt;
      size_t q = p + 3;
      if (q < t.size() && t[q] == ':') ++q;
      digits(t, q, 2, om);
      offset = (t[p] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  }
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
}

Result<SearchQuery> parse_search_query(std::string_view text) { return Parser(text).run(); }

}  // namespace provena
