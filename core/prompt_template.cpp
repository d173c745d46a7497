#include "core/prompt_template.h"

#include "core/json_shape.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

namespace provena {
namespace {

using ojson = nlohmann::ordered_json;
using Problem = std::optional<std::string>;  // an error message, or nothing wrong

struct Node {
  enum Kind { kText, kSlot, kWildcard, kChoice } kind = kText;
  std::string text;                        // literal text, or the slot / wildcard name
  std::string where;                       // "column N" of a slot or wildcard, for errors
  size_t id = 0;                           // kChoice: 1-based number over prompt then negative
  size_t var = 0;                          // kSlot / kWildcard: index into Plan::vars
  std::vector<std::vector<Node>> options;  // kChoice
};
using Seq = std::vector<Node>;

bool is_name_char(char c, bool wildcard) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         (wildcard && c == '/');
}
bool is_name(std::string_view s, bool wildcard) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return is_name_char(c, wildcard); });
}

// 1-based, in code points, so that it matches what an editor shows for UTF-8 text.
std::string location(std::string_view text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') line++, col = 1;
    else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
  }
  std::string c = "column " + std::to_string(col);
  return line > 1 ? "line " + std::to_string(line) + ", " + c : c;
}

class Parser {
 public:
  Parser(std::string_view text, size_t& choices) : t_(text), choices_(choices) {}
  Problem run(Seq& out) { return seq(out, 0); }

 private:
  void literal(Seq& out, std::string_view s) {
    if (out.empty() || out.back().kind != Node::kText) out.push_back(Node{});
    out.back().text += s;
  }

  // Up to the end of the text, or, inside a choice (depth > 0), up to its '|' or '}'.
  Problem seq(Seq& out, int depth) {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '\\' && pos_ + 1 < t_.size()) {
        char d = t_[pos_ + 1];
        // Other escapes, like A1111's \( and \\, are the prompt's own and stay as written.
        literal(out, (d == '{' || d == '}' || d == '|' || d == '_') ? t_.substr(pos_ + 1, 1) : t_.substr(pos_, 2));
        pos_ += 2;
      } else if (c == '{') {
        if (auto p = choice(out, depth + 1)) return p;
      } else if (c == '}' || c == '|') {
        if (depth > 0) return std::nullopt;
        if (c == '}') return location(t_, pos_) + ": unmatched '}' (write \\} for a literal brace)";
        literal(out, "|");  // A1111's [cat|dog] alternation
        ++pos_;
      } else if (c == '_' && pos_ + 1 < t_.size() && t_[pos_ + 1] == '_' && wildcard(out)) {
      } else {
        literal(out, t_.substr(pos_++, 1));
      }
    }
    return std::nullopt;
  }

  Problem choice(Seq& out, int depth) {
    size_t open = pos_;
    if (depth > kMaxTemplateDepth)
      return location(t_, open) + ": braces nested deeper than " + std::to_string(kMaxTemplateDepth) + " levels";
    size_t j = open + 1;
    while (j < t_.size() && ((t_[j] >= '0' && t_[j] <= '9') || t_[j] == '-')) ++j;
    if (t_.substr(j, 2) == "$$")
      return location(t_, open) + ": the N$$ prefix is not supported; write one choice per {a|b}";
    Node node;
    node.kind = Node::kChoice;
    node.id = ++choices_;  // numbered at its '{', so nested choices follow their parent
    ++pos_;
    for (;;) {
      node.options.emplace_back();
      if (auto p = seq(node.options.back(), depth)) return p;
      if (pos_ >= t_.size()) return location(t_, open) + ": unbalanced '{': expected '}' before the end";
      if (t_[pos_++] == '}') break;
    }
    if (node.options.size() > 1) {
      out.push_back(std::move(node));
      return std::nullopt;
    }
    std::string_view name = t_.substr(open + 1, pos_ - open - 2);
    if (!is_name(name, false))
      return location(t_, open) + ": expected a slot name (letters, digits, '_' or '-') or choices a|b after '{'";
    --choices_;  // a slot is not an inline choice; a valid name holds no nested braces
    out.push_back(Node{Node::kSlot, std::string(name), location(t_, open), 0, 0, {}});
    return std::nullopt;
  }

  // `__name__`; false (nothing consumed) when no name closes, so "a__b" stays literal.
  bool wildcard(Seq& out) {
    for (size_t j = pos_ + 2; j < t_.size() && is_name_char(t_[j], true); ++j) {
      if (t_[j] != '_' || j + 1 >= t_.size() || t_[j + 1] != '_') continue;
      if (j == pos_ + 2) return false;
      std::string name(t_.substr(pos_ + 2, j - pos_ - 2));
      out.push_back(Node{Node::kWildcard, std::move(name), location(t_, pos_), 0, 0, {}});
      pos_ = j + 2;
      return true;
    }
    return false;
  }

  std::string_view t_;
  size_t& choices_;
  size_t pos_ = 0;
};

