// Negative prompts in the catalog (internal to db/): each distinct negative prompt is
// indexed once, in negative_fts under the id of its negative_texts row, and a record's
// prompt_fts row holds one token naming it, negative_token(id), in its negative_prompt
// column (schema/0010_negative_fts.sql). Negative prompts repeat across a library, so most
// records cost a hash lookup here and one token instead of a few dozen.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/hash.h"
#include "db/query_sql.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace provena {

// The token that stands for negative prompt `id` in prompt_fts: "负12" ("negative" + the
// id), one token to unicode61. No typed word can be it, and no indexed text holds it:
// fts_index_text sets every CJK character apart, so "负12" typed or stored is two tokens.
// As an FTS5 string it is quoted ("\"负12\"").
std::string negative_token(int64_t id);

// compile_query's lookup of negative prompts, over this connection's negative_fts.
NegativeLookup negative_lookup(SQLite::Database& db);

class NegativeIndex {
 public:
  explicit NegativeIndex(SQLite::Database& db);
  ~NegativeIndex();
  // Within the caller's transaction: the id of the negative prompt whose indexed text
  // (fts_index_text) is `fts_text` and hashes to `hash`; a new one is stored and indexed.
  int64_t id_of(const Hash128& hash, const std::string& fts_text);
  // After a rolled-back transaction: forget ids that may not exist any more.
  void reset();

 private:
  SQLite::Database& db_;
  bool loaded_ = false;
  std::unordered_map<Hash128, int64_t, Hash128Hasher> ids_;
  std::unique_ptr<SQLite::Statement> insert_text_, insert_fts_;
};

}  // namespace provena
