// search_bench: builds (or resumes) a library of N synthetic records (default 1,000,000;
// long-tail vocabulary, Chinese prompts mixed in) and prints the ingest rate with keyword
// maintenance, the catalog size per record, and p50/p99 latencies of searches and
// keyword statistics. Figures only; targets are printed beside them, never asserted.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "app/library/library.h"
#include "bench/synthetic_corpus.h"
#include "bench/synthetic_library.h"
#include "db/catalog.h"
#include "db/stats.h"

namespace {

using Clock = std::chrono::steady_clock;
using provena::Catalog;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

struct Latency {
  double p50 = 0, p99 = 0;
  size_t results = 0;
};

// Runs `fn(i)` for i in [0, runs) after one unmeasured warm-up call.
Latency measure(int runs, const std::function<size_t(int)>& fn) {
  fn(0);
  std::vector<double> ms;
  size_t results = 0;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    results += fn(i);
    ms.push_back(ms_since(t));
  }
  std::sort(ms.begin(), ms.end());
  Latency l;
  l.p50 = ms[ms.size() / 2];
  l.p99 = ms[std::min(ms.size() - 1, static_cast<size_t>(static_cast<double>(ms.size()) * 0.99))];
  l.results = results / static_cast<size_t>(runs);
  return l;
}

