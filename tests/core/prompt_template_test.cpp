#include "core/prompt_template.h"

#include <gtest/gtest.h>

#include <set>

namespace provena {
namespace {

PromptTemplate make(std::string prompt, std::string negative = "",
                    std::map<std::string, std::vector<std::string>> slots = {}) {
  PromptTemplate t;
  t.name = "t";
  t.prompt = std::move(prompt);
  t.negative = std::move(negative);
  t.slots = std::move(slots);
  return t;
}

std::vector<std::string> prompts(const std::vector<Expansion>& expansions) {
  std::vector<std::string> out;
  for (const Expansion& e : expansions) out.push_back(e.prompt);
  return out;
}

// Expands everything; the test fails (and returns nothing) on an error.
std::vector<Expansion> all(const PromptTemplate& t, const WildcardLists& w = {}, const ExpandOptions& o = {}) {
  auto r = expand_all(t, w, o);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::vector<Expansion>{};
}

std::string error_of(const PromptTemplate& t, const WildcardLists& w = {}, const ExpandOptions& o = {}) {
  auto r = expand_all(t, w, o);
  return r ? "(no error)" : r.error().message;
}

TEST(PromptTemplateExpand, SlotsTakeTheirValues) {
  auto e = all(make("a photo of {subject}, {style-1}", "", {{"subject", {"cat", "dog"}}, {"style-1", {"oil"}}}));
  EXPECT_EQ(prompts(e), (std::vector<std::string>{"a photo of cat, oil", "a photo of dog, oil"}));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].choices, (std::map<std::string, std::string>{{"subject", "dog"}, {"style-1", "oil"}}));
}

TEST(PromptTemplateExpand, SetOverridesTemplateValues) {
  ExpandOptions o;
  o.set["subject"] = {"fox", "owl"};
  auto e = all(make("{subject}", "", {{"subject", {"cat"}}}), {}, o);
  EXPECT_EQ(prompts(e), (std::vector<std::string>{"fox", "owl"}));
  // A slot with no values of its own is filled by --set alone.
  EXPECT_EQ(prompts(all(make("{subject}"), {}, o)), (std::vector<std::string>{"fox", "owl"}));
  // A typo in --set is reported instead of silently ignored.
  o.set["subjcet"] = {"x"};
  EXPECT_NE(error_of(make("{subject}"), {}, o).find("no slot {subjcet}"), std::string::npos);
}

TEST(PromptTemplateExpand, NestedInlineChoices) {
  auto e = all(make("{red|{light|dark} blue} car"));
  EXPECT_EQ(prompts(e), (std::vector<std::string>{"red car", "light blue car", "dark blue car"}));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].choices, (std::map<std::string, std::string>{{"#1", "red"}}));  // #2 was not reached
  EXPECT_EQ(e[2].choices, (std::map<std::string, std::string>{{"#1", "dark blue"}, {"#2", "dark"}}));
  EXPECT_EQ(prompts(all(make("cat{|, smiling}"))), (std::vector<std::string>{"cat", "cat, smiling"}));
}

TEST(PromptTemplateExpand, WildcardsAndTheirErrors) {
  WildcardLists w{{"color", {"red", "blue"}}, {"hats/summer", {"straw hat"}}, {"empty", {}}};
  auto e = all(make("__color__ __hats/summer__, __color__ scarf"), w);
  // One name, one value per expansion, so the record can say what was picked.
  EXPECT_EQ(prompts(e), (std::vector<std::string>{"red straw hat, red scarf", "blue straw hat, blue scarf"}));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].choices.at("__color__"), "blue");
  std::string err = error_of(make("a, __size__ hat"), w);
  EXPECT_NE(err.find("unknown wildcard __size__"), std::string::npos) << err;
  EXPECT_NE(err.find("column 4"), std::string::npos) << err;
  EXPECT_NE(error_of(make("__empty__"), w).find("__empty__ has no values"), std::string::npos);
  // Underscores that do not close a name stay text.
  EXPECT_EQ(prompts(all(make("snake_case a__b ____"))), (std::vector<std::string>{"snake_case a__b ____"}));
}

