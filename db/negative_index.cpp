#include "db/negative_index.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstring>

namespace provena {

std::string negative_token(int64_t id) { return "负" + std::to_string(id); }

NegativeLookup negative_lookup(SQLite::Database& db) {
  return [&db](const std::string& fts_expression) -> Result<std::vector<int64_t>> {
    try {
      SQLite::Statement st(db, "SELECT rowid FROM negative_fts WHERE negative_fts MATCH ?");
      st.bind(1, fts_expression);
      std::vector<int64_t> ids;
      while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
      return ids;
    } catch (const std::exception& e) {
      return make_error(std::string("catalog: looking up negative prompts: ") + e.what());
    }
  };
}

NegativeIndex::NegativeIndex(SQLite::Database& db) : db_(db) {}
NegativeIndex::~NegativeIndex() = default;

void NegativeIndex::reset() {
  loaded_ = false;
  ids_.clear();
}

int64_t NegativeIndex::id_of(const Hash128& hash, const std::string& fts_text) {
  if (!loaded_) {
    SQLite::Statement st(db_, "SELECT id, hash FROM negative_texts");
    while (st.executeStep()) {
      const SQLite::Column blob = st.getColumn(1);
      if (blob.getBytes() != 16) continue;  // not one of ours: never matched
      Hash128 h;
      std::memcpy(h.bytes.data(), blob.getBlob(), 16);
      ids_.emplace(h, st.getColumn(0).getInt64());
    }
    insert_text_ = std::make_unique<SQLite::Statement>(db_, "INSERT INTO negative_texts(hash) VALUES (?)");
    insert_fts_ = std::make_unique<SQLite::Statement>(db_, "INSERT INTO negative_fts(rowid, negative_prompt) VALUES (?, ?)");
    loaded_ = true;
  }
  auto it = ids_.find(hash);
  if (it != ids_.end()) return it->second;
  insert_text_->bindNoCopy(1, hash.bytes.data(), 16);
  insert_text_->exec();
  insert_text_->reset();
  const int64_t id = db_.getLastInsertRowid();
  insert_fts_->bind(1, static_cast<int64_t>(id));
  insert_fts_->bindNoCopy(2, fts_text);
  insert_fts_->exec();
  insert_fts_->reset();
  ids_.emplace(hash, id);
  return id;
}

}  // namespace provena