Problem parse(std::string_view text, size_t& choices, Seq& out) {
  if (text.size() > kMaxTemplateBytes)
    return "longer than " + std::to_string(kMaxTemplateBytes) + " bytes";
  return Parser(text, choices).run(out);
}

struct Var {
  bool wildcard;
  std::string name;
  const std::vector<std::string>* values;
};

// The parsed template with each slot and wildcard bound to its values. Units are the
// digits of expand_all: variables and top-level choices in order of appearance.
struct Plan {
  Seq prompt, negative;
  size_t choices = 0;
  std::vector<Var> vars;
  std::vector<std::pair<size_t, const Node*>> units;  // (var index, nullptr) or (0, choice)
};

struct Pick {
  explicit Pick(const Plan& plan) : var(plan.vars.size()), option(plan.choices + 1, std::string::npos) {}
  std::vector<size_t> var;     // value index per variable
  std::vector<size_t> option;  // option index per choice id; npos when not reached
};

Problem bind(Plan& plan, Seq& seq, bool top, const char* field, const WildcardLists& wildcards,
             const PromptTemplate& tpl, const ExpandOptions& options) {
  for (Node& n : seq) {
    if (n.kind == Node::kChoice) {
      if (top) plan.units.emplace_back(0, &n);
      for (Seq& o : n.options)
        if (auto p = bind(plan, o, false, field, wildcards, tpl, options)) return p;
      continue;
    }
    if (n.kind == Node::kText) continue;
    bool wild = n.kind == Node::kWildcard;
    auto same = std::find_if(plan.vars.begin(), plan.vars.end(),
                             [&](const Var& v) { return v.wildcard == wild && v.name == n.text; });
    n.var = static_cast<size_t>(same - plan.vars.begin());
    if (same != plan.vars.end()) continue;
    const std::vector<std::string>* values = nullptr;
    std::string where = std::string(field) + ": " + n.where + ": ";
    if (wild) {
      auto it = wildcards.find(n.text);
      if (it == wildcards.end()) return where + "unknown wildcard __" + n.text + "__";
      if (it->second.empty()) return where + "wildcard __" + n.text + "__ has no values";
      values = &it->second;
    } else {
      auto set = options.set.find(n.text);
      auto own = tpl.slots.find(n.text);
      if (set != options.set.end()) values = &set->second;
      else if (own != tpl.slots.end()) values = &own->second;
      if (!values || values->empty())
        return where + "slot {" + n.text + "} has no value; use --set " + n.text + "=...";
    }
    plan.vars.push_back(Var{wild, n.text, values});
    plan.units.emplace_back(n.var, nullptr);
  }
  return std::nullopt;
}