TEST(PromptTemplateExpand, EscapesAreLiteral) {
  auto e = all(make(R"(\{not a slot\} a\|b \_\_x\_\_ {x\|y|z})"));
  EXPECT_EQ(prompts(e), (std::vector<std::string>{"{not a slot} a|b __x__ x|y", "{not a slot} a|b __x__ z"}));
  // escape_template_literal is the inverse: any text comes back unchanged.
  std::string text = "{odd} | __w__ (x:1.1) _a_";
  EXPECT_EQ(prompts(all(make(escape_template_literal(text)))), std::vector<std::string>{text});
}

TEST(PromptTemplateExpand, A1111SyntaxPassesThrough) {
  std::string a1111 = R"((masterpiece:1.2), [a:b:10], [cat|dog], <lora:x_y:0.8>, \(paren\), AND red)";
  auto e = all(make(a1111, "((worst quality)), [blurry::5]"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].prompt, a1111);
  EXPECT_EQ(e[0].negative, "((worst quality)), [blurry::5]");
  EXPECT_TRUE(e[0].choices.empty());
}

TEST(PromptTemplateExpand, MissingSlotNamesItAndItsColumn) {
  std::string err = error_of(make("a cat", "ugly, {subject}"));
  EXPECT_NE(err.find("slot {subject} has no value; use --set subject=..."), std::string::npos) << err;
  EXPECT_NE(err.find("negative: column 7"), std::string::npos) << err;
  // A slot only inside an unpicked option is still checked up front.
  EXPECT_NE(error_of(make("{a|b {x}}")).find("slot {x}"), std::string::npos);
}

TEST(PromptTemplateExpand, NegativeSharesSlotValues) {
  auto e = all(make("{subject}, {day|night}", "ugly {subject}, {blurry|grainy}", {{"subject", {"cat", "dog"}}}));
  ASSERT_EQ(e.size(), 8u);
  for (const Expansion& x : e) {
    EXPECT_EQ(x.negative.substr(5, 3), x.choices.at("subject"));
    EXPECT_EQ(x.prompt.substr(0, 3), x.choices.at("subject"));
    EXPECT_EQ(x.choices.count("#2"), 1u);  // numbering continues into the negative
  }
  EXPECT_EQ(e[0].negative, "ugly cat, blurry");
  EXPECT_EQ(e[7].negative, "ugly dog, grainy");
}

TEST(PromptTemplateExpand, AllIsAnOdometerFirstDigitSlowest) {
  auto e = all(make("{a|b} {x} {1|2}", "", {{"x", {"X", "Y"}}}));
  EXPECT_EQ(prompts(e),
            (std::vector<std::string>{"a X 1", "a X 2", "a Y 1", "a Y 2", "b X 1", "b X 2", "b Y 1", "b Y 2"}));
}

TEST(PromptTemplateExpand, AllRefusesBeyondTheCap) {
  PromptTemplate t = make("{0|1|2|3|4|5|6|7|8|9} {0|1|2|3|4|5|6|7|8|9} {0|1|2|3|4|5|6|7|8|9}");
  ExpandOptions o;
  o.cap = 999;
  std::string err = error_of(t, {}, o);
  EXPECT_NE(err.find("1000 combinations"), std::string::npos) << err;
  o.cap = 1000;
  EXPECT_EQ(all(t, {}, o).size(), 1000u);
  // 10^40 combinations: counted without enumerating and without overflowing.
  std::string huge;
  for (int i = 0; i < 40; ++i) huge += "{0|1|2|3|4|5|6|7|8|9}";
  err = error_of(make(huge));
  EXPECT_NE(err.find("more than 18446744073709551615 combinations"), std::string::npos) << err;
}

TEST(PromptTemplateExpand, OutputIsBounded) {
  auto e = expand_all(make("{x}", "", {{"x", {std::string(kMaxExpandedBytes + 1, 'a')}}}), {}, {});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("longer than"), std::string::npos);
}

TEST(PromptTemplateSyntax, ReportsNamesAndChoices) {
  auto s = check_template("{subject} in {a|b {mood}|__place__}, __place__, {subject}");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->slots, (std::vector<std::string>{"subject", "mood"}));
  EXPECT_EQ(s->wildcards, std::vector<std::string>{"place"});
  EXPECT_EQ(s->inline_choices, 1u);
}

