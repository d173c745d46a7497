#include "db/keyword_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "db/stats.h"
#include "library_fixture.h"

namespace provena {
namespace {

using Found = std::vector<std::pair<KeywordKind, std::string>>;

Record with_negative(const std::string& negative, const std::string& ti_hashes = "") {
  Record r;
  r.prompt = "cat";
  r.negative_prompt = negative;
  if (!ti_hashes.empty()) r.extra = {{"TI hashes", ti_hashes}};
  return r;
}

// A negative prompt's keywords are kept per thread (negative prompts repeat): a repeat
// reads the same, the record's embedding names still decide how a word is read, and more
// distinct negative prompts than are kept still read right.
TEST(RecordKeywords, RepeatedNegativePromptsReadTheSame) {
  const std::string stock = "EasyNegative, (worst quality:1.4), <lora:bad_hands:0.5>, lowres";
  const Found first = record_keywords(with_negative(stock)).negative;
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[0], (std::pair<KeywordKind, std::string>{KeywordKind::kTag, "easynegative"}));
  EXPECT_EQ(first[2], (std::pair<KeywordKind, std::string>{KeywordKind::kLora, "bad hands"}));
  EXPECT_EQ(record_keywords(with_negative(stock)).negative, first);
  // The same text in a record that names EasyNegative as an embedding.
  const Found embedded = record_keywords(with_negative(stock, "\"EasyNegative: 66a7279a88dd\"")).negative;
  ASSERT_EQ(embedded.size(), 4u);
  EXPECT_EQ(embedded[0].first, KeywordKind::kEmbedding);
  EXPECT_EQ(record_keywords(with_negative(stock)).negative, first);  // and back
  // Many distinct negative prompts, then each again: every one reads as it did alone.
  std::vector<Found> alone;
  for (int i = 0; i < 300; ++i) alone.push_back(record_keywords(with_negative("word" + std::to_string(i) + ", blurry")).negative);
  for (int i = 299; i >= 0; --i) {
    const Found again = record_keywords(with_negative("word" + std::to_string(i) + ", blurry")).negative;
    ASSERT_EQ(again, alone[size_t(i)]) << i;
    ASSERT_EQ(again.size(), 2u);
    EXPECT_EQ(again[0].second, "word" + std::to_string(i));
  }
  // Another thread has its own cache and reads the same.
  Found other;
  std::thread([&] { other = record_keywords(with_negative(stock)).negative; }).join();
  EXPECT_EQ(other, first);
  EXPECT_TRUE(record_keywords(with_negative("")).negative.empty());
}

// The writer reuses a repeated negative prompt's keyword ids: counts and search by
// keyword come out as if each record were looked up alone, in one batch and across
// batches, and the same text read with an embedding name gets that keyword's own id.
TEST(KeywordIndex, RepeatedNegativePromptsCountOncePerRecord) {
  testing::TempDir dir;
  std::vector<testing::Gen> g(6);
  for (auto& x : g) x.prompt = "cat";
  g[0].negative = g[1].negative = g[2].negative = "blurry, lowres";
  g[3].negative = g[4].negative = "blurry, EasyNegative";
  g[4].extra = {{"TI hashes", "\"EasyNegative: 66a7279a88dd\""}};
  g[5].negative = "blurry, lowres";
  auto c = testing::make_library(dir, std::vector<testing::Gen>(g.begin(), g.end() - 1));
  ASSERT_TRUE(c);
  std::vector<IngestItem> later{testing::gen_item(g[5], 6)};
  ASSERT_TRUE(c->ingest(later));  // a second batch
  KeywordQuery q;
  q.negative = true;
  auto top = top_keywords(*c, q);
  ASSERT_TRUE(top) << top.error().message;
  std::vector<std::tuple<std::string, KeywordKind, int64_t>> got;
  for (const auto& k : *top) got.emplace_back(k.keyword, k.kind, k.records);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, KeywordKind, int64_t>>{{"blurry", KeywordKind::kTag, 6},
                                                                            {"easynegative", KeywordKind::kTag, 1},
                                                                            {"easynegative", KeywordKind::kEmbedding, 1},
                                                                            {"lowres", KeywordKind::kTag, 4}}));
}

}  // namespace
}  // namespace provena
