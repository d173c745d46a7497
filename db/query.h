// The search language, first cut: free text over prompts (words and "exact phrases",
// -word to exclude) plus `seed:N`. The full language (fields, ranges, sort, keyset
// paging) grows here; it compiles to parameterized SQL, never to string-built SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace provena {

struct SearchQuery {
  std::vector<std::string> terms;     // each a word or phrase that must occur in the prompt
  std::vector<std::string> excluded;  // words or phrases that must not occur
  std::optional<int64_t> seed;
};

// Errors name the position (1-based column) and what was expected.
Result<SearchQuery> parse_search_query(std::string_view text);

}  // namespace provena