TEST(PromptTemplateSyntax, ErrorsNameColumnAndExpectation) {
  auto err = [](std::string_view text) {
    auto r = check_template(text);
    return r ? "(no error)" : r.error().message;
  };
  EXPECT_EQ(err("a {b|c"), "column 3: unbalanced '{': expected '}' before the end");
  EXPECT_EQ(err("ab }"), "column 4: unmatched '}' (write \\} for a literal brace)");
  EXPECT_EQ(err("猫 {a b}"), "column 3: expected a slot name (letters, digits, '_' or '-') or choices a|b after '{'");
  EXPECT_EQ(err("x,\nyy {}"),
            "line 2, column 4: expected a slot name (letters, digits, '_' or '-') or choices a|b after '{'");
  EXPECT_NE(err("{2$$a|b|c}").find("column 1: the N$$ prefix is not supported"), std::string::npos);
  std::string deep;
  for (int i = 0; i <= kMaxTemplateDepth; ++i) deep += "{a|";
  deep += std::string(kMaxTemplateDepth + 1, '}');
  EXPECT_NE(err(deep).find("nested deeper than 16 levels"), std::string::npos) << err(deep);
  EXPECT_NE(err(std::string(kMaxTemplateBytes + 1, 'a')).find("longer than"), std::string::npos);
}

TEST(PromptTemplateRandom, DeterministicPerSeedAndIndex) {
  PromptTemplate t = make("{subject} {a|b|{c|d}}, {0|1|2|3|4|5|6|7|8|9}{0|1|2|3|4|5|6|7|8|9}, __color__",
                          "bad {subject}", {{"subject", {"cat", "dog", "owl"}}});
  WildcardLists w{{"color", {"red", "green", "blue"}}};
  auto a = expand_random(t, w, {}, 10, 42);
  auto b = expand_random(t, w, {}, 10, 42);
  auto c = expand_random(t, w, {}, 10, 43);
  auto few = expand_random(t, w, {}, 3, 42);
  ASSERT_TRUE(a && b && c && few);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(prompts(*a), prompts(*c));
  ASSERT_EQ(few->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*few)[i], (*a)[i]);  // pick i does not depend on count
  // Every random pick is one of the combinations.
  ExpandOptions o;
  o.cap = 100000;
  auto every = expand_all(t, w, o);
  ASSERT_TRUE(every);
  std::set<std::string> valid;
  for (const Expansion& e : *every) valid.insert(e.prompt + "\n" + e.negative);
  for (const Expansion& e : *a) {
    EXPECT_EQ(valid.count(e.prompt + "\n" + e.negative), 1u) << e.prompt;
    EXPECT_EQ(e.negative, "bad " + e.choices.at("subject"));
  }
}

TEST(PromptTemplateRandom, PinnedOutputCatchesAChangedGenerator) {
  PromptTemplate t = make("{subject} {a|b|{c|d}}, {0|1|2|3|4|5|6|7|8|9}{0|1|2|3|4|5|6|7|8|9}, __color__", "",
                          {{"subject", {"cat", "dog", "owl"}}});
  auto e = expand_random(t, {{"color", {"red", "green", "blue"}}}, {}, 4, 12345);
  ASSERT_TRUE(e);
  EXPECT_EQ(prompts(*e),
            (std::vector<std::string>{"dog c, 08, blue", "dog b, 03, blue", "dog b, 04, green", "owl b, 79, blue"}));
}

TEST(TemplateSuggest, FindsTheSharedPartsAndTheVaryingSubject) {
  std::vector<PromptSample> history = {
      {"masterpiece, best quality, a cat, sunset", 10},
      {"masterpiece, best quality, a dog, sunset", 5},
      {"Masterpiece,  best quality,\na fox,sunset", 3},  // case, spacing and newline do not matter
      {"masterpiece, best quality, a red bird, sunset", 1},
      {"masterpiece, best quality, an owl, sunset", 1},
      {"cyberpunk city, neon lights, rain", 40},
      {"portrait of an old man, oil painting", 2},
      {"cyberpunk city, neon lights, night", 1},
  };
  auto s = suggest_templates(history, {});
  ASSERT_EQ(s.size(), 1u);  // the cyberpunk pair is below min_prompts
  EXPECT_EQ(s[0].prompt, "masterpiece, best quality, {subject}, sunset");
  EXPECT_EQ(s[0].values, (std::vector<std::pair<std::string, int64_t>>{
                             {"a cat", 10}, {"a dog", 5}, {"a fox", 3}, {"a red bird", 1}, {"an owl", 1}}));
  EXPECT_EQ(s[0].records, 20);
  EXPECT_EQ(s[0].prompts, 5u);
  SuggestOptions two;
  two.min_prompts = 2;
  two.max_values = 2;
  s = suggest_templates(history, two);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].prompt, "cyberpunk city, neon lights, {subject}");  // ranked by records
  EXPECT_EQ(s[0].records, 41);
  EXPECT_EQ(s[1].values.size(), 2u);
}

