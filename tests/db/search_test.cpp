#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "tests/db/library_fixture.h"

namespace provena {
namespace {

using testing::Gen;
using testing::TempDir;

std::vector<int64_t> ids(const Result<SearchPage>& page) {
  EXPECT_TRUE(page) << (page ? "" : page.error().message);
  std::vector<int64_t> out;
  if (page)
    for (const auto& e : page->entries) out.push_back(e.id);
  return out;
}

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Gen> g(8);
    g[0].prompt = "masterpiece, (cat:1.2), red hair, <lora:detail_tweaker:0.8>";
    g[0].negative = "blurry, lowres";
    g[0].seed = 100; g[0].steps = 20; g[0].cfg = 7; g[0].created_at = "2026-01-05T10:00:00Z";
    g[1].prompt = "a dog in the snow";
    g[1].seed = 42; g[1].steps = 30; g[1].cfg = 5.5; g[1].sampler = "DPM++ 2M"; g[1].created_at = "2026-01-20T10:00:00Z";
    g[1].width = 1024; g[1].height = 1024;
    g[2].prompt = "cat and dog, sunset";
    g[2].negative = "dog";
    g[2].seed = 7; g[2].steps = 25; g[2].cfg = 8; g[2].tool = "comfyui"; g[2].sampler = "euler";
    g[2].model = "sd_xl_base_1.0"; g[2].created_at = "2026-02-10T10:00:00Z";
    g[3].prompt = "一只可爱的橘色猫咪";
    g[3].seed = 42; g[3].steps = 12; g[3].cfg = 4; g[3].created_at = "2025-12-31T23:59:59Z";
    g[4].prompt = "catalog photo of shoes";
    g[4].seed = 5; g[4].created_at = "2026-02-15T23:00:00Z"; g[4].template_id = "product";
    g[5].prompt = "cat cat cat, kitten, cat";  // most relevant for "cat"
    g[5].seed = 9; g[5].created_at = "";      // no metadata date: the file's mtime (2023-11-14)
    g[6].prompt = "landscape, mountains";
    g[6].negative = "people";
    g[6].seed = 1; g[6].cfg = 7.5;
    g[7].prompt = "portrait of a woman, red hair";
    g[7].seed = 3; g[7].steps = 40;
    c = testing::make_library(dir, g);
    ASSERT_TRUE(c);
  }
  std::vector<int64_t> find(const std::string& q, int limit = 50) {
    SearchOptions o;
    o.limit = limit;
    return ids(c->search(q, o));
  }
  TempDir dir;
  std::unique_ptr<Catalog> c;
};

using V = std::vector<int64_t>;

TEST_F(SearchTest, TextNewestFirstWithPrefixOrAndExclusion) {
  EXPECT_EQ(find("cat"), (V{6, 3, 1}));             // words, not substrings: "catalog" is not "cat"
  EXPECT_EQ(find("cat*"), (V{6, 5, 3, 1}));         // prefix
  EXPECT_EQ(find("cat -dog"), (V{6, 1}));
  EXPECT_EQ(find("cat OR snow"), (V{6, 3, 2, 1}));
  EXPECT_EQ(find("(cat OR dog) sunset"), (V{3}));
  EXPECT_EQ(find("\"red hair\""), (V{8, 1}));
  EXPECT_EQ(find("\"hair red\""), (V{}));
  EXPECT_EQ(find("猫咪"), (V{4}));                   // Chinese found as a substring
  EXPECT_EQ(find("CAT"), find("cat"));                // case folded
  EXPECT_EQ(find("detail_tweaker"), (V{1}));         // weights, brackets, underscores don't hide words
  EXPECT_EQ(find("-cat -dog").size(), 4u);            // only exclusions: everything else
  EXPECT_EQ(find("neg:dog"), (V{3}));                 // in the negative prompt only
  EXPECT_EQ(find("dog -neg:dog"), (V{2}));
}

TEST_F(SearchTest, NumericFields) {
  EXPECT_EQ(find("seed:42"), (V{4, 2}));
  EXPECT_EQ(find("steps:>=25"), (V{8, 3, 2}));
  EXPECT_EQ(find("steps:<20"), (V{4}));
  EXPECT_EQ(find("cfg:5..7"), (V{8, 6, 5, 2, 1}));
  EXPECT_EQ(find("cfg:>7"), (V{7, 3}));
  EXPECT_EQ(find("size:1024x1024"), (V{2}));
  EXPECT_EQ(find("w:>600"), (V{2}));
  EXPECT_EQ(find("h:512"), (V{8, 7, 6, 5, 4, 3, 1}));
  EXPECT_EQ(find("cat seed:100"), (V{1}));
  EXPECT_EQ(find("cat OR seed:42"), (V{6, 4, 3, 2, 1}));  // text under OR with a field
}

