// Prompt-keyword statistics over the catalog. Every report takes an optional search
// query (db/query.h) restricting it to the matching records; "" means the whole library,
// which the per-keyword counts maintained at ingest answer without reading the records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/keywords.h"
#include "core/result.h"
#include "db/catalog.h"

namespace provena {

struct KeywordCount {
  std::string keyword;
  KeywordKind kind = KeywordKind::kTag;
  int64_t records = 0;  // records whose prompt (or negative prompt) holds it
};

struct KeywordQuery {
  std::string query;     // restricts the records; "" = all
  bool negative = false;  // count negative prompts instead of positive ones
  int limit = 50;
  std::optional<KeywordKind> kind;  // only this kind (e.g. LoRAs)
};
Result<std::vector<KeywordCount>> top_keywords(const Catalog& catalog, const KeywordQuery& q);

struct Cooccurrence {
  std::string keyword;
  KeywordKind kind = KeywordKind::kTag;
  int64_t together = 0;  // records holding both
  int64_t records = 0;   // records holding this one
  double lift = 0;       // P(both) / (P(a) P(b)); > 1: used together more than by chance
};
struct CooccurrenceReport {
  std::string keyword;
  int64_t records = 0;        // records holding the keyword
  int64_t scope_records = 0;  // records considered
  std::vector<Cooccurrence> pairs;  // most frequent partners first
};
Result<CooccurrenceReport> cooccurring(const Catalog& catalog, const std::string& keyword, const std::string& query,
                                       int limit = 30);

enum class TrendBucket { kDay, kWeek, kMonth };
struct TrendPoint {
  std::string period;   // 2026-01-31, 2026-W05, 2026-01 (UTC)
  int64_t records = 0;  // records with the keyword made in the period
  int64_t total = 0;    // all records (in the query's scope) made in the period
};
Result<std::vector<TrendPoint>> keyword_trend(const Catalog& catalog, const std::string& keyword, TrendBucket by,
                                              const std::string& query = {});

enum class UsageBy { kModel, kTool, kSampler, kScheduler, kLora, kSize };  // kSize: "WxH" of the image
struct UsageRow {
  std::string value;  // "" for records without the field
  int64_t records = 0;
  bool operator==(const UsageRow& o) const { return value == o.value && records == o.records; }
};
Result<std::vector<UsageRow>> usage(const Catalog& catalog, UsageBy by, const std::string& query = {}, int limit = 50);

// One keyword in depth: how often, with which settings it is used.
struct KeywordProfile {
  std::string keyword;
  int64_t positive = 0, negative = 0;
  std::optional<double> median_steps, median_cfg;
  std::optional<int64_t> first_made_at, last_made_at;  // unix seconds
  std::vector<UsageRow> models;                         // most used first
};
Result<KeywordProfile> keyword_profile(const Catalog& catalog, const std::string& keyword, const std::string& query = {});

}  // namespace provena
