// Prompt keywords in the catalog (internal to db/): the per-record keyword list stored in
// generations.keywords, and the writer-side index that maps keyword text to ids, keeps the
// per-keyword record counts up to date at ingest.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/keywords.h"
#include "core/record.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace provena {

// A record's keywords as the readers extract them (kind + normalized text, unique).
struct RecordKeywords {
  std::vector<std::pair<KeywordKind, std::string>> positive, negative;
  // Names the negative prompt and what decided its reading (equal keys, equal `negative`),
  // so the writer can reuse a repeated negative prompt's keyword ids.
  std::optional<Hash128> negative_key;
};
RecordKeywords record_keywords(const Record& r);

// generations.keywords: varints of the sorted positive ids, a 0, the sorted negative ids.
std::string encode_keyword_ids(std::vector<int64_t> positive, std::vector<int64_t> negative);
// Malformed input yields the ids that could be read.
void decode_keyword_ids(std::string_view blob, std::vector<int64_t>& positive, std::vector<int64_t>& negative);
// Whether `id` is among the positive ids (no allocation; for the SQL function below).
bool has_positive_keyword(std::string_view blob, int64_t id);

// Registers provena_has_keyword(keywords_blob, id) on a connection.
void register_keyword_functions(SQLite::Database& db);

class KeywordIndex {
 public:
  explicit KeywordIndex(SQLite::Database& db);
  ~KeywordIndex();
  // Within the caller's transaction: ids for the record's keywords (new keywords are
  // inserted), counts queued; returns the generations.keywords blob.
  std::string add(const RecordKeywords& kw);
  // Writes the queued counts (in id order).
  void flush();
  // After a rolled-back transaction: forget ids that may not exist any more.
  void reset();

 private:
  int64_t id_of(KeywordKind kind, const std::string& text);
  void count(int64_t id, bool positive);
  SQLite::Database& db_;
  bool loaded_ = false;
  static constexpr int kKinds = 5;  // KeywordKind's values
  // Per kind, text -> id: looked up with the keyword's own string (no key to build).
  std::array<std::unordered_map<std::string, int64_t>, kKinds> ids_;
  // Queued (positive, negative) counts by id, and the ids that have some.
  std::vector<std::pair<int64_t, int64_t>> pending_counts_;
  std::vector<int64_t> pending_ids_;
  // The keyword ids of recent negative prompts, by RecordKeywords::negative_key.
  std::unordered_map<Hash128, std::vector<int64_t>, Hash128Hasher> negative_ids_;
  std::unique_ptr<SQLite::Statement> insert_keyword_, bump_counts_;
};

}  // namespace provena