void report(const char* name, const Latency& l, const char* target) {
  std::printf("  %-44s p50 %8.2f ms  p99 %8.2f ms  (%zu results)  %s\n", name, l.p50, l.p99, l.results, target);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t records = 1000000;
  std::string dir = "/tmp/provena-search-bench";
  int runs = 50;
  uint64_t seed = 7;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "search_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--records") records = std::atoll(next());
    else if (a == "--dir") dir = next();
    else if (a == "--runs") runs = std::max(1, std::atoi(next()));
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else {
      std::fprintf(stderr, "usage: search_bench [--records N] [--dir DIR] [--runs R] [--seed S]\n"
                           "  builds DIR/catalog.sqlite (resumed when interrupted) and times queries on it\n");
      return 2;
    }
  }
  auto opened = provena::open_library(dir);
  if (!opened) {
    std::fprintf(stderr, "search_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  Catalog& catalog = **opened;

  // --- Build or resume the library ---------------------------------------------------
  const int64_t have = *catalog.count_assets();
  if (have < records) {
    std::printf("building: records %lld..%lld into %s\n", static_cast<long long>(have), static_cast<long long>(records),
                dir.c_str());
    auto built = provena::bench::grow_synthetic_library(catalog, records, seed, [](int64_t done) {
      if (done % 102400 < 4096) {
        std::printf("  %lld records\r", static_cast<long long>(done));
        std::fflush(stdout);
      }
    });
    if (!built) {
      std::fprintf(stderr, "search_bench: %s\n", built.error().message.c_str());
      return 1;
    }
    const double n = static_cast<double>(built->added);
    std::printf("ingest with keyword maintenance: %.0f records/s overall (%.1f s); storing alone %.1f us/record "
                "= %.0f records/s\n",
                n / built->seconds, built->seconds, built->store_seconds * 1e6 / n, n / built->store_seconds);
  }
  const int64_t n = *catalog.count_assets();
  const std::string db_path = dir + "/catalog.sqlite";
  // The database file after the checkpoint holds everything; the WAL file left beside it
  // is reused space (and truncated when the last connection closes).
  const double per_record = static_cast<double>(file_size(db_path)) / static_cast<double>(n);
  std::printf("library: %lld records, catalog %.1f MB = %.0f bytes per record (target <= 1536); WAL file %.1f MB\n\n",
              static_cast<long long>(n), static_cast<double>(file_size(db_path)) / 1e6, per_record,
              static_cast<double>(file_size(db_path + "-wal")) / 1e6);

  // --- Queries -------------------------------------------------------------------------
  const std::vector<std::string> fts_queries = {
      "sunset", "cat", "portrait woman", "\"red fox\"", "猫咪", "lighthouse storm", "cyberpunk -night",
      "samurai OR knight", "dragon*", "by " + provena::bench::synthetic_tail_name(3),
      provena::bench::synthetic_tail_name(900), "masterpiece", "watercolor castle", "樱花",
  };
  const std::vector<std::string> combined = {
      "sunset steps:>=30 cfg:5..7 model:dream", "cat sampler:euler* size:512x768", "masterpiece date:2026-03 -lowres",
      "has:negative tool:a1111 cfg:>8 fox", "portrait sort:date", "lora:add_detail rain",
  };
  // Negative-prompt words (their own index since schema 10): common, rare, absent, CJK,
  // and beside prompt words.
  const std::vector<std::string> negative_queries = {
      "neg:watermark", "neg:zombie", "neg:tentacles", "neg:水印", "cat -neg:blurry", "sunset neg:\"bad hands\"",
  };
  auto search = [&](const std::string& q, int limit) -> size_t {
    provena::SearchOptions o;
    o.limit = limit;
    auto r = catalog.search(q, o);
    if (!r) {
      std::fprintf(stderr, "search_bench: %s: %s\n", q.c_str(), r.error().message.c_str());
      std::exit(1);
    }
    return r->entries.size();
  };
  std::printf("latencies over %d runs each (warm cache, one thread):\n", runs);
  report("FTS query, LIMIT 100 (14 queries)",
         measure(runs, [&](int i) { return search(fts_queries[static_cast<size_t>(i) % fts_queries.size()], 100); }),
         "target p99 < 50 ms");
  report("FTS query sort:relevance, LIMIT 100",
         measure(runs, [&](int i) { return search(fts_queries[static_cast<size_t>(i) % fts_queries.size()] + " sort:relevance", 100); }),
         "");
  report("seed:N", measure(runs, [&](int i) {
           auto r = provena::bench::synthetic_library_record(seed, (static_cast<int64_t>(i) * 7919) % n);
           return search("seed:" + std::to_string(*r.seed), 100);
         }),
         "target < 1 ms");
  report("text + fields (6 queries), LIMIT 100",
         measure(runs, [&](int i) { return search(combined[static_cast<size_t>(i) % combined.size()], 100); }), "");
  report("negative-prompt words (6 queries), LIMIT 100",
         measure(runs, [&](int i) { return search(negative_queries[static_cast<size_t>(i) % negative_queries.size()], 100); }),
         "");
  const int heavy = std::max(5, runs / 5);
  auto top = [&](const std::string& q, bool negative) -> size_t {
    provena::KeywordQuery k;
    k.query = q;
    k.limit = 100;
    k.negative = negative;
    auto r = provena::top_keywords(catalog, k);
    if (!r) std::exit(1);
    return r->size();
  };
  report("top-100 keywords, whole library", measure(runs, [&](int) { return top("", false); }), "target < 100 ms");
  report("top-100 negative keywords, whole library", measure(runs, [&](int) { return top("", true); }), "");
  report("top-100 keywords, 10% subset (model:dreamshaper)",
         measure(heavy, [&](int) { return top("model:dreamshaper", false); }), "");
  report("top-100 keywords, FTS subset (sunset)", measure(heavy, [&](int) { return top("sunset", false); }), "");
  auto cooc = [&](const std::string& k) -> size_t {
    auto r = provena::cooccurring(catalog, k, "", 30);
    if (!r) {
      std::fprintf(stderr, "search_bench: cooccur %s: %s\n", k.c_str(), r.error().message.c_str());
      std::exit(1);
    }
    return static_cast<size_t>(r->records);
  };
  report("co-occurrence: 'sunset'", measure(heavy, [&](int) { return cooc("sunset"); }), "");
  report("co-occurrence: 'masterpiece' (most common)", measure(heavy, [&](int) { return cooc("masterpiece"); }), "");
  report("monthly trend: 'sunset'", measure(heavy, [&](int) {
           auto r = provena::keyword_trend(catalog, "sunset", provena::TrendBucket::kMonth);
           return r ? r->size() : 0;
         }),
         "");
  report("usage by model", measure(heavy, [&](int) {
           auto r = provena::usage(catalog, provena::UsageBy::kModel);
           return r ? r->size() : 0;
         }),
         "");
  return 0;
}
