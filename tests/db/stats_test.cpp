#include "db/stats.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "schema/migrations.h"
#include "tests/db/library_fixture.h"

namespace provena {
namespace {

using testing::Gen;
using testing::TempDir;

class StatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Gen> g(5);
    g[0].prompt = "masterpiece, cat, red_hair";
    g[0].negative = "blurry";
    g[0].model = "A"; g[0].steps = 20; g[0].cfg = 7; g[0].created_at = "2026-01-05T10:00:00Z";
    g[1].prompt = "Masterpiece, dog";
    g[1].negative = "blurry, lowres";
    g[1].model = "A"; g[1].steps = 30; g[1].cfg = 5; g[1].created_at = "2026-01-20T10:00:00Z";
    g[2].prompt = "(masterpiece:1.2), cat, sunset";
    g[2].model = "B"; g[2].steps = 25; g[2].cfg = 8; g[2].created_at = "2026-02-10T10:00:00Z";
    g[2].sampler = "DPM++ 2M";
    g[3].prompt = "((cat)), <lora:detail_tweaker:0.8>, EasyNegative";
    g[3].model = "B"; g[3].steps = 40; g[3].cfg = 6; g[3].created_at = "2026-02-28T10:00:00Z";
    g[3].extra = {{"TI hashes", "\"EasyNegative: 66a7279a88dd\""}};
    g[4].prompt = "landscape";
    g[4].width = 1024; g[4].height = 768;
    g[4].model = "A"; g[4].steps = 10; g[4].cfg = 7; g[4].created_at = "2026-03-01T10:00:00Z"; g[4].tool = "comfyui";
    c = testing::make_library(dir, g);
    ASSERT_TRUE(c);
  }
  std::vector<std::pair<std::string, int64_t>> top(const std::string& query, bool negative = false) {
    KeywordQuery q;
    q.query = query;
    q.negative = negative;
    auto r = top_keywords(*c, q);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    std::vector<std::pair<std::string, int64_t>> out;
    if (r)
      for (const auto& k : *r) out.emplace_back(k.keyword, k.records);
    return out;
  }
  TempDir dir;
  std::unique_ptr<Catalog> c;
};

using Counts = std::vector<std::pair<std::string, int64_t>>;

TEST_F(StatsTest, TopKeywordsOverAllAndOverAQuery) {
  // Weights, case and underscores fold into one keyword; ties by first seen.
  EXPECT_EQ(top(""), (Counts{{"masterpiece", 3}, {"cat", 3}, {"red hair", 1}, {"dog", 1}, {"sunset", 1},
                             {"detail tweaker", 1}, {"easynegative", 1}, {"landscape", 1}}));
  EXPECT_EQ(top("", true), (Counts{{"blurry", 2}, {"lowres", 1}}));
  Counts subset = top("model:A");
  std::sort(subset.begin(), subset.end());
  EXPECT_EQ(subset, (Counts{{"cat", 1}, {"dog", 1}, {"landscape", 1}, {"masterpiece", 2}, {"red hair", 1}}));
  Counts feb = top("date:2026-02");
  ASSERT_EQ(feb.size(), 5u);
  EXPECT_EQ(feb[0], (std::pair<std::string, int64_t>{"cat", 2}));
  KeywordQuery loras;
  loras.kind = KeywordKind::kLora;
  auto l = top_keywords(*c, loras);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].keyword, "detail tweaker");
  KeywordQuery emb;
  emb.kind = KeywordKind::kEmbedding;
  auto e = top_keywords(*c, emb);
  ASSERT_TRUE(e && e->size() == 1u);  // named in "TI hashes": an embedding, not a tag
  EXPECT_FALSE(top_keywords(*c, KeywordQuery{"seed:x", false, 5, std::nullopt}));
}

TEST_F(StatsTest, CooccurrenceWithLift) {
  auto r = cooccurring(*c, "CAT", "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records, 3);
  EXPECT_EQ(r->scope_records, 5);
  ASSERT_FALSE(r->pairs.empty());
  EXPECT_EQ(r->pairs[0].keyword, "masterpiece");
  EXPECT_EQ(r->pairs[0].together, 2);
  EXPECT_NEAR(r->pairs[0].lift, 2.0 * 5 / (3 * 3), 1e-9);
  for (const auto& p : r->pairs) {
    if (p.keyword == "red hair") {
      EXPECT_NEAR(p.lift, 5.0 / 3, 1e-9);
    }
  }
  auto b = cooccurring(*c, "cat", "model:B");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->records, 2);
  EXPECT_EQ(b->scope_records, 2);
  for (const auto& p : b->pairs) EXPECT_NEAR(p.lift, 1.0, 1e-9) << p.keyword;  // every partner in half of 2
  auto missing = cooccurring(*c, "masterp", "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("did you mean: masterpiece"), std::string::npos) << missing.error().message;
}

TEST_F(StatsTest, TrendPerMonthWithTotals) {
  auto t = keyword_trend(*c, "cat", TrendBucket::kMonth);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].period, "2026-01");
  EXPECT_EQ((*t)[0].records, 1);
  EXPECT_EQ((*t)[0].total, 2);
  EXPECT_EQ((*t)[1].period, "2026-02");
  EXPECT_EQ((*t)[1].records, 2);
  EXPECT_EQ((*t)[1].total, 2);
  auto d = keyword_trend(*c, "masterpiece", TrendBucket::kDay);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].period, "2026-01-05");
  auto w = keyword_trend(*c, "cat", TrendBucket::kWeek, "model:B");
  ASSERT_TRUE(w);
  ASSERT_EQ(w->size(), 2u);
  EXPECT_EQ((*w)[0].period, "2026-W06");
  EXPECT_EQ((*w)[0].total, 1);
}