// Filled in place: units point into the parsed sequences.
Problem make_plan(Plan& plan, const PromptTemplate& tpl, const WildcardLists& wildcards, const ExpandOptions& options) {
  std::string ctx = "template \"" + tpl.name + "\": ";
  for (auto [field, text, seq] :
       {std::tuple{"prompt", &tpl.prompt, &plan.prompt}, std::tuple{"negative", &tpl.negative, &plan.negative}})
    if (auto p = parse(*text, plan.choices, *seq)) return ctx + field + ": " + *p;
  if (auto p = bind(plan, plan.prompt, true, "prompt", wildcards, tpl, options)) return ctx + *p;
  if (auto p = bind(plan, plan.negative, true, "negative", wildcards, tpl, options)) return ctx + *p;
  for (const auto& [name, values] : options.set) {
    auto is_it = [&](const Var& v) { return !v.wildcard && v.name == name; };
    if (std::none_of(plan.vars.begin(), plan.vars.end(), is_it))
      return "--set " + name + ": template \"" + tpl.name + "\" has no slot {" + name + "}";
  }
  return std::nullopt;
}

bool render(const Plan& plan, const Seq& seq, const Pick& pick, std::string& out, Expansion& e) {
  for (const Node& n : seq) {
    if (n.kind == Node::kText) {
      out += n.text;
    } else if (n.kind == Node::kChoice) {
      std::string sub;
      if (!render(plan, n.options[pick.option[n.id]], pick, sub, e)) return false;
      out += sub;
      e.choices["#" + std::to_string(n.id)] = std::move(sub);
    } else {
      out += (*plan.vars[n.var].values)[pick.var[n.var]];
    }
    if (out.size() > kMaxExpandedBytes) return false;
  }
  return true;
}

Result<Expansion> make_expansion(const Plan& plan, const Pick& pick) {
  Expansion e;
  if (!render(plan, plan.prompt, pick, e.prompt, e) || !render(plan, plan.negative, pick, e.negative, e))
    return make_error("an expansion is longer than " + std::to_string(kMaxExpandedBytes) + " bytes");
  for (size_t i = 0; i < plan.vars.size(); ++i) {
    const Var& v = plan.vars[i];
    e.choices[v.wildcard ? "__" + v.name + "__" : v.name] = (*v.values)[pick.var[i]];
  }
  return e;
}

constexpr size_t kSaturated = std::numeric_limits<size_t>::max();
size_t saturating_mul(size_t a, size_t b) { return (b != 0 && a > kSaturated / b) ? kSaturated : a * b; }
size_t saturating_add(size_t a, size_t b) { return a > kSaturated - b ? kSaturated : a + b; }

// Outcomes of a choice: the sum over its options of the product of their nested choices.
size_t outcomes(const Node& choice, std::vector<size_t>& memo);
size_t seq_outcomes(const Seq& seq, std::vector<size_t>& memo) {
  size_t n = 1;
  for (const Node& c : seq)
    if (c.kind == Node::kChoice) n = saturating_mul(n, outcomes(c, memo));
  return n;
}
size_t outcomes(const Node& choice, std::vector<size_t>& memo) {
  if (memo[choice.id] == 0)
    for (const Seq& o : choice.options) memo[choice.id] = saturating_add(memo[choice.id], seq_outcomes(o, memo));
  return memo[choice.id];
}

void decode_choice(const Node& choice, size_t r, Pick& pick, std::vector<size_t>& memo);
// The last nested choice varies fastest, as the units do.
void decode_seq(const Seq& seq, size_t r, Pick& pick, std::vector<size_t>& memo) {
  for (auto it = seq.rbegin(); it != seq.rend(); ++it) {
    if (it->kind != Node::kChoice) continue;
    size_t radix = outcomes(*it, memo);
    decode_choice(*it, r % radix, pick, memo);
    r /= radix;
  }
}
void decode_choice(const Node& choice, size_t r, Pick& pick, std::vector<size_t>& memo) {
  for (size_t o = 0; o < choice.options.size(); ++o) {
    size_t w = seq_outcomes(choice.options[o], memo);
    if (r < w) {
      pick.option[choice.id] = o;
      return decode_seq(choice.options[o], r, pick, memo);
    }
    r -= w;
  }
}

