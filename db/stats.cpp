#include "db/stats.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <unordered_map>

#include "db/catalog_internals.h"
#include "db/negative_index.h"
#include "db/fts_text.h"
#include "db/keyword_index.h"
#include "db/query_sql.h"

namespace provena {
namespace {


// The records a query selects, as SQL; nullopt for "" (everything).
Result<std::optional<SqlScope>> scope_of(const Catalog& catalog, const std::string& query) {
  auto q = parse_search_query(query);
  if (!q) return q.error();
  if (!q->root) return std::optional<SqlScope>();
  auto compiled = compile_query(*q, negative_lookup(CatalogInternals::db(catalog)));
  if (!compiled) return compiled.error();
  return std::optional<SqlScope>(scope_sql(*compiled));
}

// Ids of a keyword as the user typed it (normalized like prompts are), of any kind.
std::vector<int64_t> keyword_ids(SQLite::Database& db, const std::string& keyword) {
  std::vector<int64_t> ids;
  SQLite::Statement st(db, "SELECT id FROM keywords WHERE text = ? ORDER BY kind");
  st.bind(1, normalize_keyword(keyword));
  while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
  return ids;
}

// A keyword no prompt holds: say so, with keywords that start like it.
Error unknown_keyword(SQLite::Database& db, const std::string& keyword) {
  std::string k = normalize_keyword(keyword);
  std::string msg = "no prompt holds the keyword '" + k + "'";
  SQLite::Statement st(db, "SELECT text FROM keywords WHERE text >= ? AND text < ? ORDER BY positive + negative DESC LIMIT 5");
  st.bind(1, k);
  st.bind(2, k + "\xF4\x8F\xBF\xBF");
  std::string similar;
  while (st.executeStep()) similar += (similar.empty() ? "" : "; ") + st.getColumn(0).getString();
  if (!similar.empty()) msg += " (keywords are whole tags between commas; did you mean: " + similar + ")";
  return make_error(msg);
}

std::string id_list(const std::vector<int64_t>& ids) {  // integers only: safe to inline
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

// Keyword counts over the records of a scope, from their keyword lists.
struct ScopeCounts {
  std::unordered_map<int64_t, int64_t> counts;
  int64_t records = 0;
};
ScopeCounts count_scope(SQLite::Database& db, const SqlScope& scope, bool negative) {
  ScopeCounts out;
  SQLite::Statement st(db, "SELECT g.keywords " + scope.from_where);
  bind_values(st, scope.binds);
  std::vector<int64_t> pos, neg;
  while (st.executeStep()) {
    ++out.records;
    const SQLite::Column c = st.getColumn(0);
    if (c.isNull()) continue;
    decode_keyword_ids(std::string_view(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())), pos,
                       neg);
    for (int64_t id : negative ? neg : pos) ++out.counts[id];
  }
  return out;
}

KeywordCount keyword_by_id(SQLite::Statement& st, int64_t id, int64_t records) {
  KeywordCount k;
  k.records = records;
  st.bind(1, static_cast<int64_t>(id));
  if (st.executeStep()) {
    k.keyword = st.getColumn(0).getString();
    k.kind = static_cast<KeywordKind>(st.getColumn(1).getInt());
  }
  st.reset();
  return k;
}

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + static_cast<long>(mid))) / 2;
  return m;
}

bool by_records_then_value(const UsageRow& a, const UsageRow& b) {
  return a.records != b.records ? a.records > b.records : a.value < b.value;
}

std::string scope_filter(const std::optional<SqlScope>& scope) {
  return scope ? " AND g.asset_id IN (SELECT g.asset_id " + scope->from_where + ")" : std::string();
}

// The records holding a keyword (of any of `ids`, one text), within a scope: candidates
// from the full-text index (the keyword's words as a phrase in the prompt), confirmed
// against each record's keyword list. "FROM ... WHERE ..." over generations g.
SqlScope records_with(const std::string& keyword, const std::vector<int64_t>& ids, const std::optional<SqlScope>& scope) {
  SqlScope m;
  m.from_where = "FROM prompt_fts m JOIN generations g ON g.asset_id = m.rowid WHERE prompt_fts MATCH ? AND (";
  for (size_t i = 0; i < ids.size(); ++i)
    m.from_where += (i ? " OR " : "") + std::string("provena_has_keyword(g.keywords, ") + std::to_string(ids[i]) + ")";
  m.from_where += ")" + scope_filter(scope);
  m.binds.emplace_back("prompt : " + fts_phrase(normalize_keyword(keyword)));
  if (scope) m.binds.insert(m.binds.end(), scope->binds.begin(), scope->binds.end());
  return m;
}

}  // namespace

