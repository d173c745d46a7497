// A small hand-made library for the search, stats and template tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "db/catalog.h"
#include "tests/test_util.h"

namespace provena::testing {

struct Gen {
  std::string prompt;
  std::string negative;
  int64_t seed = 0;
  int steps = 20;
  double cfg = 7;
  std::string model = "dreamshaper_8";
  std::string sampler = "Euler a";
  std::string tool = "a1111";
  std::string created_at = "2026-01-15T12:00:00Z";
  int width = 512, height = 512;
  std::string template_id;
  std::vector<std::pair<std::string, std::string>> extra;
};

inline IngestItem gen_item(const Gen& g, int n) {
  IngestItem it;
  it.path = "/lib/img-" + std::to_string(n) + ".png";
  std::string content = "content " + std::to_string(n);
  it.size = static_cast<int64_t>(content.size());
  it.mtime_ns = 1700000000LL * 1000000000LL;
  it.content_hash = xxh3_128(content.data(), content.size());
  it.image = ImageInfo{"png", g.width, g.height, 8, 3};
  Record& r = it.record;
  r.tool = g.tool;
  if (!g.prompt.empty()) r.prompt = g.prompt;
  if (!g.negative.empty()) r.negative_prompt = g.negative;
  r.seed = g.seed;
  r.steps = g.steps;
  r.cfg_scale = g.cfg;
  r.model = g.model;
  r.model_hash = "7f96a1a9ca";
  r.sampler = g.sampler;
  if (!g.created_at.empty()) r.created_at = g.created_at;
  if (!g.template_id.empty()) r.template_use = TemplateUse{g.template_id, 2, {{"subject", "cat"}}};
  r.extra = g.extra;
  r.raw = {{"parameters", g.prompt, "tEXt"}};
  return it;
}

// Ingests `gens` as assets 1..N (in order) into a fresh catalog.
inline std::unique_ptr<Catalog> make_library(const TempDir& dir, const std::vector<Gen>& gens) {
  auto c = Catalog::open(dir / "catalog.sqlite");
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  if (!c) return nullptr;
  std::vector<IngestItem> batch;
  for (size_t i = 0; i < gens.size(); ++i) batch.push_back(gen_item(gens[i], static_cast<int>(i + 1)));
  auto stored = (*c)->ingest(batch);
  EXPECT_TRUE(stored) << (stored ? "" : stored.error().message);
  return std::move(c.value());
}

}  // namespace provena::testing
