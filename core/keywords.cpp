#include "core/keywords.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <unordered_set>

#include "core/text.h"

namespace provena {
namespace {

// A1111's attention multiplier: `(x)` multiplies by it, `[x]` divides by it.
constexpr double kEmphasis = 1.1;
// A weight or step number longer than this is text; it also bounds every look-ahead.
constexpr size_t kMaxNumberChars = 32;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool starts_with(std::string_view s, size_t i, std::string_view prefix) {
  return s.compare(i, prefix.size(), prefix) == 0;
}

// Chinese and Japanese prompts separate tags with these, as Western ones use ',' and ';'.
size_t cjk_separator_length(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i]) < 0x80) return 0;
  for (std::string_view sep : {"，", "、", "；", "。"}) {
    if (starts_with(s, i, sep)) return sep.size();
  }
  return 0;
}

// No-break space and the ideographic space of CJK input methods count as whitespace.
size_t unicode_space_length(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i]) < 0x80) return 0;
  for (std::string_view sp : {"\u00A0", "\u3000"}) {
    if (starts_with(s, i, sp)) return sp.size();
  }
  return 0;
}

// Bytes that only ever join the keyword being built (bar the `B` of BREAK and the `e` of
// embedding:, which the scanner checks at word starts): everything but separators,
// brackets, syntax characters, and the lead bytes of the CJK separators and spaces above
// (C2 of U+00A0, E3 of 、。 and U+3000, EF of ，；). UTF-8 continuation bytes are plain.
constexpr std::array<bool, 256> kPlainBytes = [] {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 256; ++c) plain[size_t(c)] = true;
  for (unsigned char c : std::string_view(",;\n\r\\([{)]}:|<_")) plain[c] = false;
  for (int c : {0xC2, 0xE3, 0xEF}) plain[size_t(c)] = false;
  return plain;
}();

// Ends a word: where `BREAK`, a ComfyUI embedding name or a wildcard name stops.
bool is_delimiter(std::string_view s, size_t i) {
  return is_space(s[i]) || std::string_view(",;()[]{}|<>:").find(s[i]) != std::string_view::npos ||
         cjk_separator_length(s, i) > 0 || unicode_space_length(s, i) > 0;
}

// `[+-]?[.\d]+` as A1111 accepts for weights and steps; from_chars ignores the C locale.
std::optional<double> parse_number(std::string_view s) {
  if (s.size() > kMaxNumberChars) return std::nullopt;
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string_view::npos) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return negative ? -v : v;
}

