#include "generator/sd1/prompt_weights.h"

#include <cctype>
#include <cstdlib>

namespace provena::sd1 {
namespace {

constexpr double kRound = 1.1;        // (x)
constexpr double kSquare = 1.0 / 1.1;  // [x]
constexpr int kCommaBacktrack = 20;   // A1111's comma_padding_backtrack default

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// re.split(r"\s*\bBREAK\b\s*", text): BREAK as a whole word, with the spaces around it.
std::vector<std::string> split_break(const std::string& text) {
  std::vector<std::string> parts;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); };
  size_t start = 0, i = 0;
  while ((i = text.find("BREAK", i)) != std::string::npos) {
    const bool left = i == 0 || !word_char(text[i - 1]);
    const bool right = i + 5 >= text.size() || !word_char(text[i + 5]);
    if (!left || !right) {
      i += 5;
      continue;
    }
    size_t b = i, e = i + 5;
    while (b > start && is_space(text[b - 1])) --b;
    while (e < text.size() && is_space(text[e])) ++e;
    parts.push_back(text.substr(start, b - start));
    start = i = e;
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

std::vector<std::pair<std::string, double>> parse_prompt_attention(std::string_view p) {
  std::vector<std::pair<std::string, double>> res;
  std::vector<size_t> round, square;
  auto multiply = [&](size_t from, double m) {
    for (size_t k = from; k < res.size(); ++k) res[k].second *= m;
  };
  auto add_text = [&](const std::string& text) {
    auto parts = split_break(text);
    for (size_t k = 0; k < parts.size(); ++k) {
      if (k > 0) res.emplace_back("BREAK", -1.0);
      res.emplace_back(parts[k], 1.0);
    }
  };
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      // \( \) \[ \] \\ are literal characters; a lone backslash stays.
      if (i + 1 < p.size() && (p[i + 1] == '(' || p[i + 1] == ')' || p[i + 1] == '[' || p[i + 1] == ']' || p[i + 1] == '\\')) {
        res.emplace_back(std::string(1, p[i + 1]), 1.0);
        i += 2;
      } else {
        res.emplace_back("", 1.0);  // A1111 appends text[1:] of the lone "\": nothing
        ++i;
      }
    } else if (c == '(') {
      round.push_back(res.size());
      ++i;
    } else if (c == '[') {
      square.push_back(res.size());
      ++i;
    } else if (c == ':') {
      // ":1.3)" closes a round bracket with that weight; any other ':' is text.
      size_t j = i + 1;
      while (j < p.size() && is_space(p[j])) ++j;
      size_t num = j;
      if (j < p.size() && (p[j] == '+' || p[j] == '-')) ++j;
      while (j < p.size() && (std::isdigit(static_cast<unsigned char>(p[j])) || p[j] == '.')) ++j;
      const bool has_number = j > num && !(j == num + 1 && (p[num] == '+' || p[num] == '-'));
      size_t k = j;
      while (k < p.size() && is_space(p[k])) ++k;
      if (has_number && k < p.size() && p[k] == ')') {
        const std::string number(p.substr(num, j - num));
        if (!round.empty()) {
          multiply(round.back(), std::strtod(number.c_str(), nullptr));
          round.pop_back();
        } else {
          add_text(std::string(p.substr(i, k + 1 - i)));
        }
        i = k + 1;
      } else {
        add_text(":");
        ++i;
      }
    } else if (c == ')' && !round.empty()) {
      multiply(round.back(), kRound);
      round.pop_back();
      ++i;
    } else if (c == ']' && !square.empty()) {
      multiply(square.back(), kSquare);
      square.pop_back();
      ++i;
    } else if (c == ')' || c == ']') {
      add_text(std::string(1, c));
      ++i;
    } else {
      size_t j = i;
      while (j < p.size() && p[j] != '\\' && p[j] != '(' && p[j] != ')' && p[j] != '[' && p[j] != ']' && p[j] != ':') ++j;
      add_text(std::string(p.substr(i, j - i)));
      i = j;
    }
  }
  for (size_t pos : round) multiply(pos, kRound);
  for (size_t pos : square) multiply(pos, kSquare);
  if (res.empty()) res.emplace_back("", 1.0);
  for (size_t k = 0; k + 1 < res.size();) {
    if (res[k].second == res[k + 1].second) {
      res[k].first += res[k + 1].first;
      res.erase(res.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    } else {
      ++k;
    }
  }
  return res;
}

std::vector<PromptWindow> prompt_windows(const ClipTokenizer& tok, std::string_view prompt) {
  const int per = ClipTokenizer::kWindowTokens;
  const auto comma = tok.encode(",");
  const int comma_id = comma.size() == 1 ? comma[0] : -1;
  std::vector<PromptWindow> out;
  std::vector<int> ids;
  std::vector<double> weights;
  int last_comma = -1;
  auto next_window = [&] {
    PromptWindow w;
    w.ids.push_back(tok.bos_id());
    w.weights.push_back(1.0);
    for (size_t k = 0; k < ids.size(); ++k) w.ids.push_back(ids[k]), w.weights.push_back(weights[k]);
    while (static_cast<int>(w.ids.size()) < per + 1) w.ids.push_back(tok.eos_id()), w.weights.push_back(1.0);
    w.ids.push_back(tok.eos_id());
    w.weights.push_back(1.0);
    out.push_back(std::move(w));
    ids.clear();
    weights.clear();
    last_comma = -1;
  };
  for (const auto& [text, weight] : parse_prompt_attention(prompt)) {
    if (text == "BREAK" && weight == -1.0) {
      next_window();
      continue;
    }
    for (int id : tok.encode(text)) {
      // A full window ends at its last comma when that is close, so a phrase is not cut.
      if (id == comma_id) {
        last_comma = static_cast<int>(ids.size());
      } else if (static_cast<int>(ids.size()) == per && last_comma != -1 && per - last_comma <= kCommaBacktrack) {
        const int keep = last_comma + 1;
        std::vector<int> moved_ids(ids.begin() + keep, ids.end());
        std::vector<double> moved_weights(weights.begin() + keep, weights.end());
        ids.resize(static_cast<size_t>(keep));
        weights.resize(static_cast<size_t>(keep));
        next_window();
        ids = std::move(moved_ids);
        weights = std::move(moved_weights);
      }
      if (static_cast<int>(ids.size()) == per) next_window();
      ids.push_back(id);
      weights.push_back(weight);
    }
  }
  if (!ids.empty() || out.empty()) next_window();
  return out;
}

}  // namespace provena::sd1
