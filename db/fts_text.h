#pragma once

#include <string>
#include <string_view>

namespace provena {

// The text the full-text index sees for a prompt: CJK characters are set apart by spaces
// so each is one unicode61 token and a CJK query becomes a phrase of adjacent characters,
// i.e. a substring match. Everything else is left for unicode61 (which already splits
// on brackets, weights and underscores: `(cat:1.2)` indexes `cat`).
std::string fts_index_text(std::string_view text);

// One user term as an FTS5 phrase string literal ("..."), or empty when the term holds no
// indexable characters.
std::string fts_phrase(std::string_view term);

}  // namespace provena
