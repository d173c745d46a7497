// `provena stats keywords|keyword|cooccur|trend|usage ...`: prompt-keyword statistics as
// text tables for people and --json for scripts.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/cli/output.h"
#include "core/infotext.h"
#include "core/text.h"
#include "db/stats.h"

namespace provena::cli {
namespace {

using nlohmann::json;

void print_json(const json& j) { std::printf("%s\n", j.dump(2).c_str()); }

std::string day(int64_t t) { return format_utc(t, "%Y-%m-%d"); }

std::string one_keyword(const Args& args, const char* what) {
  if (args.positional().size() != 2) throw UsageError{std::string("stats ") + what + " needs one KEYWORD"};
  return args.positional()[1];
}

int keywords(const Args& args, const Catalog& catalog) {
  KeywordQuery q;
  q.query = args.option("--query").value_or("");
  q.negative = args.flag("--negative");
  q.limit = static_cast<int>(args.int_option("--limit", 50, 1, 1000000));
  if (auto k = args.option("--kind")) {
    q.kind = keyword_kind_from_name(*k);
    if (!q.kind) throw UsageError{"--kind expects tag, lora, embedding, hypernet or wildcard"};
  }
  auto top = top_keywords(catalog, q);
  if (!top) return report_error(top.error());
  if (args.flag("--json")) {
    json a = json::array();
    for (const auto& k : *top) a.push_back({{"keyword", k.keyword}, {"kind", keyword_kind_name(k.kind)}, {"count", k.records}});
    print_json(a);
    return kExitOk;
  }
  std::printf("%8s  %-9s  %s\n", "records", "kind", q.negative ? "negative keyword" : "keyword");
  for (const auto& k : *top)
    std::printf("%8lld  %-9s  %s\n", static_cast<long long>(k.records), keyword_kind_name(k.kind), k.keyword.c_str());
  return kExitOk;
}

int keyword(const Args& args, const Catalog& catalog) {
  auto p = keyword_profile(catalog, one_keyword(args, "keyword"), args.option("--query").value_or(""));
  if (!p) return report_error(p.error());
  if (args.flag("--json")) {
    json j = {{"keyword", p->keyword}, {"positive", p->positive}, {"negative", p->negative}};
    j["median_steps"] = p->median_steps ? json(*p->median_steps) : json(nullptr);
    j["median_cfg"] = p->median_cfg ? json(*p->median_cfg) : json(nullptr);
    j["first_made"] = p->first_made_at ? json(day(*p->first_made_at)) : json(nullptr);
    j["last_made"] = p->last_made_at ? json(day(*p->last_made_at)) : json(nullptr);
    json models = json::array();
    for (const auto& m : p->models) models.push_back({{"model", m.value}, {"count", m.records}});
    j["models"] = models;
    print_json(j);
    return kExitOk;
  }
  std::printf("keyword        %s\n", p->keyword.c_str());
  std::printf("in prompts     %lld records\n", static_cast<long long>(p->positive));
  std::printf("in negatives   %lld records\n", static_cast<long long>(p->negative));
  std::printf("median steps   %s\n", p->median_steps ? format_decimal(*p->median_steps).c_str() : "-");
  std::printf("median cfg     %s\n", p->median_cfg ? format_decimal(*p->median_cfg).c_str() : "-");
  if (p->first_made_at)
    std::printf("used           %s .. %s\n", day(*p->first_made_at).c_str(), day(*p->last_made_at).c_str());
  for (const auto& m : p->models)
    std::printf("  %8lld  %s\n", static_cast<long long>(m.records), m.value.empty() ? "(no model)" : m.value.c_str());
  return kExitOk;
}

int cooccur(const Args& args, const Catalog& catalog) {
  auto r = cooccurring(catalog, one_keyword(args, "cooccur"), args.option("--query").value_or(""),
                       static_cast<int>(args.int_option("--limit", 30, 1, 100000)));
  if (!r) return report_error(r.error());
  if (args.flag("--json")) {
    json pairs = json::array();
    for (const auto& c : r->pairs)
      pairs.push_back({{"keyword", c.keyword}, {"kind", keyword_kind_name(c.kind)}, {"together", c.together},
                       {"count", c.records}, {"lift", c.lift}});
    print_json({{"keyword", r->keyword}, {"count", r->records}, {"scope", r->scope_records}, {"pairs", pairs}});
    return kExitOk;
  }
  std::printf("'%s' is in %lld of %lld records; used with it:\n", r->keyword.c_str(), static_cast<long long>(r->records),
              static_cast<long long>(r->scope_records));
  std::printf("%8s  %8s  %6s  %s\n", "together", "records", "lift", "keyword");
  for (const auto& c : r->pairs)
    std::printf("%8lld  %8lld  %6.2f  %s\n", static_cast<long long>(c.together), static_cast<long long>(c.records),
                c.lift, c.keyword.c_str());
  return kExitOk;
}

int trend(const Args& args, const Catalog& catalog) {
  std::string by = args.option("--by").value_or("month");
  TrendBucket bucket = TrendBucket::kMonth;
  if (by == "day") bucket = TrendBucket::kDay;
  else if (by == "week") bucket = TrendBucket::kWeek;
  else if (by != "month") throw UsageError{"--by expects day, week or month"};
  auto points = keyword_trend(catalog, one_keyword(args, "trend"), bucket, args.option("--query").value_or(""));
  if (!points) return report_error(points.error());
  if (args.flag("--json")) {
    json a = json::array();
    for (const auto& p : *points) a.push_back({{"period", p.period}, {"count", p.records}, {"total", p.total}});
    print_json(a);
    return kExitOk;
  }
  std::printf("%-10s  %8s  %8s  %6s\n", by.c_str(), "records", "of all", "share");
  for (const auto& p : *points)
    std::printf("%-10s  %8lld  %8lld  %5.1f%%\n", p.period.c_str(), static_cast<long long>(p.records),
                static_cast<long long>(p.total), p.total ? 100.0 * static_cast<double>(p.records) / static_cast<double>(p.total) : 0.0);
  return kExitOk;
}

int usage_report(const Args& args, const Catalog& catalog) {
  std::string by = args.option("--by").value_or("");
  UsageBy u;
  if (by == "model") u = UsageBy::kModel;
  else if (by == "tool") u = UsageBy::kTool;
  else if (by == "sampler") u = UsageBy::kSampler;
  else if (by == "scheduler") u = UsageBy::kScheduler;
  else if (by == "size") u = UsageBy::kSize;
  else if (by == "lora") u = UsageBy::kLora;
  else throw UsageError{"stats usage needs --by model|tool|sampler|scheduler|lora|size"};
  auto rows = usage(catalog, u, args.option("--query").value_or(""),
                    static_cast<int>(args.int_option("--limit", 50, 1, 1000000)));
  if (!rows) return report_error(rows.error());
  if (args.flag("--json")) {
    json a = json::array();
    for (const auto& r : *rows) a.push_back({{by, r.value.empty() ? json(nullptr) : json(r.value)}, {"count", r.records}});
    print_json(a);
    return kExitOk;
  }
  std::printf("%8s  %s\n", "records", by.c_str());
  for (const auto& r : *rows)
    std::printf("%8lld  %s\n", static_cast<long long>(r.records), r.value.empty() ? "(none)" : r.value.c_str());
  return kExitOk;
}

}  // namespace

int cmd_stats(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--negative"}, {"--query", "--limit", "--by", "--kind"});
  if (args.positional().empty()) throw UsageError{"stats needs a report: keywords, keyword, cooccur, trend or usage"};
  const std::string& report = args.positional()[0];
  int (*fn)(const Args&, const Catalog&) = nullptr;
  if (report == "keywords") fn = keywords;
  else if (report == "keyword") fn = keyword;
  else if (report == "cooccur") fn = cooccur;
  else if (report == "trend") fn = trend;
  else if (report == "usage") fn = usage_report;
  else throw UsageError{"unknown report '" + report + "'; expected keywords, keyword, cooccur, trend or usage"};
  if (report == "keywords" && args.positional().size() > 1) throw UsageError{"stats keywords takes no KEYWORD (use --query)"};
  auto catalog = open_catalog(args, Catalog::Mode::kReadOnly);
  if (!catalog) return kExitFailures;
  return fn(args, *catalog);
}

}  // namespace provena::cli