Result<std::vector<KeywordCount>> top_keywords(const Catalog& catalog, const KeywordQuery& q) {
  auto scope = scope_of(catalog, q.query);
  if (!scope) return scope.error();
  return guarded("counting keywords", [&]() -> Result<std::vector<KeywordCount>> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    std::vector<KeywordCount> out;
    const char* column = q.negative ? "negative" : "positive";
    if (!*scope) {  // the whole library: the counts kept at ingest
      std::string sql = std::string("SELECT text, kind, ") + column + " FROM keywords WHERE " + column + " > 0" +
                        (q.kind ? " AND kind = ?" : "") + " ORDER BY " + column + " DESC, id LIMIT ?";
      SQLite::Statement st(db, sql);
      int idx = 1;
      if (q.kind) st.bind(idx++, static_cast<int>(*q.kind));
      st.bind(idx, q.limit);
      while (st.executeStep())
        out.push_back({st.getColumn(0).getString(), static_cast<KeywordKind>(st.getColumn(1).getInt()),
                       st.getColumn(2).getInt64()});
      return out;
    }
    ScopeCounts sc = count_scope(db, **scope, q.negative);
    SQLite::Statement text(db, "SELECT text, kind FROM keywords WHERE id = ?");
    std::vector<std::pair<int64_t, int64_t>> ranked;  // (-count, id)
    ranked.reserve(sc.counts.size());
    for (const auto& [id, n] : sc.counts) ranked.emplace_back(-n, id);
    std::sort(ranked.begin(), ranked.end());
    for (const auto& [neg_n, id] : ranked) {
      if (static_cast<int>(out.size()) >= q.limit) break;
      KeywordCount k = keyword_by_id(text, id, -neg_n);
      if (q.kind && k.kind != *q.kind) continue;
      out.push_back(std::move(k));
    }
    return out;
  });
}

Result<CooccurrenceReport> cooccurring(const Catalog& catalog, const std::string& keyword, const std::string& query,
                                       int limit) {
  auto scope = scope_of(catalog, query);
  if (!scope) return scope.error();
  return guarded("counting co-occurrences", [&]() -> Result<CooccurrenceReport> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    CooccurrenceReport r;
    r.keyword = normalize_keyword(keyword);
    std::vector<int64_t> ids = keyword_ids(db, keyword);
    if (ids.empty()) return unknown_keyword(db, keyword);
    // Partners: the keyword lists of the records holding the keyword.
    std::unordered_map<int64_t, int64_t> together;
    {
      SqlScope m = records_with(keyword, ids, *scope);
      SQLite::Statement st(db, "SELECT g.asset_id, g.keywords " + m.from_where);
      bind_values(st, m.binds);
      std::vector<int64_t> pos, neg;
      while (st.executeStep()) {
        ++r.records;
        const SQLite::Column c = st.getColumn(1);
        if (c.isNull()) continue;
        decode_keyword_ids(std::string_view(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())),
                           pos, neg);
        for (int64_t id : pos)
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) ++together[id];
      }
    }
    // Each partner's own frequency in the same scope, for the lift.
    std::unordered_map<int64_t, int64_t> scope_counts;
    if (*scope) {
      ScopeCounts sc = count_scope(db, **scope, false);
      scope_counts = std::move(sc.counts);
      r.scope_records = sc.records;
    } else {
      r.scope_records = db.execAndGet("SELECT count(*) FROM generations").getInt64();
    }
    std::vector<std::pair<int64_t, int64_t>> ranked;
    for (const auto& [id, n] : together) ranked.emplace_back(-n, id);
    std::sort(ranked.begin(), ranked.end());
    if (static_cast<int>(ranked.size()) > limit) ranked.resize(static_cast<size_t>(limit));
    SQLite::Statement text(db, "SELECT text, kind, positive FROM keywords WHERE id = ?");
    for (const auto& [neg_n, id] : ranked) {
      Cooccurrence c;
      c.together = -neg_n;
      text.bind(1, static_cast<int64_t>(id));
      if (text.executeStep()) {
        c.keyword = text.getColumn(0).getString();
        c.kind = static_cast<KeywordKind>(text.getColumn(1).getInt());
        c.records = *scope ? scope_counts[id] : text.getColumn(2).getInt64();
      }
      text.reset();
      if (c.records > 0 && r.records > 0)
        c.lift = static_cast<double>(c.together) * static_cast<double>(r.scope_records) /
                 (static_cast<double>(r.records) * static_cast<double>(c.records));
      r.pairs.push_back(std::move(c));
    }
    return r;
  });
}

