#include "db/query.h"

#include <gtest/gtest.h>

#include "db/query_sql.h"

namespace provena {
namespace {

using Kind = QueryNode::Kind;

SearchQuery parse_ok(const std::string& text) {
  auto q = parse_search_query(text);
  EXPECT_TRUE(q) << text << ": " << (q ? "" : q.error().message);
  return q ? *q : SearchQuery{};
}

std::string error_of(const std::string& text) {
  auto q = parse_search_query(text);
  EXPECT_FALSE(q) << text << " should not parse";
  return q ? "" : q.error().message;
}

TEST(QueryParser, WordsPhrasesPrefixesAndExclusion) {
  SearchQuery q = parse_ok("  red \"blue sky\" neko* -dog ");
  ASSERT_TRUE(q.root);
  ASSERT_EQ(q.root->kind, Kind::kAnd);
  ASSERT_EQ(q.root->children.size(), 4u);
  EXPECT_EQ(q.root->children[0].text, "red");
  EXPECT_EQ(q.root->children[1].text, "blue sky");
  EXPECT_EQ(q.root->children[2].text, "neko");
  EXPECT_TRUE(q.root->children[2].prefix);
  EXPECT_FALSE(q.root->children[0].prefix);
  ASSERT_EQ(q.root->children[3].kind, Kind::kNot);
  EXPECT_EQ(q.root->children[3].children[0].text, "dog");
  EXPECT_EQ(q.sort, QuerySort::kRecent);
  EXPECT_FALSE(parse_ok("").root);
  EXPECT_FALSE(parse_ok("   ").root);
}

TEST(QueryParser, OrBindsLooserThanAndAndBracketsGroup) {
  SearchQuery q = parse_ok("a b OR c");
  ASSERT_EQ(q.root->kind, Kind::kOr);
  EXPECT_EQ(q.root->children[0].kind, Kind::kAnd);
  EXPECT_EQ(q.root->children[1].text, "c");
  q = parse_ok("a (b OR c) NOT d");
  ASSERT_EQ(q.root->kind, Kind::kAnd);
  EXPECT_EQ(q.root->children[1].kind, Kind::kOr);
  EXPECT_EQ(q.root->children[2].kind, Kind::kNot);
  q = parse_ok("a AND b");  // explicit AND is the same as a space
  EXPECT_EQ(q.root->children.size(), 2u);
  q = parse_ok("or and");  // lower-case words are words
  EXPECT_EQ(q.root->children[0].text, "or");
}

TEST(QueryParser, NumericFieldsComparisonsAndRanges) {
  SearchQuery q = parse_ok("seed:42");
  EXPECT_EQ(q.root->kind, Kind::kField);
  EXPECT_EQ(q.root->field, QueryField::kSeed);
  EXPECT_TRUE(q.root->lo.set && q.root->hi.set);
  EXPECT_EQ(q.root->lo.value, 42);
  q = parse_ok("steps:>=20");
  EXPECT_TRUE(q.root->lo.set && q.root->lo.inclusive && !q.root->hi.set);
  q = parse_ok("steps:<30");
  EXPECT_TRUE(q.root->hi.set && !q.root->hi.inclusive && q.root->hi.value == 30);
  q = parse_ok("cfg:5..7.5");
  EXPECT_DOUBLE_EQ(q.root->lo.real, 5);
  EXPECT_DOUBLE_EQ(q.root->hi.real, 7.5);
  q = parse_ok("w:1024.. SIZE:512x768");
  EXPECT_TRUE(q.root->children[0].lo.set && !q.root->children[0].hi.set);
  EXPECT_EQ(q.root->children[1].field, QueryField::kSize);
  EXPECT_EQ(q.root->children[1].lo.value, 512);
  EXPECT_EQ(q.root->children[1].lo2.value, 768);
}

TEST(QueryParser, DatesCoverTheirWholePeriod) {
  SearchQuery q = parse_ok("date:2026-01");
  EXPECT_EQ(q.root->lo.value, 1767225600);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(q.root->hi.value, 1769904000);  // 2026-02-01, exclusive
  EXPECT_FALSE(q.root->hi.inclusive);
  q = parse_ok("date:2026-01-01..2026-02-15");
  EXPECT_EQ(q.root->lo.value, 1767225600);
  EXPECT_EQ(q.root->hi.value, 1771200000);  // 2026-02-16, exclusive: the 15th is included
  q = parse_ok("date:>2025");
  EXPECT_EQ(q.root->lo.value, 1767225600);  // after 2025 = from 2026
  EXPECT_EQ(parse_timestamp("2026-01-01T01:00:00+01:00"), 1767225600);
  EXPECT_EQ(parse_timestamp("2026:01:01 00:00:00"), 1767225600);  // EXIF layout
  EXPECT_EQ(parse_timestamp("2026-01-01T00:00:00.123Z"), 1767225600);
  EXPECT_FALSE(parse_timestamp("yesterday"));
  EXPECT_FALSE(parse_date_period("2026-13"));
}

TEST(QueryParser, TextFieldsHasNegAndSort) {
  SearchQuery q = parse_ok("model:\"dream shaper\" sampler:dpm* tool:comfyui lora:detail template:portrait "
                           "path:/x/ has:NEGATIVE neg:blurry sort:seed:desc");
  ASSERT_EQ(q.root->children.size(), 8u);
  EXPECT_EQ(q.root->children[0].value, "dream shaper");
  EXPECT_EQ(q.root->children[1].value, "dpm*");
  EXPECT_EQ(q.root->children[6].value, "negative");
  EXPECT_EQ(q.root->children[7].kind, Kind::kText);
  EXPECT_TRUE(q.root->children[7].negative);
  EXPECT_EQ(q.sort, QuerySort::kSeed);
  EXPECT_TRUE(q.descending);
  q = parse_ok("cat sort:relevance");
  EXPECT_EQ(q.sort, QuerySort::kRelevance);
  EXPECT_EQ(q.root->kind, Kind::kText);  // the directive leaves no node behind
}

TEST(QueryParser, ErrorsNameTheColumnAndWhatWasExpected) {
  EXPECT_NE(error_of("cat \"unterminated").find("column 5"), std::string::npos);
  EXPECT_NE(error_of("seed:abc").find("column 6: expected an integer"), std::string::npos);
  EXPECT_NE(error_of("sede:5").find("column 1: unknown field 'sede:'"), std::string::npos);
  EXPECT_NE(error_of("(cat dog").find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of("cat)").find("column 4"), std::string::npos);
  EXPECT_NE(error_of("cat OR").find("expected a term after OR"), std::string::npos);
  EXPECT_NE(error_of("()").find("empty brackets"), std::string::npos);
  EXPECT_NE(error_of("date:2026-1").find("expected a date"), std::string::npos);
  EXPECT_NE(error_of("size:1024").find("WIDTHxHEIGHT"), std::string::npos);
  EXPECT_NE(error_of("has:wings").find("expected negative"), std::string::npos);
  EXPECT_NE(error_of("sort:size").find("expected date, seed"), std::string::npos);
  EXPECT_NE(error_of("sort:date sort:seed").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("-sort:date").find("cannot be negated"), std::string::npos);
  EXPECT_NE(error_of("cfg:1..2..3").find("expected a number"), std::string::npos);
  EXPECT_NE(error_of("seed:18446744073709551615x").find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of(std::string(1000, '(')).find("nested too deeply"), std::string::npos);
  EXPECT_NE(error_of("\"\"").find("empty phrase"), std::string::npos);
}

TEST(QueryCompiler, TopLevelTextDrivesFtsAndUserTextIsOnlyBound) {
  auto c = compile_query(parse_ok("cat \"red hair\" -dog"));
  ASSERT_TRUE(c);
  EXPECT_NE(c->fts.find("NOT {prompt meta} : \"dog\""), std::string::npos) << c->fts;
  EXPECT_TRUE(c->where.empty());
  // Hostile text never reaches the SQL string, only the bound FTS expression (quoted).
  const std::string evil = "x'); DROP TABLE assets; --";
  c = compile_query(parse_ok("\"" + evil + "\" OR seed:1 path:" + "a'--"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->where.find("DROP"), std::string::npos);
  EXPECT_EQ(c->where.find("a'--"), std::string::npos);
  EXPECT_TRUE(c->fts.empty());  // text under OR with a field is a subquery condition
  bool bound_path = false;
  for (const auto& v : c->binds)
    if (const auto* s = std::get_if<std::string>(&v)) bound_path = bound_path || *s == "a'--";
  EXPECT_TRUE(bound_path);
  auto bad = compile_query(parse_ok("cat ..."));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("column 5"), std::string::npos) << bad.error().message;
}

TEST(QueryCompiler, NegativeWordsMatchTheirOwnTokensAndTheDistinctNegativePromptsHoldingThem) {
  std::vector<std::string> asked;
  NegativeLookup lookup = [&](const std::string& e) -> Result<std::vector<int64_t>> {
    asked.push_back(e);
    return std::vector<int64_t>{3, 7};
  };
  auto c = compile_query(parse_ok("cat neg:blur*"), lookup);
  ASSERT_TRUE(c);
  EXPECT_EQ(asked, (std::vector<std::string>{"\"blur\" *"}));
  EXPECT_NE(c->fts.find("negative_prompt : (\"blur\" * OR \"负3\" OR \"负7\")"), std::string::npos) << c->fts;
  c = compile_query(parse_ok("neg:blurry"));  // no lookup: the words alone (records stored before schema 10)
  ASSERT_TRUE(c);
  EXPECT_NE(c->fts.find("negative_prompt : (\"blurry\")"), std::string::npos) << c->fts;
  NegativeLookup failing = [](const std::string&) -> Result<std::vector<int64_t>> { return make_error("disk on fire"); };
  auto bad = compile_query(parse_ok("neg:blurry"), failing);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("disk on fire"), std::string::npos);
}

}  // namespace
}  // namespace provena
