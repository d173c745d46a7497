// Editing the search text from the filter sidebar: a filter is one `field:value` term of
// the query language (db/query.h), replaced in place so the user sees and can edit it.
// Pure text functions, no ImGui.
#pragma once

#include <string>

namespace provena::gui {

// The value of the first `field:` term in `query` (quotes removed), "" when none. Terms
// inside quotes ("model:x" as a phrase) are not terms.
std::string field_term(const std::string& query, const std::string& field);
// `query` with every `field:` term removed and, when `value` is not empty, `field:value`
// appended (quoted when it holds spaces or brackets; `"` is dropped, the language cannot
// quote it).
std::string with_field_term(const std::string& query, const std::string& field, const std::string& value);

// A date range term's value: "FROM..TO", "FROM..", "..TO" or "" (dates as typed).
std::string date_range_value(const std::string& from, const std::string& to);

}  // namespace provena::gui
