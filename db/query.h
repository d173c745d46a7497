// The search language (see docs/search.md). A query parses into an AST; db/query_sql.cpp
// compiles the AST into parameterized SQL, so user text only ever reaches SQLite as bound
// values.
//
//   cat "red hair" neko*        words, phrases, prefixes: all must occur in the prompt
//   cat OR dog, -dog, NOT dog   alternatives, exclusion; ( ) group
//   seed:42 steps:>=20 cfg:5..8 w:>1000 size:1024x1024 date:2026-01 date:2026-01-01..2026-02-15
//   model:NAME sampler:NAME scheduler:NAME tool:comfyui lora:NAME template:ID path:SUBSTR
//   neg:WORD has:negative sort:date|seed|steps|cfg|relevance|recent[:asc|:desc]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace provena {

enum class QueryField {
  kSeed, kSteps, kCfg, kWidth, kHeight, kSize, kDate,                   // numeric / ranges
  kModel, kSampler, kScheduler, kTool, kLora, kTemplate, kPath, kHas,   // text
};

// One end of a range; for kDate the value is unix seconds (UTC), for kCfg `real`.
struct QueryBound {
  bool set = false;
  bool inclusive = true;
  int64_t value = 0;
  double real = 0;
};

struct QueryNode {
  enum class Kind { kAnd, kOr, kNot, kText, kField };
  Kind kind = Kind::kAnd;
  size_t column = 0;               // 1-based position in the query text, for messages
  std::vector<QueryNode> children;  // kAnd, kOr, kNot (one child)
  // kText: a word or phrase that must occur in the prompt (negative prompt when `negative`).
  std::string text;
  bool prefix = false;
  bool negative = false;
  // kField
  QueryField field = QueryField::kSeed;
  std::string value;               // text fields: the name; `*` at the end = prefix
  QueryBound lo, hi;               // numeric fields; an exact value sets both
  QueryBound lo2, hi2;             // kSize: the height range (lo/hi hold the width)
};

enum class QuerySort { kRecent, kDate, kSeed, kSteps, kCfg, kRelevance };

struct SearchQuery {
  std::optional<QueryNode> root;  // empty: every record
  QuerySort sort = QuerySort::kRecent;
  bool descending = true;
  bool sort_given = false;
};

// Errors read "query error at column N: ..." and say what was expected there.
Result<SearchQuery> parse_search_query(std::string_view text);

// "date:" values: YYYY, YYYY-MM or YYYY-MM-DD (UTC) as [start, end) in unix seconds.
std::optional<std::pair<int64_t, int64_t>> parse_date_period(std::string_view text);
// Timestamps found in metadata (ISO 8601 with optional fraction and offset, EXIF
// "YYYY:MM:DD HH:MM:SS"), as unix seconds; no offset means UTC.
std::optional<int64_t> parse_timestamp(std::string_view text);

}  // namespace provena