// splitmix64 (Steele, Lea, Flood 2014): tiny, and its output is fixed by its definition,
// unlike std:: distributions, which differ between standard libraries.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
struct Rng {
  uint64_t state;
  uint64_t next() { return mix64(state += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [0, n): rejecting the 2^64 mod n lowest draws removes the modulo bias.
  size_t below(size_t n) {
    uint64_t bound = n, threshold = (0 - bound) % bound, x;
    while ((x = next()) < threshold) {}
    return static_cast<size_t>(x % bound);
  }
};

void random_choice(const Node& choice, Rng& rng, Pick& pick) {
  size_t o = rng.below(choice.options.size());
  pick.option[choice.id] = o;
  for (const Node& c : choice.options[o])
    if (c.kind == Node::kChoice) random_choice(c, rng, pick);
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Top-level comma/newline separated parts; brackets group, so the A1111 attention
// "(a, b:1.2)" and "<lora:x:0.8>" are one part each.
std::vector<std::string_view> split_parts(std::string_view p) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  auto flush = [&](size_t end) {
    std::string_view s = trim(p.substr(start, end - start));
    if (!s.empty()) parts.push_back(s);
    start = end + 1;
  };
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') ++i;
    else if (c == '(' || c == '[' || c == '{' || c == '<') ++depth;
    else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0) --depth;
    else if ((c == ',' || c == '\n') && depth == 0) flush(i);
  }
  flush(p.size());
  return parts;
}

// Most cluster heads one prompt is compared with, so the worst case stays linear in the
// number of prompts. Posting lists are visited rarest part first and hold clusters most
// used first, so the budget skips the least promising heads; on 50k booru-style prompts
// with Zipf-distributed tags it changes no result.
constexpr size_t kMaxProbesPerPrompt = 4096;

struct Sample {
  std::string_view text;
  int64_t count = 0;
  std::vector<std::pair<std::string_view, uint32_t>> parts;  // in order, repeats dropped; (text, token)
  std::vector<uint32_t> set;                                 // token ranks, sorted
};

// The format nests four levels; deeper input is refused before nlohmann parses it.
constexpr int kMaxTemplatesJsonDepth = 8;
// Values in one exchange file: 10k templates with their slots and wildcard lists.
constexpr size_t kMaxTemplatesJsonValues = 4u << 20;

bool read_strings(const ojson& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  for (const ojson& e : v) {
    if (!e.is_string()) return false;
    out.push_back(e.get<std::string>());
  }
  return true;
}

Problem read_template(const ojson& j, PromptTemplate& t) {
  if (!j.is_object()) return std::string("is not an object");
  auto text = [&](const char* key, std::string& out, bool required) -> Problem {
    auto it = j.find(key);
    if (it == j.end() && !required) return std::nullopt;
    if (it == j.end() || !it->is_string()) return std::string("field \"") + key + "\": expected a string";
    out = it->get<std::string>();
    return std::nullopt;
  };
  if (auto p = text("name", t.name, true)) return p;
  if (t.name.empty()) return std::string("field \"name\": is empty");
  std::string ctx = "\"" + t.name + "\": ";
  if (auto p = text("prompt", t.prompt, true)) return ctx + *p;
  if (auto p = text("negative", t.negative, false)) return ctx + *p;
  if (auto it = j.find("version"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > std::numeric_limits<int>::max())
      return ctx + "field \"version\": expected a positive integer";
    t.version = static_cast<int>(it->get<int64_t>());
  }
  if (auto it = j.find("slots"); it != j.end()) {
    if (!it->is_object()) return ctx + "field \"slots\": expected an object of string arrays";
    for (const auto& [name, values] : it->items()) {
      if (!is_name(name, false)) return ctx + "field \"slots\": \"" + name + "\" is not a slot name";
      if (!read_strings(values, t.slots[name]))
        return ctx + "field \"slots\": \"" + name + "\": expected an array of strings";
    }
  }
  if (auto it = j.find("params"); it != j.end()) {
    if (!it->is_object()) return ctx + "field \"params\": expected an object";
    for (const auto& [key, value] : it->items()) {
      // Hand-edited files write "steps": 20; the number's JSON text is its value.
      if (value.is_string()) t.params.emplace_back(key, value.get<std::string>());
      else if (value.is_number() || value.is_boolean()) t.params.emplace_back(key, value.dump());
      else return ctx + "field \"params\": \"" + key + "\": expected a string or number";
    }
  }
  for (auto [field, body] : {std::pair{"prompt", &t.prompt}, std::pair{"negative", &t.negative}}) {
    auto syntax = check_template(*body);
    if (!syntax) return ctx + "field \"" + field + "\": " + syntax.error().message;
  }
  return std::nullopt;
}

}  // namespace