TEST(TemplateSuggest, BracketsGroupAndSyntaxIsEscaped) {
  std::vector<PromptSample> history = {
      {"(best quality, detailed:1.2), {x}, sharp, a cat", 3},
      {"(best quality, detailed:1.2), {x}, sharp, a dog, smiling", 2},
      {"(BEST quality, detailed:1.2), {x}, sharp, a fox", 1},
  };
  auto s = suggest_templates(history, {});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].prompt, "(best quality, detailed:1.2), \\{x\\}, sharp, {subject}");
  EXPECT_EQ(s[0].values[1], (std::pair<std::string, int64_t>{"a dog, smiling", 2}));
  EXPECT_TRUE(check_template(s[0].prompt));
}

TEST(TemplateSuggest, NeedsAPartSharedByAllMembers) {
  SuggestOptions o;
  o.min_similarity = 0.3;
  auto s = suggest_templates({{"a, b", 3}, {"a, c", 2}, {"b, c", 1}}, o);
  EXPECT_TRUE(s.empty());
  o.min_similarity = 0.5;
  EXPECT_TRUE(suggest_templates({{"a, b", 3}, {"a, c", 2}, {"a, d", 1}}, o).empty());  // 1/3 < 0.5
  // One shared part is enough.
  o.min_similarity = 0.3;
  s = suggest_templates({{"a, b", 3}, {"a, c", 2}, {"a, d", 1}}, o);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].prompt, "a, {subject}");
  EXPECT_EQ(s[0].values, (std::vector<std::pair<std::string, int64_t>>{{"b", 3}, {"c", 2}, {"d", 1}}));
}

TEST(TemplateSuggest, ManyPromptsFinish) {
  // 20k distinct prompts in 200 families sharing a common prefix part; the prefix index
  // keeps this fast (no timing assertion: see bench/ for figures).
  std::vector<PromptSample> history;
  for (int i = 0; i < 20000; ++i) {
    int family = i % 200;
    history.push_back({"masterpiece, best quality, style " + std::to_string(family) + ", light " +
                           std::to_string(family) + ", subject " + std::to_string(i),
                       1 + i % 7});
  }
  auto s = suggest_templates(history, {});
  ASSERT_EQ(s.size(), 20u);
  EXPECT_EQ(s[0].prompts, 100u);
  EXPECT_NE(s[0].prompt.find("style "), std::string::npos);
  EXPECT_EQ(s[0].values.size(), 50u);
}

TEST(TemplateJson, RoundTrip) {
  PromptTemplate a = make("{subject} at __place__, {day|night}", "ugly", {{"subject", {"cat", "猫"}}});
  a.name = "portrait";
  a.version = 3;
  a.params = {{"steps", "20"}, {"cfg", "7"}, {"sampler", "Euler a"}};
  PromptTemplate b = make("\\{literal\\}");
  b.name = "second";
  WildcardLists w{{"place", {"beach", "forest"}}, {"hats/summer", {}}};
  std::string json = templates_to_json({a, b}, w);
  EXPECT_NE(json.find("\"format\": \"provena-templates\""), std::string::npos);
  auto back = templates_from_json(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->first, (std::vector<PromptTemplate>{a, b}));
  EXPECT_EQ(back->second, w);
}

TEST(TemplateJson, HandWrittenNumbersAreParams) {
  auto r = templates_from_json(R"({"format":"provena-templates","version":1,"templates":[)"
                               R"({"name":"n","prompt":"p","params":{"steps":20,"cfg":7.5,"hires":true}}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first[0].params,
            (std::vector<std::pair<std::string, std::string>>{{"steps", "20"}, {"cfg", "7.5"}, {"hires", "true"}}));
  EXPECT_EQ(r->first[0].version, 1);
}

