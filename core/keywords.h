// Keywords of a generation prompt, for search and statistics: the tags between its
// separators, each with its emphasis weight, plus the extra networks, embeddings and
// wildcards it names. Syntax per AUTOMATIC1111 (prompt_parser.py: attention brackets,
// prompt editing, alternation, BREAK; extra networks `<lora:name:w>`), ComfyUI
// (`embedding:name`) and sd-dynamic-prompts (`{a|b}`, `{2$$a|b}`, `__wildcard__`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provena {

enum class KeywordKind : int { kTag = 0, kLora = 1, kEmbedding = 2, kHypernet = 3, kWildcard = 4 };

struct Keyword {
  std::string text;      // normalize_keyword(); a wildcard keeps its file name as written
  double weight = 1.0;   // emphasis of the first occurrence; for a LoRA its own multiplier
  KeywordKind kind = KeywordKind::kTag;
  bool operator==(const Keyword& other) const;
};

// Longer normalized keywords are skipped: they are sentences, not tags, and would only
// bloat the keyword index.
inline constexpr size_t kMaxKeywordBytes = 128;
// A prompt with more distinct keywords than this is spam or an attack; the first are kept.
inline constexpr size_t kMaxKeywordsPerPrompt = 256;
// Real prompts nest brackets a few levels deep. Brackets deeper than this still separate
// keywords and still pair up, but change no weight, so a 100k-deep prompt costs no memory.
inline constexpr size_t kMaxBracketDepth = 32;

// Distinct keywords by (kind, text) in order of first occurrence. A tag whose normalized
// text is among `embedding_names` (normalized here too) is reported as an embedding.
// Separators are , ; newlines | BREAK and the CJK ， 、 ； 。; brackets, extra networks and
// wildcards also end the keyword before them. A keyword needs a letter of some script
// (`8k` is kept, `1.5` is not). Never fails; time is linear in the prompt.
// Unbalanced brackets: an unclosed `(` or `[` weighs everything after it (x1.1 or /1.1),
// as in A1111; a closing bracket that does not match the innermost open one is ignored.
std::vector<Keyword> extract_keywords(std::string_view prompt,
                                      const std::vector<std::string>& embedding_names = {});

// Trims, lowercases ASCII (other scripts stay as written), turns booru underscores into
// spaces, collapses whitespace (incl. U+00A0, U+3000) and drops backslashes of escapes.
std::string normalize_keyword(std::string_view text);

const char* keyword_kind_name(KeywordKind kind);  // "tag", "lora", "embedding", ...
std::optional<KeywordKind> keyword_kind_from_name(std::string_view name);

}  // namespace provena
