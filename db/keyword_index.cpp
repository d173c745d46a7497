#include "db/keyword_index.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <unordered_map>

#include "core/hash.h"

namespace provena {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Names of textual-inversion embeddings from A1111's `TI hashes: "name: hash, name2: hash"`,
// so those words in a prompt count as embeddings rather than tags.
std::vector<std::string> embedding_names(const Record& r) {
  std::vector<std::string> names;
  for (const auto& [key, value] : r.extra) {
    if (key != "TI hashes") continue;
    std::string_view v = value;
    if (!v.empty() && v.front() == '"') v.remove_prefix(1);
    if (!v.empty() && v.back() == '"') v.remove_suffix(1);
    size_t pos = 0;
    while (pos < v.size()) {
      size_t end = v.find(',', pos);
      if (end == std::string_view::npos) end = v.size();
      std::string_view item = v.substr(pos, end - pos);
      size_t colon = item.rfind(':');
      if (colon != std::string_view::npos) item = item.substr(0, colon);
      std::string name = normalize_keyword(item);
      if (!name.empty()) names.push_back(std::move(name));
      pos = end + 1;
    }
  }
  return names;
}

}  // namespace

RecordKeywords record_keywords(const Record& r) {
  RecordKeywords out;
  std::vector<std::string> embeddings = embedding_names(r);
  auto take = [&](const std::string& prompt, std::vector<std::pair<KeywordKind, std::string>>& into) {
    auto found = extract_keywords(prompt, embeddings);
    into.reserve(found.size());
    for (auto& k : found) into.emplace_back(k.kind, std::move(k.text));
  };
  if (r.prompt && !r.prompt->empty()) take(*r.prompt, out.positive);
  if (!r.negative_prompt || r.negative_prompt->empty()) return out;
  // Negative prompts repeat across a library (a few stock negatives): each thread keeps
  // the keywords of the last distinct ones, keyed by the text and the record's embedding
  // names (which decide how a word is read).
  constexpr size_t kCachedNegatives = 64;
  thread_local std::unordered_map<Hash128, std::vector<std::pair<KeywordKind, std::string>>, Hash128Hasher> cache;
  thread_local std::string key;  // each embedding name after its length, then the text
  auto put_size = [](std::string& k, size_t n) { k.append(reinterpret_cast<const char*>(&n), sizeof n); };
  key.clear();
  put_size(key, embeddings.size());
  for (const auto& e : embeddings) put_size(key, e.size()), key += e;
  key += *r.negative_prompt;
  const Hash128 h = xxh3_128(key.data(), key.size());
  out.negative_key = h;
  if (auto it = cache.find(h); it != cache.end()) {
    out.negative = it->second;
    return out;
  }
  take(*r.negative_prompt, out.negative);
  if (cache.size() >= kCachedNegatives) cache.clear();
  cache.emplace(h, out.negative);
  return out;
}

std::string encode_keyword_ids(std::vector<int64_t> positive, std::vector<int64_t> negative) {
  std::sort(positive.begin(), positive.end());
  std::sort(negative.begin(), negative.end());
  std::string out;
  out.reserve(2 * (positive.size() + negative.size()) + 1);
  // Deltas between sorted ids keep the varints short (most are one or two bytes).
  int64_t prev = 0;
  for (int64_t id : positive) put_varint(out, static_cast<uint64_t>(id - prev)), prev = id;
  if (negative.empty()) return out;
  out.push_back('\0');
  prev = 0;
  for (int64_t id : negative) put_varint(out, static_cast<uint64_t>(id - prev)), prev = id;
  return out;
}

void decode_keyword_ids(std::string_view blob, std::vector<int64_t>& positive, std::vector<int64_t>& negative) {
  positive.clear();
  negative.clear();
  std::vector<int64_t>* into = &positive;
  int64_t prev = 0;
  uint64_t v = 0;
  int shift = 0;
  for (char ch : blob) {
    auto b = static_cast<unsigned char>(ch);
    if (shift > 56) return;  // malformed: a varint longer than 64 bits
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b & 0x80) {
      shift += 7;
      continue;
    }
    if (v == 0 && shift == 0 && into == &positive) {  // the separator (ids are >= 1, deltas >= 1)
      into = &negative;
      prev = 0;
    } else {
      prev += static_cast<int64_t>(v);
      into->push_back(prev);
    }
    v = 0;
    shift = 0;
  }
}