Result<std::vector<TrendPoint>> keyword_trend(const Catalog& catalog, const std::string& keyword, TrendBucket by,
                                              const std::string& query) {
  auto scope = scope_of(catalog, query);
  if (!scope) return scope.error();
  return guarded("computing a trend", [&]() -> Result<std::vector<TrendPoint>> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    const char* fmt = by == TrendBucket::kDay ? "%Y-%m-%d" : by == TrendBucket::kWeek ? "%Y-W%W" : "%Y-%m";
    std::vector<TrendPoint> out;
    std::vector<int64_t> ids = keyword_ids(db, keyword);
    if (ids.empty()) return unknown_keyword(db, keyword);
    std::string period = std::string("strftime('") + fmt + "', g.made_at, 'unixepoch')";
    SqlScope m = records_with(keyword, ids, *scope);
    SQLite::Statement st(db, "SELECT " + period + " AS p, count(*), min(g.made_at) " + m.from_where +
                                 " AND g.made_at IS NOT NULL GROUP BY p ORDER BY p");
    bind_values(st, m.binds);
    std::vector<int64_t> some_time;  // a moment inside each period
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getInt64(), 0});
      some_time.push_back(st.getColumn(2).getInt64());
    }
    // Totals per period (the share of records using the keyword). Over the whole library
    // each period is one range count on the made_at index (no per-row date formatting:
    // 10x faster at a million records); over a query's subset, grouped like the above.
    if (!*scope) {
      const char* start_mod = by == TrendBucket::kDay ? "'start of day'" : by == TrendBucket::kWeek ? "'-6 days', 'weekday 1', 'start of day'" : "'start of month'";
      const char* end_mod = by == TrendBucket::kDay ? "'start of day', '+1 day'" : by == TrendBucket::kWeek ? "'+1 day', 'weekday 1', 'start of day'" : "'start of month', '+1 month'";
      SQLite::Statement bounds(db, std::string("SELECT CAST(strftime('%s', ?1, 'unixepoch', ") + start_mod +
                                       ") AS INTEGER), CAST(strftime('%s', ?1, 'unixepoch', " + end_mod + ") AS INTEGER)");
      SQLite::Statement count(db, "SELECT count(*) FROM generations WHERE made_at >= ? AND made_at < ?");
      for (size_t i = 0; i < out.size(); ++i) {
        bounds.bind(1, static_cast<int64_t>(some_time[i]));
        bounds.executeStep();
        count.bind(1, static_cast<int64_t>(bounds.getColumn(0).getInt64()));
        count.bind(2, static_cast<int64_t>(bounds.getColumn(1).getInt64()));
        bounds.reset();
        count.executeStep();
        out[i].total = count.getColumn(0).getInt64();
        count.reset();
      }
      return out;
    }
    SQLite::Statement totals(db, "SELECT " + period + " AS p, count(*) " + (*scope)->from_where +
                                     ((*scope)->from_where.find(" WHERE ") == std::string::npos ? " WHERE " : " AND ") +
                                     "g.made_at IS NOT NULL GROUP BY p");
    bind_values(totals, (*scope)->binds);
    std::unordered_map<std::string, int64_t> total_by_period;
    while (totals.executeStep()) total_by_period[totals.getColumn(0).getString()] = totals.getColumn(1).getInt64();
    for (auto& p : out) p.total = total_by_period[p.period];
    return out;
  });
}