Result<TemplateSyntax> check_template(std::string_view text) {
  Seq seq;
  TemplateSyntax s;
  if (auto p = parse(text, s.inline_choices, seq)) return make_error(*p);
  auto walk = [&](const Seq& nodes, auto& self) -> void {
    for (const Node& n : nodes) {
      auto& names = n.kind == Node::kSlot ? s.slots : s.wildcards;
      if (n.kind == Node::kChoice) {
        for (const Seq& o : n.options) self(o, self);
      } else if (n.kind != Node::kText && std::find(names.begin(), names.end(), n.text) == names.end()) {
        names.push_back(n.text);
      }
    }
  };
  walk(seq, walk);
  return s;
}

std::vector<TemplateSpan> template_spans(std::string_view t) {
  std::vector<TemplateSpan> out;
  auto add = [&](size_t begin, size_t end, TemplateSpanKind kind) {
    if (begin == end) return;
    if (!out.empty() && out.back().kind == kind && kind == TemplateSpanKind::kText) out.back().end = end;
    else out.push_back({begin, end, kind});
  };
  size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '\\' && i + 1 < t.size()) {
      add(i, i + 2, TemplateSpanKind::kText);
      i += 2;
    } else if (c == '{') {
      // The matching '}' (escapes skipped, nesting counted).
      size_t j = i + 1;
      int depth = 1;
      bool has_bar = false;
      for (; j < t.size() && depth > 0; ++j) {
        if (t[j] == '\\') ++j;
        else if (t[j] == '{') ++depth;
        else if (t[j] == '}') --depth;
        else if (t[j] == '|' && depth == 1) has_bar = true;
      }
      if (depth > 0) {
        add(i, t.size(), TemplateSpanKind::kError);
        break;
      }
      const bool slot = !has_bar && is_name(t.substr(i + 1, j - i - 2), false);
      add(i, j, slot ? TemplateSpanKind::kSlot : has_bar ? TemplateSpanKind::kChoice : TemplateSpanKind::kError);
      i = j;
    } else if (c == '}') {
      add(i, i + 1, TemplateSpanKind::kError);
      ++i;
    } else if (c == '_' && i + 1 < t.size() && t[i + 1] == '_') {
      size_t end = 0;  // as the parser reads `__name__`
      for (size_t j = i + 2; j < t.size() && is_name_char(t[j], true); ++j) {
        if (t[j] != '_' || j + 1 >= t.size() || t[j + 1] != '_') continue;
        if (j > i + 2) end = j + 2;
        break;
      }
      if (end) {
        add(i, end, TemplateSpanKind::kWildcard);
        i = end;
      } else {
        add(i, i + 1, TemplateSpanKind::kText);
        ++i;
      }
    } else {
      add(i, i + 1, TemplateSpanKind::kText);
      ++i;
    }
  }
  return out;
}

std::string escape_template_literal(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool pair_ = c == '_' && ((i + 1 < text.size() && text[i + 1] == '_') || (i > 0 && text[i - 1] == '_'));
    if (c == '{' || c == '}' || c == '|' || pair_) out += '\\';
    out += c;
  }
  return out;
}

