// Prompt templates in the "dynamic prompts" syntax, expanded into concrete prompts;
// template suggestions mined from past prompts; and the JSON exchange format of
// `provena template export|import`. Pure functions: no I/O, no database.
//
// Syntax (prompt and negative alike):
//   {subject}    a named slot (letters, digits, '_' or '-'): its values come from
//                ExpandOptions::set, else PromptTemplate::slots.
//   {a|b|c}      an inline choice; options may be empty ({a|}) and may hold nested
//                choices, slots and wildcards. The `{2$$a|b}` prefix is refused with an
//                error: pick-several would make the recorded choice ambiguous.
//   __name__     a value of the wildcard list `name` (letters, digits, '_', '-', '/').
//   \{ \} \| \_  literal characters. Everything else, A1111 syntax such as (cat:1.2),
//                [a:b:10], [cat|dog], <lora:x:0.8> and \( included, passes through.
// Slot and wildcard values are inserted literally, never parsed again. A slot or
// wildcard name takes one value per expansion, shared by prompt and negative (so the
// record can say what was picked); each inline choice is picked independently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace provena {

// A template is typed by a person; 64 KiB is far beyond any real prompt and keeps a
// pasted file from being parsed as one.
inline constexpr size_t kMaxTemplateBytes = size_t(64) << 10;
// Brace nesting beyond this is a mistake or an attack on the recursive parser.
inline constexpr int kMaxTemplateDepth = 16;
// One expanded prompt or negative; long wildcard values cannot blow up memory.
inline constexpr size_t kMaxExpandedBytes = size_t(256) << 10;
// Most expansions one call returns, whatever cap or count the caller asks for.
inline constexpr size_t kMaxExpansions = 100000;
// An exchange file holds text templates; larger input is not one.
inline constexpr size_t kMaxTemplatesJsonBytes = size_t(16) << 20;
inline constexpr size_t kMaxTemplatesInJson = 10000;

struct PromptTemplate {
  std::string name;  // unique, user-chosen
  std::string prompt;
  std::string negative;
  int version = 1;
  // Values per named slot (observed values from history, or the user's list). Used by
  // expansion when the caller does not --set the slot.
  std::map<std::string, std::vector<std::string>> slots;
  // Default generation parameters that travel with the template ("steps" -> "20", ...).
  std::vector<std::pair<std::string, std::string>> params;
  bool operator==(const PromptTemplate& o) const {
    return name == o.name && prompt == o.prompt && negative == o.negative && version == o.version &&
           slots == o.slots && params == o.params;
  }
};
using WildcardLists = std::map<std::string, std::vector<std::string>>;  // name (no underscores) -> values

struct Expansion {
  std::string prompt, negative;
  // What was picked: slot name -> value, "__name__" -> wildcard value, "#n" -> the text of
  // inline choice n (1-based, numbered by its '{' over prompt then negative; only the
  // choices that were reached appear).
  std::map<std::string, std::string> choices;
  bool operator==(const Expansion& o) const {
    return prompt == o.prompt && negative == o.negative && choices == o.choices;
  }
};

struct ExpandOptions {
  std::map<std::string, std::vector<std::string>> set;  // overrides slot values (--set slot=a|b)
  size_t cap = 1000;  // expand_all refuses (error naming the count) beyond this many combinations
};

// Every combination, in odometer order: slots, wildcards and top-level inline choices are
// digits ordered by first appearance (prompt, then negative); the first varies slowest.
// A choice's outcomes are its options in order, each with its nested choices as
// sub-digits. A slot that appears only inside one option still counts as a digit.
Result<std::vector<Expansion>> expand_all(const PromptTemplate& tpl, const WildcardLists& wildcards,
                                          const ExpandOptions& options);
// `count` random expansions, each slot value and choice option equally likely. Expansion i
// draws from a splitmix64 stream derived from (seed, i): the same on every platform, and
// independent of `count`.
Result<std::vector<Expansion>> expand_random(const PromptTemplate& tpl, const WildcardLists& wildcards,
                                             const ExpandOptions& options, size_t count, uint64_t seed);

// Syntax check of one text. Names are distinct, in order of first appearance; errors
// name the 1-based column (and line, past the first) and what was expected.
struct TemplateSyntax {
  std::vector<std::string> slots, wildcards;
  size_t inline_choices = 0;
};
Result<TemplateSyntax> check_template(std::string_view text);

// The parts of a template's text, for colouring it in an editor: top-level slots, inline
// choices (the whole {...} group, nested parts included), wildcards, and errors (an
// unmatched '}', or an unbalanced '{' up to the end). Everything else is kText. Spans
// cover the text in order, without gaps.
enum class TemplateSpanKind { kText, kSlot, kChoice, kWildcard, kError };
struct TemplateSpan {
  size_t begin = 0, end = 0;  // byte offsets
  TemplateSpanKind kind = TemplateSpanKind::kText;
  bool operator==(const TemplateSpan& o) const { return begin == o.begin && end == o.end && kind == o.kind; }
};
std::vector<TemplateSpan> template_spans(std::string_view text);

// `text` escaped so that a template reproduces it literally.
std::string escape_template_literal(std::string_view text);

// Suggestions from history.
struct PromptSample {
  std::string prompt;  // distinct prompt text
  int64_t count = 1;   // how many records used it
};
struct SuggestOptions {
  size_t min_prompts = 3;       // distinct prompts a group needs to become a suggestion
  double min_similarity = 0.5;  // Jaccard of part sets against the group's first prompt
  size_t max_suggestions = 20;
  size_t max_values = 50;
};
struct TemplateSuggestion {
  std::string prompt;  // shared parts with one `{subject}` slot where the parts varied
  std::vector<std::pair<std::string, int64_t>> values;  // observed values, most used first
  int64_t records = 0;  // records whose prompt fits the pattern
  size_t prompts = 0;   // distinct prompts in the group
};
// Prompts are compared as sets of their top-level comma/newline separated parts
// (brackets group, case ignored) and clustered greedily, most used first.
std::vector<TemplateSuggestion> suggest_templates(const std::vector<PromptSample>& history,
                                                  const SuggestOptions& options);

// {"format":"provena-templates","version":1,"templates":[{name,prompt,negative,version,
//  slots:{},params:{}}],"wildcards":{name:[...]}}
std::string templates_to_json(const std::vector<PromptTemplate>& templates, const WildcardLists& wildcards);
// Errors name the template and field. Param values may be JSON numbers or booleans too.
Result<std::pair<std::vector<PromptTemplate>, WildcardLists>> templates_from_json(std::string_view json);

}  // namespace provena
