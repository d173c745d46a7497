// Compiles a parsed search query into parameterized SQL over the catalog's tables
// (assets a, generations g, generation_texts t, prompt_fts). Internal to db/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "db/query.h"

namespace provena {

using SqlValue = std::variant<int64_t, double, std::string>;

struct SqlQuery {
  // FTS5 expression that drives the search (bound to `prompt_fts MATCH ?`); empty when
  // the query has no positive text at its top level.
  std::string fts;
  std::string where;            // condition over a and g with ? placeholders; empty = none
  std::vector<SqlValue> binds;  // for `where`, in order
  bool needs_assets = false;    // `where` reads a.width / a.height
};

// The ids of the distinct negative prompts (negative_fts rows) matching an FTS5 expression
// over negative_fts: see negative_lookup() in db/catalog_internals.h.
using NegativeLookup = std::function<Result<std::vector<int64_t>>(const std::string& fts_expression)>;

// Fails only on text with nothing indexable in it (e.g. `-...`), naming its column, or
// when `negatives` fails. Without `negatives`, neg: words match only records stored before
// schema 10 (their own words).
Result<SqlQuery> compile_query(const SearchQuery& query, const NegativeLookup& negatives = {});

// "FROM ... WHERE ..." selecting the matching records plus its binds (the FTS expression
// first when there is one). For `entries` (search results) it joins assets a,
// generations g and generation_texts t; otherwise (statistics) it reads the narrow
// generations g rows alone where it can: a record is g.asset_id.
struct SqlScope {
  std::string from_where;
  std::vector<SqlValue> binds;
};
SqlScope scope_sql(const SqlQuery& q, bool entries = false);

}  // namespace provena