bool has_positive_keyword(std::string_view blob, int64_t id) {
  int64_t prev = 0;
  uint64_t v = 0;
  int shift = 0;
  for (char ch : blob) {
    auto b = static_cast<unsigned char>(ch);
    if (shift > 56) return false;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b & 0x80) {
      shift += 7;
      continue;
    }
    if (v == 0) return false;  // the separator: the negative ids follow
    prev += static_cast<int64_t>(v);
    if (prev >= id) return prev == id;  // sorted
    v = 0;
    shift = 0;
  }
  return false;
}

void register_keyword_functions(SQLite::Database& db) {
  auto fn = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
    const void* blob = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    bool found = blob && has_positive_keyword(std::string_view(static_cast<const char*>(blob), static_cast<size_t>(n)),
                                              sqlite3_value_int64(argv[1]));
    sqlite3_result_int(ctx, found ? 1 : 0);
  };
  sqlite3_create_function_v2(db.getHandle(), "provena_has_keyword", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, fn,
                             nullptr, nullptr, nullptr);
}

KeywordIndex::KeywordIndex(SQLite::Database& db) : db_(db) {}
KeywordIndex::~KeywordIndex() = default;

void KeywordIndex::reset() {
  loaded_ = false;
  for (auto& m : ids_) m.clear();
  pending_counts_.clear();
  pending_ids_.clear();
  negative_ids_.clear();
}

int64_t KeywordIndex::id_of(KeywordKind kind, const std::string& text) {
  if (!loaded_) {
    SQLite::Statement st(db_, "SELECT id, kind, text FROM keywords");
    while (st.executeStep()) {
      const int k = st.getColumn(1).getInt();
      if (k >= 0 && k < kKinds) ids_[static_cast<size_t>(k)].emplace(st.getColumn(2).getString(), st.getColumn(0).getInt64());
    }
    insert_keyword_ = std::make_unique<SQLite::Statement>(db_, "INSERT INTO keywords(kind, text) VALUES (?, ?)");
    bump_counts_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE keywords SET positive = positive + ?, negative = negative + ? WHERE id = ?");
    loaded_ = true;
  }
  auto& ids = ids_[static_cast<size_t>(kind) % kKinds];
  auto it = ids.find(text);
  if (it != ids.end()) return it->second;
  insert_keyword_->bind(1, static_cast<int>(kind));
  insert_keyword_->bindNoCopy(2, text);
  insert_keyword_->exec();
  insert_keyword_->reset();
  int64_t id = db_.getLastInsertRowid();
  ids.emplace(text, id);
  return id;
}

void KeywordIndex::count(int64_t id, bool positive) {
  if (id < 0) return;
  const auto at = static_cast<size_t>(id);
  if (at >= pending_counts_.size()) pending_counts_.resize(std::max(at + 1, 2 * pending_counts_.size()));
  auto& c = pending_counts_[at];
  if (c.first == 0 && c.second == 0) pending_ids_.push_back(id);
  ++(positive ? c.first : c.second);
}

std::string KeywordIndex::add(const RecordKeywords& kw) {
  std::vector<int64_t> pos, neg;
  pos.reserve(kw.positive.size());
  neg.reserve(kw.negative.size());
  for (const auto& [kind, text] : kw.positive) {
    int64_t id = id_of(kind, text);
    pos.push_back(id);
    count(id, true);
  }
  // A repeated negative prompt: its ids as last time (kept for the last 4,096 distinct ones).
  constexpr size_t kKeptIdLists = 4096;
  auto cached = kw.negative_key ? negative_ids_.find(*kw.negative_key) : negative_ids_.end();
  if (cached != negative_ids_.end()) {
    neg = cached->second;
  } else {
    for (const auto& [kind, text] : kw.negative) neg.push_back(id_of(kind, text));
    if (kw.negative_key) {
      if (negative_ids_.size() >= kKeptIdLists) negative_ids_.clear();
      negative_ids_.emplace(*kw.negative_key, neg);
    }
  }
  for (int64_t id : neg) count(id, false);
  if (pos.empty() && neg.empty()) return {};
  return encode_keyword_ids(std::move(pos), std::move(neg));
}

void KeywordIndex::flush() {
  if (!loaded_) return;
  std::sort(pending_ids_.begin(), pending_ids_.end());
  for (int64_t id : pending_ids_) {
    auto& c = pending_counts_[static_cast<size_t>(id)];
    bump_counts_->bind(1, static_cast<int64_t>(c.first));
    bump_counts_->bind(2, static_cast<int64_t>(c.second));
    bump_counts_->bind(3, static_cast<int64_t>(id));
    bump_counts_->exec();
    bump_counts_->reset();
    c = {0, 0};
  }
  pending_ids_.clear();
}

}  // namespace provena