Result<std::vector<UsageRow>> usage(const Catalog& catalog, UsageBy by, const std::string& query, int limit) {
  if (by == UsageBy::kLora) {
    KeywordQuery kq;
    kq.query = query;
    kq.limit = limit;
    kq.kind = KeywordKind::kLora;
    auto loras = top_keywords(catalog, kq);
    if (!loras) return loras.error();
    std::vector<UsageRow> out;
    for (auto& k : *loras) out.push_back({std::move(k.keyword), k.records});
    return out;
  }
  auto scope = scope_of(catalog, query);
  if (!scope) return scope.error();
  return guarded("counting usage", [&]() -> Result<std::vector<UsageRow>> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    // The size lives on the asset; looked up by primary key, so every scope's FROM serves.
    const char* col = by == UsageBy::kModel ? "g.model" : by == UsageBy::kTool ? "g.tool"
                      : by == UsageBy::kSampler ? "g.sampler" : by == UsageBy::kScheduler ? "g.scheduler"
                      : "(SELECT s.width || 'x' || s.height FROM assets s WHERE s.id = g.asset_id)";
    std::string from = *scope ? (*scope)->from_where : std::string("FROM generations g");
    // Counted here rather than with GROUP BY, which sorts every row (0.5 s at a million).
    SQLite::Statement st(db, std::string("SELECT ") + col + " " + from);
    if (*scope) bind_values(st, (*scope)->binds);
    std::unordered_map<std::string, int64_t> counts;
    std::string value;
    while (st.executeStep()) {
      const SQLite::Column c = st.getColumn(0);
      value.assign(c.isNull() ? "" : static_cast<const char*>(c.getBlob()), c.isNull() ? 0 : static_cast<size_t>(c.getBytes()));
      ++counts[value];
    }
    std::vector<UsageRow> out;
    for (auto& [v, n] : counts) out.push_back({v, n});
    std::sort(out.begin(), out.end(),
              by_records_then_value);
    if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
    return out;
  });
}

Result<KeywordProfile> keyword_profile(const Catalog& catalog, const std::string& keyword, const std::string& query) {
  auto scope = scope_of(catalog, query);
  if (!scope) return scope.error();
  return guarded("profiling a keyword", [&]() -> Result<KeywordProfile> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    KeywordProfile p;
    p.keyword = normalize_keyword(keyword);
    std::vector<int64_t> ids = keyword_ids(db, keyword);
    if (ids.empty()) return unknown_keyword(db, keyword);
    {
      SQLite::Statement st(db, "SELECT sum(positive), sum(negative) FROM keywords WHERE id IN (" + id_list(ids) + ")");
      st.executeStep();
      p.positive = st.getColumn(0).getInt64();
      p.negative = st.getColumn(1).getInt64();
    }
    std::vector<double> steps, cfg;
    std::unordered_map<std::string, int64_t> models;
    SqlScope m = records_with(keyword, ids, *scope);
    SQLite::Statement st(db, "SELECT g.asset_id, g.steps, g.cfg_scale, g.made_at, coalesce(g.model, '') " + m.from_where);
    bind_values(st, m.binds);
    int64_t in_scope = 0;
    while (st.executeStep()) {
      ++in_scope;
      if (!st.getColumn(1).isNull()) steps.push_back(st.getColumn(1).getDouble());
      if (!st.getColumn(2).isNull()) cfg.push_back(st.getColumn(2).getDouble());
      if (!st.getColumn(3).isNull()) {
        int64_t t = st.getColumn(3).getInt64();
        p.first_made_at = p.first_made_at ? std::min(*p.first_made_at, t) : t;
        p.last_made_at = p.last_made_at ? std::max(*p.last_made_at, t) : t;
      }
      ++models[st.getColumn(4).getString()];
    }
    if (*scope) p.positive = in_scope;  // the library-wide counts do not apply to a subset
    p.median_steps = median(std::move(steps));
    p.median_cfg = median(std::move(cfg));
    for (auto& [m, n] : models) p.models.push_back({m, n});
    std::sort(p.models.begin(), p.models.end(),
              by_records_then_value);
    if (p.models.size() > 10) p.models.resize(10);
    return p;
  });
}

}  // namespace provena