TEST(TemplateJson, RejectsMalformedInput) {
  auto err = [](std::string_view json) {
    auto r = templates_from_json(json);
    return r ? "(no error)" : r.error().message;
  };
  auto has = [](const std::string& message, const char* part) { return message.find(part) != std::string::npos; };
  const std::string head = R"({"format":"provena-templates","version":1,"templates":)";
  EXPECT_TRUE(has(err("{\"format\":"), "invalid template JSON"));
  EXPECT_TRUE(has(err(R"({"format":"provena","version":1})"), "not a Provena template file"));
  EXPECT_TRUE(has(err(R"({"format":"provena-templates","version":2})"), "newer than this build"));
  EXPECT_TRUE(has(err(head + R"([{"prompt":"p"}]})"), "template #1 field \"name\""));
  EXPECT_TRUE(
      has(err(head + R"([{"name":"a","prompt":"p"},{"name":"a","prompt":"q"}]})"), "\"a\": the name is used twice"));
  EXPECT_TRUE(has(err(head + R"([{"name":"a","prompt":"p","slots":{"s":[1]}}]})"), "\"a\": field \"slots\": \"s\""));
  EXPECT_TRUE(has(err(head + R"([{"name":"a","prompt":"p","version":0}]})"), "field \"version\""));
  EXPECT_TRUE(has(err(head + R"([{"name":"a","prompt":"x {b"}]})"), "\"a\": field \"prompt\": column 3"));
  EXPECT_TRUE(has(err(head + R"([], "wildcards":{"w":"not a list"}})"), "wildcard \"w\""));
  EXPECT_TRUE(has(err(std::string(1000, '[') + std::string(1000, ']')), "nested deeper"));
  EXPECT_TRUE(has(err(std::string(kMaxTemplatesJsonBytes + 1, ' ')), "larger than 16 MiB"));
  std::string many = head + "[";
  for (size_t i = 0; i <= kMaxTemplatesInJson; ++i)
    many += std::string(i ? "," : "") + R"({"name":"t)" + std::to_string(i) + R"(","prompt":""})";
  EXPECT_TRUE(has(err(many + "]}"), "more than 10000"));
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

std::vector<std::pair<std::string, TemplateSpanKind>> spans_of(const std::string& text) {
  std::vector<std::pair<std::string, TemplateSpanKind>> out;
  size_t at = 0;
  for (const auto& s : template_spans(text)) {
    EXPECT_EQ(s.begin, at) << "gap or overlap in " << text;
    at = s.end;
    out.emplace_back(text.substr(s.begin, s.end - s.begin), s.kind);
  }
  EXPECT_EQ(at, text.size()) << text;
  return out;
}

TEST(TemplateSpans, ColourSlotsChoicesWildcardsAndErrorsAsTheParserReadsThem) {
  using K = TemplateSpanKind;
  using V = std::vector<std::pair<std::string, TemplateSpanKind>>;
  EXPECT_EQ(spans_of("a {subject} in {red|blue {x|y}} light, __styles/photo__"),
            (V{{"a ", K::kText}, {"{subject}", K::kSlot}, {" in ", K::kText}, {"{red|blue {x|y}}", K::kChoice},
               {" light, ", K::kText}, {"__styles/photo__", K::kWildcard}}));
  // Escapes and lone underscores are text; broken braces are errors, the rest still coloured.
  EXPECT_EQ(spans_of("\\{not\\} a__b cat_ears"), (V{{"\\{not\\} a__b cat_ears", K::kText}}));
  EXPECT_EQ(spans_of("x } {y"), (V{{"x ", K::kText}, {"}", K::kError}, {" ", K::kText}, {"{y", K::kError}}));
  EXPECT_EQ(spans_of("{bad name}{}"), (V{{"{bad name}", K::kError}, {"{}", K::kError}}));
  EXPECT_TRUE(template_spans("").empty());
  // Every span the colouring calls a slot or a choice, the parser accepts.
  for (const std::string text : {"{a}", "{a|}", "{a|{b}|__w__}", "{x_y-2}"}) {
    EXPECT_TRUE(check_template(text)) << text;
    EXPECT_NE(template_spans(text)[0].kind, K::kError) << text;
  }
  for (const std::string text : {"{a", "}", "{a b}", "{}"}) {
    EXPECT_FALSE(check_template(text)) << text;
    EXPECT_EQ(template_spans(text)[0].kind, K::kError) << text;
  }
}

}  // namespace
}  // namespace provena