Result<std::vector<Expansion>> expand_all(const PromptTemplate& tpl, const WildcardLists& wildcards,
                                          const ExpandOptions& options) {
  Plan plan;
  if (auto p = make_plan(plan, tpl, wildcards, options)) return make_error(*p);
  std::vector<size_t> memo(plan.choices + 1, 0);
  std::vector<size_t> radix;
  size_t total = 1;
  for (const auto& [var, choice] : plan.units) {
    radix.push_back(choice ? outcomes(*choice, memo) : plan.vars[var].values->size());
    total = saturating_mul(total, radix.back());
  }
  size_t cap = std::min(options.cap, kMaxExpansions);
  if (total > cap)
    return make_error("template \"" + tpl.name + "\" expands to " +
                      (total == kSaturated ? "more than " + std::to_string(kSaturated) : std::to_string(total)) +
                      " combinations, more than the cap of " + std::to_string(cap));
  std::vector<Expansion> out;
  for (size_t k = 0; k < total; ++k) {
    Pick pick(plan);
    size_t r = k;
    for (size_t u = plan.units.size(); u-- > 0;) {
      size_t digit = r % radix[u];
      r /= radix[u];
      if (plan.units[u].second) decode_choice(*plan.units[u].second, digit, pick, memo);
      else pick.var[plan.units[u].first] = digit;
    }
    auto e = make_expansion(plan, pick);
    if (!e) return make_error("template \"" + tpl.name + "\": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<Expansion>> expand_random(const PromptTemplate& tpl, const WildcardLists& wildcards,
                                             const ExpandOptions& options, size_t count, uint64_t seed) {
  if (count > kMaxExpansions)
    return make_error("asked for " + std::to_string(count) + " expansions, more than " +
                      std::to_string(kMaxExpansions));
  Plan plan;
  if (auto p = make_plan(plan, tpl, wildcards, options)) return make_error(*p);
  std::vector<Expansion> out;
  for (size_t i = 0; i < count; ++i) {
    Rng rng{mix64(mix64(seed) + i)};  // stream i: independent of count
    Pick pick(plan);
    for (const auto& [var, choice] : plan.units) {
      if (choice) random_choice(*choice, rng, pick);
      else pick.var[var] = rng.below(plan.vars[var].values->size());
    }
    auto e = make_expansion(plan, pick);
    if (!e) return make_error("template \"" + tpl.name + "\": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

std::vector<TemplateSuggestion> suggest_templates(const std::vector<PromptSample>& history,
                                                  const SuggestOptions& options) {
  // Identical texts merge, so callers may pass per-record rows too.
  std::unordered_map<std::string_view, size_t> by_text;
  std::vector<Sample> samples;
  for (const PromptSample& h : history) {
    auto [it, fresh] = by_text.emplace(h.prompt, samples.size());
    if (fresh) samples.push_back(Sample{h.prompt, 0, {}, {}});
    samples[it->second].count += h.count;
  }
  // Tokens are lower-cased parts; ranked rarest first for prefix filtering below.
  std::unordered_map<std::string, uint32_t> token_of;
  std::vector<std::pair<size_t, std::string>> token_df;  // (prompts holding it, key)
  for (Sample& s : samples) {
    for (std::string_view part : split_parts(s.text)) {
      std::string key(part);
      for (char& c : key) c = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
      auto [it, fresh] = token_of.emplace(key, static_cast<uint32_t>(token_df.size()));
      if (fresh) token_df.emplace_back(0, key);
      if (std::any_of(s.parts.begin(), s.parts.end(), [&](const auto& p) { return p.second == it->second; })) continue;
      s.parts.emplace_back(part, it->second);
      token_df[it->second].first++;
    }
  }
  std::vector<uint32_t> order(token_df.size()), rank(token_df.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return token_df[a] < token_df[b]; });
  for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  for (Sample& s : samples) {
    for (auto& part : s.parts) part.second = rank[part.second];
    for (const auto& part : s.parts) s.set.push_back(part.second);
    std::sort(s.set.begin(), s.set.end());
  }
  std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
    return a.count != b.count ? a.count > b.count : a.text < b.text;
  });

  // Greedy clustering with the filters of PPJoin (Xiao et al., "Efficient similarity
  // joins for near duplicate detection", 2008): sets with Jaccard >= t share a token within
  // the first |s| - ceil(t|s|) + 1 rarest tokens of each, so only those prefixes of a
  // cluster's first prompt are indexed and probed (common parts like "masterpiece" cost
  // nothing); sizes must lie within a factor t; and the first shared token's positions
  // bound how many more can be shared. 50k booru-style prompts (Zipf-distributed tags) take
  // under a second here; 50k drawn uniformly from 400 tags, the worst case, about three.
  double t = std::clamp(options.min_similarity, 0.0, 1.0);
  auto prefix = [&](size_t m) { return m - std::max<size_t>(1, size_t(std::ceil(t * double(m) - 1e-9))) + 1; };
  struct Posting {
    uint32_t cluster, pos, size;  // the token's position in the cluster's first prompt, and its size
  };
  std::vector<std::vector<Posting>> index(token_df.size());
  std::vector<std::vector<const Sample*>> clusters;
  std::vector<size_t> seen;                   // per cluster: the last sample that probed it, plus one
  std::vector<size_t> mark(token_df.size());  // per token: the last sample holding it, plus one
  std::vector<uint32_t> firsts;               // the first prompts' token sets, back to back (one cache miss each)
  std::vector<size_t> first_start;            // per cluster: where its first prompt's set begins in `firsts`
  for (size_t si = 0; si < samples.size(); ++si) {
    const std::vector<uint32_t>& x = samples[si].set;
    size_t m = x.size();
    for (uint32_t token : x) mark[token] = si + 1;
    std::optional<uint32_t> best;
    double best_j = -1;
    size_t probes = 0;
    for (size_t i = 0; i < (m ? prefix(m) : 0) && probes < kMaxProbesPerPrompt; ++i) {
      for (const Posting& p : index[x[i]]) {
        if (++probes > kMaxProbesPerPrompt) break;
        if (seen[p.cluster] == si + 1) continue;
        seen[p.cluster] = si + 1;  // x[i] is the first token they share: the bounds hold from here
        if (double(p.size) + 1e-9 < t * double(m) || t * double(p.size) > double(m) + 1e-9) continue;
        size_t bound = 1 + std::min(m - i - 1, size_t(p.size - p.pos - 1));
        if (double(bound) + 1e-9 < t / (1 + t) * double(m + p.size)) continue;
        // Counting marked tokens beats a sorted merge: its branches are predictable.
        const uint32_t* y = firsts.data() + first_start[p.cluster];
        size_t inter = 1;
        for (size_t k = p.pos + 1; k < p.size; ++k) inter += mark[y[k]] == si + 1;
        double j = double(inter) / double(m + p.size - inter);
        if (j + 1e-12 >= t && j > best_j) best = p.cluster, best_j = j;
      }
    }
    if (best) {
      clusters[*best].push_back(&samples[si]);
    } else if (m) {
      auto c = static_cast<uint32_t>(clusters.size());
      for (size_t i = 0; i < prefix(m); ++i) index[x[i]].push_back(Posting{c, uint32_t(i), uint32_t(m)});
      clusters.push_back({&samples[si]});
      seen.push_back(0);
      first_start.push_back(firsts.size());
      firsts.insert(firsts.end(), x.begin(), x.end());
    }
  }

  std::vector<TemplateSuggestion> out;
  for (const auto& members : clusters) {
    if (members.size() < std::max<size_t>(options.min_prompts, 1)) continue;
    std::vector<uint32_t> shared = members.front()->set;
    for (const Sample* m : members) {
      std::vector<uint32_t> both;
      std::set_intersection(shared.begin(), shared.end(), m->set.begin(), m->set.end(), std::back_inserter(both));
      shared.swap(both);
    }
    if (shared.empty()) continue;
    auto is_shared = [&](uint32_t token) { return std::binary_search(shared.begin(), shared.end(), token); };
    TemplateSuggestion sug;
    bool slotted = false;
    std::vector<std::string> parts;
    for (const auto& [part, token] : members.front()->parts) {
      if (is_shared(token)) parts.push_back(escape_template_literal(part));
      else if (!slotted) parts.push_back("{subject}"), slotted = true;
    }
    if (!slotted) parts.push_back("{subject}");  // the first prompt is the bare shared part
    for (const std::string& part : parts) sug.prompt += (sug.prompt.empty() ? "" : ", ") + part;
    std::map<std::string, int64_t> values;
    for (const Sample* m : members) {
      std::string value;
      for (const auto& [part, token] : m->parts)
        if (!is_shared(token)) value += (value.empty() ? "" : ", ") + std::string(part);
      values[value] += m->count;
      sug.records += m->count;
    }
    sug.values.assign(values.begin(), values.end());
    auto by_use = [](const auto& a, const auto& b) { return a.second > b.second; };
    std::stable_sort(sug.values.begin(), sug.values.end(), by_use);
    if (sug.values.size() > options.max_values) sug.values.resize(options.max_values);
    sug.prompts = members.size();
    out.push_back(std::move(sug));
  }
  std::sort(out.begin(), out.end(), [](const TemplateSuggestion& a, const TemplateSuggestion& b) {
    if (a.records != b.records) return a.records > b.records;
    return a.prompts != b.prompts ? a.prompts > b.prompts : a.prompt < b.prompt;
  });
  if (out.size() > options.max_suggestions) out.resize(options.max_suggestions);
  return out;
}

std::string templates_to_json(const std::vector<PromptTemplate>& templates, const WildcardLists& wildcards) {
  ojson root = {{"format", "provena-templates"}, {"version", 1}, {"templates", ojson::array()}};
  for (const PromptTemplate& t : templates) {
    ojson j = {{"name", t.name}, {"prompt", t.prompt}, {"negative", t.negative}, {"version", t.version},
               {"slots", ojson::object()}, {"params", ojson::object()}};
    for (const auto& [name, values] : t.slots) j["slots"][name] = values;
    for (const auto& [key, value] : t.params) j["params"][key] = value;
    root["templates"].push_back(std::move(j));
  }
  root["wildcards"] = ojson::object();
  for (const auto& [name, values] : wildcards) root["wildcards"][name] = values;
  return root.dump(2, ' ', false, ojson::error_handler_t::replace);
}

Result<std::pair<std::vector<PromptTemplate>, WildcardLists>> templates_from_json(std::string_view json) {
  if (json.size() > kMaxTemplatesJsonBytes)
    return make_error("template file is larger than " + std::to_string(kMaxTemplatesJsonBytes >> 20) + " MiB");
  if (auto problem = json_shape_error(json, kMaxTemplatesJsonDepth, kMaxTemplatesJsonValues))
    return make_error("template file: " + *problem);
  ojson j;
  try {
    j = ojson::parse(json);
  } catch (const std::exception& e) {
    return make_error(std::string("invalid template JSON: ") + e.what());
  }
  auto format = j.is_object() ? j.find("format") : j.end();
  if (!j.is_object() || format == j.end() || *format != "provena-templates")
    return make_error("not a Provena template file (missing \"format\": \"provena-templates\")");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() < 1)
    return make_error("template file has no valid \"version\"");
  if (version->get<int64_t>() > 1)
    return make_error("template file version " + version->dump() +
                      " is newer than this build reads (1); upgrade Provena");
  std::pair<std::vector<PromptTemplate>, WildcardLists> out;
  std::set<std::string> names;
  if (auto list = j.find("templates"); list != j.end()) {
    if (!list->is_array()) return make_error("field \"templates\": expected an array");
    if (list->size() > kMaxTemplatesInJson)
      return make_error("template file holds " + std::to_string(list->size()) + " templates, more than " +
                        std::to_string(kMaxTemplatesInJson));
    for (size_t i = 0; i < list->size(); ++i) {
      PromptTemplate t;
      if (auto p = read_template((*list)[i], t)) return make_error("template #" + std::to_string(i + 1) + " " + *p);
      if (!names.insert(t.name).second)
        return make_error("template #" + std::to_string(i + 1) + " \"" + t.name + "\": the name is used twice");
      out.first.push_back(std::move(t));
    }
  }
  if (auto lists = j.find("wildcards"); lists != j.end()) {
    if (!lists->is_object()) return make_error("field \"wildcards\": expected an object of string arrays");
    for (const auto& [name, values] : lists->items()) {
      if (!is_name(name, true)) return make_error("wildcard \"" + name + "\": not a wildcard name");
      if (!read_strings(values, out.second[name]))
        return make_error("wildcard \"" + name + "\": expected an array of strings");
    }
  }
  return out;
}

}  // namespace provena
