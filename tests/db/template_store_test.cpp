#include "db/template_store.h"

#include <gtest/gtest.h>

#include "tests/db/library_fixture.h"

namespace provena {
namespace {

using testing::Gen;
using testing::TempDir;

TEST(TemplateStore, AddEditVersionRemove) {
  TempDir dir;
  auto c = testing::make_library(dir, {});
  PromptTemplate t;
  t.name = "portrait";
  t.prompt = "masterpiece, {subject}, {smiling|serious}, __light__";
  t.negative = "blurry";
  t.slots["subject"] = {"a woman", "an old man"};
  t.params = {{"steps", "30"}, {"cfg", "6.5"}};
  ASSERT_TRUE(add_template(*c, t));
  auto again = add_template(*c, t);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  auto found = find_template(*c, "portrait");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, t);  // version 1, slots and params in order
  t.prompt = "photo, {subject}";
  auto v = update_template(*c, t);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 2);
  EXPECT_EQ((*find_template(*c, "portrait"))->prompt, "photo, {subject}");
  PromptTemplate bad = t;
  bad.name = "broken";
  bad.prompt = "a {cat";
  auto err = add_template(*c, bad);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("template broken: prompt:"), std::string::npos) << err.error().message;
  EXPECT_EQ(list_templates(*c)->size(), 1u);
  ASSERT_TRUE(remove_template(*c, "portrait"));
  EXPECT_FALSE(remove_template(*c, "portrait"));
  EXPECT_TRUE(list_templates(*c)->empty());
}

TEST(TemplateStore, WildcardsAndImportCounts) {
  TempDir dir;
  auto c = testing::make_library(dir, {});
  ASSERT_TRUE(set_wildcard(*c, "light", {"golden hour", "studio light"}));
  EXPECT_FALSE(set_wildcard(*c, "bad name", {"x"}));
  EXPECT_EQ(list_wildcards(*c)->at("light").size(), 2u);
  PromptTemplate a;
  a.name = "a";
  a.prompt = "cat, __light__";
  ASSERT_TRUE(add_template(*c, a));
  PromptTemplate a2 = a;
  a2.prompt = "dog, __light__";
  PromptTemplate b;
  b.name = "b";
  b.prompt = "b";
  auto counts = import_templates(*c, {a2, b}, {{"mood", {"happy"}}});
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->added, 1);
  EXPECT_EQ(counts->updated, 1);
  EXPECT_EQ(counts->wildcards, 1);
  EXPECT_EQ((*find_template(*c, "a"))->version, 2);
  counts = import_templates(*c, {a2}, {});
  EXPECT_EQ(counts->unchanged, 1);
  // Export then import into another library gives the same templates.
  std::string json = templates_to_json(*list_templates(*c), *list_wildcards(*c));
  TempDir other;
  auto c2 = testing::make_library(other, {});
  auto parsed = templates_from_json(json);
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(import_templates(*c2, parsed->first, parsed->second));
  EXPECT_EQ((*list_templates(*c2)).size(), 2u);
  EXPECT_EQ(*list_wildcards(*c2), *list_wildcards(*c));
  set_wildcard(*c, "light", {});
  EXPECT_EQ(list_wildcards(*c)->count("light"), 0u);
}

TEST(TemplateStore, PromptHistoryFeedsSuggestions) {
  TempDir dir;
  std::vector<Gen> g;
  for (const char* subject : {"a cat", "a dog", "a fox", "a cat", "an owl"}) {
    Gen x;
    x.prompt = std::string("masterpiece, best quality, ") + subject + ", sunset, film grain";
    g.push_back(x);
  }
  Gen other;
  other.prompt = "abstract painting";
  g.push_back(other);
  auto c = testing::make_library(dir, g);
  auto history = prompt_history(*c, "");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 5u);  // distinct prompts
  EXPECT_EQ((*history)[0].count, 2);  // "a cat" twice
  auto s = suggest_templates(*history, SuggestOptions{});
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].prompt, "masterpiece, best quality, {subject}, sunset, film grain");
  EXPECT_EQ(s[0].records, 5);
  EXPECT_EQ(s[0].values[0], (std::pair<std::string, int64_t>{"a cat", 2}));
  auto scoped = prompt_history(*c, "abstract");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->size(), 1u);
}

}  // namespace
}  // namespace provena