TEST_F(SearchTest, DatesAreUtcPeriods) {
  EXPECT_EQ(find("date:2026-01"), (V{8, 7, 2, 1}));
  EXPECT_EQ(find("date:2026-01-01..2026-02-15"), (V{8, 7, 5, 3, 2, 1}));  // the end day is included
  EXPECT_EQ(find("date:2025"), (V{4}));
  EXPECT_EQ(find("date:<2024"), (V{6}));  // made_at from the file when the metadata has no date
  EXPECT_EQ(find("date:>2026-01"), (V{5, 3}));
}

TEST_F(SearchTest, TextFields) {
  EXPECT_EQ(find("model:xl"), (V{3}));           // anywhere in the name
  EXPECT_EQ(find("model:7f96"), find(""));       // or a prefix of the hash
  EXPECT_EQ(find("sampler:euler"), (V{3}));      // exact, case-insensitive
  EXPECT_EQ(find("sampler:euler*"), (V{8, 7, 6, 5, 4, 3, 1}));
  EXPECT_EQ(find("sampler:\"dpm++ 2m\""), (V{2}));
  EXPECT_EQ(find("tool:ComfyUI"), (V{3}));
  EXPECT_EQ(find("-tool:a1111"), (V{3}));
  EXPECT_EQ(find("lora:detail_tweaker"), (V{1}));
  EXPECT_EQ(find("lora:detail*"), (V{1}));
  EXPECT_EQ(find("lora:detail"), (V{}));
  EXPECT_EQ(find("template:product"), (V{5}));
  EXPECT_EQ(find("has:template"), (V{5}));
  EXPECT_EQ(find("has:negative"), (V{7, 3, 1}));
  EXPECT_EQ(find("has:lora"), (V{1}));
  EXPECT_EQ(find("path:img-3."), (V{3}));
  EXPECT_EQ(find("path:%"), (V{}));  // LIKE wildcards are literal characters
  EXPECT_EQ(find("model:%"), (V{}));
}

TEST_F(SearchTest, SortOrders) {
  EXPECT_EQ(find("sort:seed"), (V{7, 8, 5, 3, 6, 2, 4, 1}));  // ties by id
  EXPECT_EQ(find("sort:seed:desc"), (V{1, 4, 2, 6, 3, 5, 8, 7}));
  EXPECT_EQ(find("sort:date"), (V{5, 3, 2, 8, 7, 1, 4, 6}));  // newest first; 7 and 8 made at the same time
  EXPECT_EQ(find("sort:date:asc"), (V{6, 4, 1, 7, 8, 2, 3, 5}));
  EXPECT_EQ(find("sort:cfg"), (V{4, 2, 1, 5, 6, 8, 7, 3}));
  EXPECT_EQ(find("cat* sort:relevance")[0], 6);  // "cat" four times
  auto bad = c->search("sort:relevance");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("needs words"), std::string::npos);
}

TEST_F(SearchTest, KeysetPagesJoinUpToTheWholeList) {
  for (const std::string q : {"", "sort:seed", "sort:date", "sort:cfg:desc", "cat* OR red sort:relevance", "h:512"}) {
    V whole = find(q);
    V paged;
    SearchOptions o;
    o.limit = 3;
    int pages = 0;
    while (true) {
      auto page = c->search(q, o);
      ASSERT_TRUE(page) << q << ": " << page.error().message;
      for (const auto& e : page->entries) paged.push_back(e.id);
      ++pages;
      if (page->next.empty()) break;
      o.after = page->next;
      ASSERT_LT(pages, 10) << q;
    }
    EXPECT_EQ(paged, whole) << q;
    EXPECT_EQ(pages, static_cast<int>((whole.size() + 2) / 3)) << q;
  }
  SearchOptions o;
  o.after = "seed:1:2";
  EXPECT_FALSE(c->search("", o));  // a cursor of another sort order
  o.after = "id:x";
  EXPECT_FALSE(c->search("", o));
}

TEST_F(SearchTest, InjectionAttemptsAreSearchedAsText) {
  for (const std::string q : {"'; DROP TABLE assets; --", "\"x\" OR 1=1", "model:'OR'1'='1", "path:\"'); DELETE FROM files; --\"",
                              "sampler:%'--", "NEAR(cat dog)", "cat AND NOT"}) {
    auto r = c->search(q);
    if (r) {
      EXPECT_TRUE(r->entries.empty()) << q;
    }
  }
  EXPECT_EQ(*c->count_assets(), 8);
  EXPECT_EQ(find("").size(), 8u);
}

}  // namespace
}  // namespace provena