TEST_F(StatsTest, UsageAndKeywordProfile) {
  auto m = usage(*c, UsageBy::kModel);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].value, "A");
  EXPECT_EQ((*m)[0].records, 3);
  auto t = usage(*c, UsageBy::kTool, "cat OR landscape");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].value, "a1111");
  EXPECT_EQ((*t)[0].records, 3);
  auto s = usage(*c, UsageBy::kSampler);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)[0].value, "Euler a");
  auto l = usage(*c, UsageBy::kLora);
  ASSERT_TRUE(l && l->size() == 1u);
  auto sizes = usage(*c, UsageBy::kSize);
  ASSERT_TRUE(sizes) << sizes.error().message;
  EXPECT_EQ(*sizes, (std::vector<UsageRow>{{"512x512", 4}, {"1024x768", 1}}));
  auto wide = usage(*c, UsageBy::kSize, "landscape");  // through the full-text scope
  ASSERT_TRUE(wide) << wide.error().message;
  EXPECT_EQ(*wide, (std::vector<UsageRow>{{"1024x768", 1}}));
  auto p = keyword_profile(*c, "cat");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->positive, 3);
  EXPECT_EQ(p->negative, 0);
  EXPECT_DOUBLE_EQ(*p->median_steps, 25);
  EXPECT_DOUBLE_EQ(*p->median_cfg, 7);
  ASSERT_EQ(p->models.size(), 2u);
  EXPECT_EQ(p->models[0].value, "B");
  auto b = keyword_profile(*c, "blurry");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->negative, 2);
  auto even = keyword_profile(*c, "masterpiece", "model:A");
  ASSERT_TRUE(even);
  EXPECT_EQ(even->positive, 2);
  EXPECT_DOUBLE_EQ(*even->median_steps, 25);  // 20 and 30
}

TEST_F(StatsTest, CountsFollowLaterImportsAndDuplicatesCountOnce) {
  std::vector<IngestItem> more;
  Gen g;
  g.prompt = "cat, snow";
  more.push_back(testing::gen_item(g, 6));
  more.push_back(testing::gen_item(g, 1));  // same content as asset 1 under its path: no new record
  more.back().path = "/lib/copy.png";
  ASSERT_TRUE(c->ingest(more));
  Counts all = top("");
  EXPECT_EQ(all[0], (std::pair<std::string, int64_t>{"cat", 4}));
}

TEST(StatsMigration, RecordsStoredUnderSchemaOneGetKeywordsAndDates) {
  TempDir dir;
  const std::string path = dir / "old.sqlite";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(schema::kMigrations[0].sql);
    db.exec("PRAGMA user_version = 1");
    db.exec("INSERT INTO assets(id, content_hash, byte_size, format, added_at) VALUES (1, x'01', 10, 'png', 5), "
            "(2, x'02', 10, 'png', 5)");
    db.exec("INSERT INTO files(path, asset_id, size, mtime_ns) VALUES ('/a.png', 1, 10, 1700000000000000000), "
            "('/b.png', 2, 10, 1700000000000000000)");
    db.exec("INSERT INTO generations(asset_id, tool, prompt, created_at) VALUES "
            "(1, 'a1111', 'masterpiece, cat', '2026-01-05T00:00:00Z'), (2, 'a1111', 'cat, dog', NULL)");
  }
  auto c = Catalog::open(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->schema_version(), Catalog::latest_schema_version());
  auto t = top_keywords(**c, KeywordQuery{});
  ASSERT_TRUE(t);
  ASSERT_GE(t->size(), 1u);
  EXPECT_EQ((*t)[0].keyword, "cat");
  EXPECT_EQ((*t)[0].records, 2);
  auto jan = (*c)->search("date:2026-01");
  ASSERT_TRUE(jan);
  ASSERT_EQ(jan->entries.size(), 1u);
  EXPECT_EQ(jan->entries[0].id, 1);
  auto old = (*c)->search("date:2023-11");  // no metadata date: the file's mtime
  ASSERT_TRUE(old);
  EXPECT_EQ(old->entries.size(), 1u);
}

}  // namespace
}  // namespace provena