// A keyword needs a letter of some script; `:1.2`, `1.5` or `...` left over by odd syntax
// are not tags, while `8k` and `1girl` are.
bool has_letter(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    char32_t cp = next_code_point(text, i);
    if (cp < 0x80 ? is_ascii_alpha(static_cast<char>(cp))
                  : !((cp >= 0xA0 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
                      (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
                      (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0xFFFD)) {
      return true;
    }
  }
  return false;
}

// Normalizes byte by byte as text arrives, so a keyword never holds more than max_bytes+1
// bytes however long the raw text between two separators is.
class KeywordBuilder {
 public:
  explicit KeywordBuilder(size_t max_bytes) : max_bytes_(max_bytes) {}

  void add(char c) { (void)add_plain(c == '_' ? ' ' : c); }  // booru tags: long_hair is "long hair"
  // add() for a byte that is not '_': returns whether it was whitespace.
  bool add_plain(char c) {
    if (!is_space(c)) {
      push(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      return false;
    }
    if (!text_.empty() && text_.back() != ' ') push(' ');
    return true;
  }
  std::string_view view() const {
    std::string_view v = text_;
    if (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  }
  void clear() {
    text_.clear();
    too_long_ = false;
  }
  // The normalized keyword, or "" when it outgrew max_bytes.
  std::string_view result() const { return too_long_ || view().size() > max_bytes_ ? std::string_view() : view(); }
  std::string take() {
    std::string out(result());
    clear();
    return out;
  }

 private:
  void push(char c) {
    if (text_.size() > max_bytes_) too_long_ = true;
    else text_.push_back(c);
  }
  size_t max_bytes_;
  std::string text_;
  bool too_long_ = false;
};

std::string strip_embedding_extension(std::string_view name) {
  for (std::string_view ext : {".safetensors", ".pt", ".pth", ".bin", ".ckpt"}) {
    if (name.size() > ext.size()) {
      std::string tail(name.substr(name.size() - ext.size()));
      for (char& c : tail) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (tail == ext) return std::string(name.substr(0, name.size() - ext.size()));
    }
  }
  return std::string(name);
}

// One left-to-right pass. Brackets end the keyword before them; each open bracket is a
// Frame remembering the first keyword found inside it, and its close multiplies the
// weights of the keywords found since (A1111's multiply_range). Keywords are deduplicated
// as they are found, so a close touches at most kMaxKeywordsPerPrompt keywords, and each
// keyword is touched by at most kMaxBracketDepth closes: the pass stays linear.
class PromptScanner {
 public:
  PromptScanner(std::string_view prompt, const std::vector<std::string>& embedding_names) : s_(prompt) {
    for (const std::string& name : embedding_names) embeddings_.insert(normalize_keyword(name));
  }

  std::vector<Keyword> run() {
    seen_.fill(-1);
    found_.reserve(kExpectedKeywords);
    while (i_ < s_.size()) {
      if (full() && frames_.empty() && overflow_ == 0) break;  // nothing can change any more
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (kPlainBytes[c] && !(at_word_start_ && (c == 'B' || c == 'e'))) {  // most bytes: text
        at_word_start_ = builder_.add_plain(static_cast<char>(c));
        ++i_;
        continue;
      }
      step();
    }
    end_keyword();
    overflow_ = 0;
    while (!frames_.empty()) close(frames_.back().open, std::nullopt);  // unclosed, as A1111
    std::vector<Keyword> out;
    out.reserve(found_.size());
    for (Found& f : found_) out.push_back(std::move(f.keyword));
    return out;
  }

 private:
  struct Frame {
    char open;          // '(', '[' or '{'
    size_t first;       // index in found_ of the first keyword inside
    bool editing;       // '[' holding ':' or '|': prompt editing or alternation, not emphasis
  };
  struct Found {
    Keyword keyword;
    bool fixed_weight;  // extra networks carry their own weight; A1111 strips them before emphasis
  };

  void step() {
    char c = s_[i_];
    if (size_t n = cjk_separator_length(s_, i_)) {
      end_keyword();
      i_ += n;
      return;
    }
    if (size_t n = unicode_space_length(s_, i_)) {
      add(' ');
      i_ += n;
      return;
    }
    bool handled = true;
    switch (c) {
      case ',': case ';': case '\n': case '\r': end_keyword(); ++i_; break;
      case '\\':  // `\(` is a literal '(': the next byte is text, the backslash goes
        if (++i_ < s_.size()) add(s_[i_++]);
        break;
      case '(': case '[': case '{': open(c); break;
      case ')': close_bracket('('); break;
      case ']': close_bracket('['); break;
      case '}': close_bracket('{'); break;
      case ':': colon(); break;
      case '|': bar(); break;
      case '<': handled = extra_network(); break;
      case '_': handled = wildcard(); break;
      case 'B': handled = at_word_start_ && break_keyword(); break;
      case 'e': handled = at_word_start_ && comfy_embedding(); break;
      default: handled = false;
    }
    if (!handled) {
      add(c);
      ++i_;
    }
  }

  void add(char c) {
    builder_.add(c);
    at_word_start_ = is_space(c);
  }

  bool full() const { return found_.size() >= kMaxKeywordsPerPrompt; }

  void emit(KeywordKind kind, std::string_view text, double weight, bool fixed_weight) {
    if (text.empty() || text.size() > kMaxKeywordBytes || full()) return;
    // Open addressing over found_'s indices: at most kMaxKeywordsPerPrompt of kSeenSlots
    // slots are taken, so a free one is always near.
    const size_t hash = std::hash<std::string_view>{}(text) + static_cast<size_t>(kind) * 0x9E3779B97F4A7C15ull;
    size_t slot = hash & (kSeenSlots - 1);
    for (;; slot = (slot + 1) & (kSeenSlots - 1)) {
      const int16_t k = seen_[slot];
      if (k < 0) break;
      const Keyword& other = found_[static_cast<size_t>(k)].keyword;
      if (other.kind == kind && other.text == text) return;
    }
    seen_[slot] = static_cast<int16_t>(found_.size());
    found_.push_back({Keyword{std::string(text), weight, kind}, fixed_weight});
  }

  void end_keyword() {
    const std::string_view text = builder_.result();
    at_word_start_ = true;
    if (has_letter(text)) {
      const bool embedding = !embeddings_.empty() && embeddings_.count(std::string(text));
      emit(embedding ? KeywordKind::kEmbedding : KeywordKind::kTag, text, 1.0, false);
    }
    builder_.clear();
  }

  void open(char c) {
    end_keyword();
    ++i_;
    if (frames_.size() >= kMaxBracketDepth) {
      ++overflow_;
      return;
    }
    frames_.push_back({c, found_.size(), false});
    if (c == '{') {
      skip_dynamic_count();
      skip_option_weight();
    }
  }

  void close_bracket(char open) {
    // The step of `[a:b:10]` or `[a:0.5]` is no keyword.
    if (open == '[' && overflow_ == 0 && !frames_.empty() && frames_.back().editing &&
        parse_number(builder_.view())) {
      builder_.clear();
    }
    end_keyword();
    close(open, std::nullopt);
    ++i_;
  }

  // A1111's BREAK starts a new 75-token chunk: for us a separator, when it stands alone.
  bool break_keyword() {
    if (!starts_with(s_, i_, "BREAK") || (i_ + 5 < s_.size() && !is_delimiter(s_, i_ + 5))) return false;
    end_keyword();
    i_ += 5;
    return true;
  }

  void close(char open, std::optional<double> weight) {
    if (overflow_ > 0) {
      --overflow_;
      return;
    }
    if (frames_.empty() || frames_.back().open != open) return;  // stray close: ignored
    Frame f = frames_.back();
    frames_.pop_back();
    double mul = 1.0;  // braces, prompt editing and alternation weigh nothing
    if (weight) mul = *weight;
    else if (f.open == '(') mul = kEmphasis;
    else if (f.open == '[' && !f.editing) mul = 1 / kEmphasis;
    for (size_t k = f.first; k < found_.size(); ++k) {
      if (!found_[k].fixed_weight) found_[k].keyword.weight *= mul;
    }
  }

  size_t skip_spaces(size_t j) const {
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    return j;
  }

  // `(x:1.3)`: in A1111 a colon inside round brackets followed by a number and ')' sets the
  // bracket's weight; any other colon is text (`score:9`, `embedding:name:1.2`).
  void colon() {
    bool in_round = overflow_ > 0 || (!frames_.empty() && frames_.back().open == '(');
    if (in_round) {
      size_t j = skip_spaces(i_ + 1), k = j;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      while (k < s_.size() && k - j <= kMaxNumberChars && (is_digit(s_[k]) || s_[k] == '.')) ++k;
      std::optional<double> weight = parse_number(s_.substr(j, k - j));
      size_t m = skip_spaces(k);
      if (weight && m < s_.size() && s_[m] == ')') {
        end_keyword();
        close('(', weight);
        i_ = m + 1;
        return;
      }
    } else if (!frames_.empty() && frames_.back().open == '[') {  // [a:b:10], [a:10], [a::10]
      end_keyword();
      frames_.back().editing = true;
      ++i_;
      return;
    }
    add(':');
    ++i_;
  }

  // Alternation `[a|b]`, options of `{a|b}`; elsewhere a bar separates keywords too.
  void bar() {
    end_keyword();
    ++i_;
    if (overflow_ > 0 || frames_.empty()) return;
    if (frames_.back().open == '[') frames_.back().editing = true;
    if (frames_.back().open == '{') skip_option_weight();
  }

  // sd-dynamic-prompts: `{2$$a|b|c}` picks two options, `{1-3$$ and $$a|b}` also names the
  // joiner. The scans stop at the next brace or bar, so no byte is scanned twice by them.
  void skip_dynamic_count() {
    size_t j = i_;
    while (j < s_.size() && (is_digit(s_[j]) || s_[j] == '-' || s_[j] == ' ')) ++j;
    if (!starts_with(s_, j, "$$")) return;
    i_ = j + 2;
    for (j = i_; j < s_.size() && std::string_view("{}|").find(s_[j]) == std::string_view::npos; ++j) {
      if (starts_with(s_, j, "$$")) {
        i_ = j + 2;
        return;
      }
    }
  }

  // sd-dynamic-prompts option weights: `{0.5::day|2::night}`.
  void skip_option_weight() {
    size_t j = skip_spaces(i_), k = j;
    while (k < s_.size() && k - j <= kMaxNumberChars && (is_digit(s_[k]) || s_[k] == '.')) ++k;
    if (k == j) return;
    k = skip_spaces(k);
    if (starts_with(s_, k, "::")) i_ = k + 2;
  }

  // A1111 extra networks `<lora:name:te_weight[:unet_weight]>`, `<lyco:...>` (the LyCORIS
  // extension), `<hypernet:name:w>`. Other types are dropped; `<3` or `>_<` stay text.
  bool extra_network() {
    size_t end = i_ + 1;
    while (end < s_.size() && s_[end] != '>' && s_[end] != '<' && s_[end] != '\n') ++end;
    if (end >= s_.size() || s_[end] != '>') return false;
    std::string_view body = s_.substr(i_ + 1, end - i_ - 1);
    size_t colon = body.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    std::string type;
    for (char c : body.substr(0, colon)) {
      if (!is_ascii_alpha(c)) return false;
      type += static_cast<char>(c | 0x20);
    }
    end_keyword();
    i_ = end + 1;
    std::string_view args = body.substr(colon + 1);
    size_t next = args.find(':');
    std::string name = normalize_keyword(args.substr(0, next));
    double weight = 1.0;
    if (next != std::string_view::npos) {
      std::string w = normalize_keyword(args.substr(next + 1, args.find(':', next + 1) - next - 1));
      weight = parse_number(w).value_or(1.0);
    }
    if (type == "lora" || type == "lyco") emit(KeywordKind::kLora, std::move(name), weight, true);
    if (type == "hypernet") emit(KeywordKind::kHypernet, std::move(name), weight, true);
    return true;
  }

  // sd-dynamic-prompts wildcard file `__name__` (may hold '/', '*', single '_'). The name is
  // kept as written: it is a file path, and case matters there.
  bool wildcard() {
    if (!starts_with(s_, i_, "__")) return false;
    size_t j = i_ + 2;
    while (j < s_.size() && !is_delimiter(s_, j) && !starts_with(s_, j, "__")) ++j;
    if (j == i_ + 2 || !starts_with(s_, j, "__")) return false;
    end_keyword();
    emit(KeywordKind::kWildcard, std::string(s_.substr(i_ + 2, j - i_ - 2)), 1.0, false);
    i_ = j + 2;
    return true;
  }

  // ComfyUI reads a word starting with `embedding:` as a textual-inversion file name,
  // with or without its extension; the word ends at whitespace (or a bracket, or `:1.2)`).
  bool comfy_embedding() {
    constexpr std::string_view kPrefix = "embedding:";
    if (!starts_with(s_, i_, kPrefix)) return false;
    size_t j = i_ + kPrefix.size(), k = j;
    while (k < s_.size() && !is_delimiter(s_, k) && s_[k] != '\\') ++k;
    if (k == j) return false;
    end_keyword();
    emit(KeywordKind::kEmbedding, normalize_keyword(strip_embedding_extension(s_.substr(j, k - j))), 1.0, false);
    i_ = k;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  KeywordBuilder builder_{kMaxKeywordBytes};
  bool at_word_start_ = true;
  std::vector<Frame> frames_;
  size_t overflow_ = 0;  // open brackets beyond kMaxBracketDepth, paired with the next closes
  static constexpr size_t kExpectedKeywords = 48;  // a long prompt's; more grow the vector
  std::vector<Found> found_;
  static constexpr size_t kSeenSlots = 512;  // a power of two, twice kMaxKeywordsPerPrompt
  static_assert(kSeenSlots >= 2 * kMaxKeywordsPerPrompt && (kSeenSlots & (kSeenSlots - 1)) == 0);
  std::array<int16_t, kSeenSlots> seen_;  // indices into found_ by hash of (kind, text); -1 free
  std::unordered_set<std::string> embeddings_;
};

}  // namespace

bool Keyword::operator==(const Keyword& other) const {
  return text == other.text && weight == other.weight && kind == other.kind;
}

std::vector<Keyword> extract_keywords(std::string_view prompt, const std::vector<std::string>& embedding_names) {
  return PromptScanner(prompt, embedding_names).run();
}

std::string normalize_keyword(std::string_view text) {
  KeywordBuilder builder(std::string::npos);
  for (size_t i = 0; i < text.size(); ++i) {
    if (size_t n = unicode_space_length(text, i)) {
      builder.add(' ');
      i += n - 1;
      continue;
    }
    if (text[i] == '\\' && ++i == text.size()) break;
    builder.add(text[i]);
  }
  return builder.take();
}

namespace {
constexpr const char* kKindNames[] = {"tag", "lora", "embedding", "hypernet", "wildcard"};
}  // namespace

const char* keyword_kind_name(KeywordKind kind) {
  int i = static_cast<int>(kind);
  return i >= 0 && i < 5 ? kKindNames[i] : "tag";
}

std::optional<KeywordKind> keyword_kind_from_name(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kKindNames[i]) return static_cast<KeywordKind>(i);
  }
  return std::nullopt;
}

}  // namespace provena
