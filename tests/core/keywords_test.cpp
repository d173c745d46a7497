#include "core/keywords.h"

#include <gtest/gtest.h>

#include <cmath>

namespace provena {
namespace {

std::vector<std::string> texts(const std::vector<Keyword>& keywords) {
  std::vector<std::string> out;
  for (const Keyword& k : keywords) out.push_back(k.text);
  return out;
}

// The keyword with this text (and kind); fails the test when it is missing.
Keyword find(const std::vector<Keyword>& keywords, const std::string& text, KeywordKind kind = KeywordKind::kTag) {
  for (const Keyword& k : keywords) {
    if (k.text == text && k.kind == kind) return k;
  }
  ADD_FAILURE() << "no " << keyword_kind_name(kind) << " keyword '" << text << "'";
  return Keyword{};
}

using Texts = std::vector<std::string>;

TEST(KeywordsSplit, SeparatorsAndBreak) {
  auto k = extract_keywords("masterpiece, best quality\nsolo;1girl\r\nred eyes BREAK blue hair,BREAK,hat");
  EXPECT_EQ(texts(k), (Texts{"masterpiece", "best quality", "solo", "1girl", "red eyes", "blue hair", "hat"}));
  // Only a standalone uppercase BREAK separates.
  EXPECT_EQ(texts(extract_keywords("BREAKING news, a break b, xBREAK")),
            (Texts{"breaking news", "a break b", "xbreak"}));
  for (const Keyword& kw : k) {
    EXPECT_EQ(kw.kind, KeywordKind::kTag);
    EXPECT_DOUBLE_EQ(kw.weight, 1.0);
  }
}

TEST(KeywordsSplit, ChineseSeparators) {
  EXPECT_EQ(texts(extract_keywords("一只猫，蓝色背景、高清")), (Texts{"一只猫", "蓝色背景", "高清"}));
  EXPECT_EQ(texts(extract_keywords("杰作；可爱。　红色　眼睛　BREAK 夜晚")),
            (Texts{"杰作", "可爱", "红色 眼睛", "夜晚"}));
  EXPECT_NEAR(find(extract_keywords("(高清:1.4)，猫"), "高清").weight, 1.4, 1e-9);
}

TEST(KeywordsEmphasis, RoundAndSquareBrackets) {
  auto k = extract_keywords("(a), ((b)), [c], [[d]], (e:1.3), ((f:1.3)), [(g:0.5)], ( h : 2 ), plain");
  ASSERT_EQ(texts(k), (Texts{"a", "b", "c", "d", "e", "f", "g", "h", "plain"}));
  EXPECT_NEAR(k[0].weight, 1.1, 1e-9);
  EXPECT_NEAR(k[1].weight, 1.21, 1e-9);
  EXPECT_NEAR(k[2].weight, 1 / 1.1, 1e-9);
  EXPECT_NEAR(k[3].weight, 1 / 1.21, 1e-9);
  EXPECT_NEAR(k[4].weight, 1.3, 1e-9);
  EXPECT_NEAR(k[5].weight, 1.43, 1e-9);
  EXPECT_NEAR(k[6].weight, 0.5 / 1.1, 1e-9);
  EXPECT_NEAR(k[7].weight, 2.0, 1e-9);
  EXPECT_NEAR(k[8].weight, 1.0, 1e-9);
}

TEST(KeywordsEmphasis, BracketsSpanKeywords) {
  auto k = extract_keywords("(masterpiece, best quality:1.2), (detailed, [soft light], (sharp:0.9)), plain");
  ASSERT_EQ(texts(k), (Texts{"masterpiece", "best quality", "detailed", "soft light", "sharp", "plain"}));
  EXPECT_NEAR(k[0].weight, 1.2, 1e-9);
  EXPECT_NEAR(k[1].weight, 1.2, 1e-9);
  EXPECT_NEAR(k[2].weight, 1.1, 1e-9);
  EXPECT_NEAR(k[3].weight, 1.0, 1e-9);  // x1.1 / 1.1
  EXPECT_NEAR(k[4].weight, 0.99, 1e-9);
  EXPECT_NEAR(k[5].weight, 1.0, 1e-9);
  // A bracket inside a phrase ends the keyword before it.
  EXPECT_EQ(texts(extract_keywords("1girl (smiling:1.2) outdoors")), (Texts{"1girl", "smiling", "outdoors"}));
}

TEST(KeywordsEmphasis, EscapesAreLiteral) {
  auto k = extract_keywords(R"(ganyu \(genshin impact\), \[wip\], a\\b, (nahida \(genshin\):1.2))");
  ASSERT_EQ(texts(k), (Texts{"ganyu (genshin impact)", "[wip]", "a\\b", "nahida (genshin)"}));
  EXPECT_NEAR(k[0].weight, 1.0, 1e-9);
  EXPECT_NEAR(k[3].weight, 1.2, 1e-9);
}

TEST(KeywordsEmphasis, UnbalancedBrackets) {
  // An unclosed bracket weighs the rest, as in A1111.
  auto k = extract_keywords("a, (b, c");
  ASSERT_EQ(texts(k), (Texts{"a", "b", "c"}));
  EXPECT_NEAR(k[0].weight, 1.0, 1e-9);
  EXPECT_NEAR(k[1].weight, 1.1, 1e-9);
  EXPECT_NEAR(k[2].weight, 1.1, 1e-9);
  EXPECT_NEAR(find(extract_keywords("x, [y"), "y").weight, 1 / 1.1, 1e-9);
  k = extract_keywords("((a:1.5), b");
  EXPECT_NEAR(find(k, "a").weight, 1.65, 1e-9);
  EXPECT_NEAR(find(k, "b").weight, 1.1, 1e-9);
  // Stray closes are ignored; the text around them survives.
  k = extract_keywords("a)), b], c}, (d)");
  ASSERT_EQ(texts(k), (Texts{"a", "b", "c", "d"}));
  EXPECT_NEAR(k[0].weight, 1.0, 1e-9);
  EXPECT_NEAR(k[3].weight, 1.1, 1e-9);
  // A close that does not match the innermost open bracket is stray too.
  k = extract_keywords("(a [b) c] d");
  EXPECT_NEAR(find(k, "a").weight, 1.1, 1e-9);
  EXPECT_NEAR(find(k, "b").weight, 1.0, 1e-9);
  EXPECT_NEAR(find(k, "d").weight, 1.1, 1e-9);
  // A colon that is not a weight stays text.
  EXPECT_EQ(texts(extract_keywords("(score:9 up), x:1.2)")), (Texts{"score:9 up", "x:1.2"}));
}

TEST(KeywordsSyntax, PromptEditingAndAlternation) {
  auto k = extract_keywords(
      "[cat:dog:10], [fox:0.5], [owl::12], [red|blue|green] eyes, (([sun:moon:5])), [:rain:3]");
  ASSERT_EQ(texts(k), (Texts{"cat", "dog", "fox", "owl", "red", "blue", "green", "eyes", "sun", "moon", "rain"}));
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(k[i].weight, 1.0, 1e-9) << k[i].text;  // not /1.1
  EXPECT_NEAR(find(k, "sun").weight, 1.21, 1e-9);
  EXPECT_NEAR(find(k, "moon").weight, 1.21, 1e-9);
  // Emphasis inside an edit keeps working, and the edit does not divide.
  k = extract_keywords("[(cat:1.3):[dog]:0.25]");
  EXPECT_NEAR(find(k, "cat").weight, 1.3, 1e-9);
  EXPECT_NEAR(find(k, "dog").weight, 1 / 1.1, 1e-9);
}

TEST(KeywordsSyntax, DynamicPromptsAndWildcards) {
  auto k = extract_keywords(
      "{red|green|blue} dress, {2$$cat|dog}, {1-3$$ and $$sun|moon}, {0.5::day|2::night}, "
      "__colors/Warm__, a __season__ scene, long__hair, (__mood__:1.3), {__x__|y}");
  EXPECT_EQ(texts(k), (Texts{"red", "green", "blue", "dress", "cat", "dog", "sun", "moon", "day", "night",
                             "colors/Warm", "a", "season", "scene", "long hair", "mood", "x", "y"}));
  EXPECT_EQ(find(k, "colors/Warm", KeywordKind::kWildcard).kind, KeywordKind::kWildcard);  // a path: case kept
  EXPECT_EQ(find(k, "season", KeywordKind::kWildcard).kind, KeywordKind::kWildcard);
  EXPECT_EQ(find(k, "long hair").kind, KeywordKind::kTag);  // `__hair` never closes: not a wildcard
  EXPECT_NEAR(find(k, "mood", KeywordKind::kWildcard).weight, 1.3, 1e-9);
  EXPECT_EQ(find(k, "red").kind, KeywordKind::kTag);
  EXPECT_NEAR(find(k, "red").weight, 1.0, 1e-9);
}

TEST(KeywordsNetworks, LoraLycoHypernet) {
  auto k = extract_keywords(
      "<lora:Add_Detail:0.8>, <lyco:StyleX:1.2>, <lora:plain>, <hypernet:anime:0.5>, <other:x:1>, "
      "(<lora:boost:0.7:0.2>, glow:1.5), <LORA:upper:-0.4>, heart <3, >_<");
  ASSERT_EQ(texts(k), (Texts{"add detail", "stylex", "plain", "anime", "boost", "glow", "upper", "heart <3"}));
  KeywordKind kinds[] = {KeywordKind::kLora, KeywordKind::kLora, KeywordKind::kLora, KeywordKind::kHypernet,
                         KeywordKind::kLora, KeywordKind::kTag,  KeywordKind::kLora, KeywordKind::kTag};
  double weights[] = {0.8, 1.2, 1.0, 0.5, 0.7, 1.5, -0.4, 1.0};  // emphasis does not touch a LoRA
  for (size_t i = 0; i < k.size(); ++i) {
    EXPECT_EQ(k[i].kind, kinds[i]) << k[i].text;
    EXPECT_NEAR(k[i].weight, weights[i], 1e-9) << k[i].text;
  }
  // The network ends the keyword before it.
  EXPECT_EQ(texts(extract_keywords("a cat<lora:x:1>sitting")), (Texts{"a cat", "x", "sitting"}));
}

TEST(KeywordsNetworks, Embeddings) {
  auto k = extract_keywords(
      "embedding:EasyNegative, (embedding:bad_hands.pt:1.2), embedding:neg.SafeTensors nsfw, "
      "Embedding:notone, myembedding:no");
  ASSERT_EQ(texts(k), (Texts{"easynegative", "bad hands", "neg", "nsfw", "embedding:notone", "myembedding:no"}));
  EXPECT_EQ(k[0].kind, KeywordKind::kEmbedding);
  EXPECT_EQ(k[1].kind, KeywordKind::kEmbedding);
  EXPECT_NEAR(k[1].weight, 1.2, 1e-9);
  EXPECT_EQ(k[2].kind, KeywordKind::kEmbedding);
  EXPECT_EQ(k[3].kind, KeywordKind::kTag);
  EXPECT_EQ(k[4].kind, KeywordKind::kTag);

  // A1111 names embeddings as plain words; the caller knows which words are embeddings.
  k = extract_keywords("EasyNegative, (bad_prompt_v2:0.8), worst quality", {"easynegative", "Bad_Prompt_V2"});
  ASSERT_EQ(texts(k), (Texts{"easynegative", "bad prompt v2", "worst quality"}));
  EXPECT_EQ(k[0].kind, KeywordKind::kEmbedding);
  EXPECT_EQ(k[1].kind, KeywordKind::kEmbedding);
  EXPECT_NEAR(k[1].weight, 0.8, 1e-9);
  EXPECT_EQ(k[2].kind, KeywordKind::kTag);
}

TEST(KeywordsNormalize, Rules) {
  EXPECT_EQ(normalize_keyword("  Long_Hair\t\tand  BLUE  "), "long hair and blue");
  EXPECT_EQ(normalize_keyword("Émilie ÇA"), "Émilie Ça");  // only ASCII is case-folded
  EXPECT_EQ(normalize_keyword("\"Quoted\""), "\"quoted\"");
  EXPECT_EQ(normalize_keyword(R"(ganyu \(genshin\) \\ end\)"), "ganyu (genshin) \\ end");
  EXPECT_EQ(normalize_keyword("\u3000猫\u00A0\u00A0犬\u3000"), "猫 犬");
  EXPECT_EQ(normalize_keyword(""), "");
  // Extraction normalizes the same way.
  EXPECT_EQ(texts(extract_keywords("  Long_Hair\t\tand  BLUE  ,  \"Quoted\" ")),
            (Texts{"long hair and blue", "\"quoted\""}));
}

TEST(KeywordsNormalize, DropsRemnantsKeepsNumberTags) {
  auto k = extract_keywords("masterpiece, :1.2, 1.5, ..., 42, ___, ---, 8k, 4K, 1990s, 2girls, ！？");
  EXPECT_EQ(texts(k), (Texts{"masterpiece", "8k", "4k", "1990s", "2girls"}));
}

TEST(KeywordsOutput, DedupeKeepsFirstOccurrence) {
  auto k = extract_keywords("cat, dog, CAT, (cat:1.5), Cat_ears, cat ears, (dog ears:1.3), dog_ears");
  ASSERT_EQ(texts(k), (Texts{"cat", "dog", "cat ears", "dog ears"}));
  EXPECT_NEAR(k[0].weight, 1.0, 1e-9);
  EXPECT_NEAR(k[3].weight, 1.3, 1e-9);  // the first occurrence's weight, though known only at ')'
  // Same text, different kinds: both kept.
  k = extract_keywords("<lora:cat:0.6>, cat, __cat__");
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[0], (Keyword{"cat", 0.6, KeywordKind::kLora}));
  EXPECT_EQ(k[1], (Keyword{"cat", 1.0, KeywordKind::kTag}));
  EXPECT_EQ(k[2], (Keyword{"cat", 1.0, KeywordKind::kWildcard}));
}

TEST(KeywordsLimits, CountLengthAndDepth) {
  std::string prompt;
  for (int i = 0; i < 300; ++i) prompt += "tag" + std::to_string(i) + ", ";
  auto k = extract_keywords(prompt);
  ASSERT_EQ(k.size(), kMaxKeywordsPerPrompt);
  EXPECT_EQ(k.back().text, "tag255");

  std::string longest(kMaxKeywordBytes, 'a');
  std::string other(kMaxKeywordBytes - 1, 'c');
  k = extract_keywords(longest + ", " + longest + "b, short, " + other + "d                 ");
  EXPECT_EQ(texts(k), (Texts{longest, "short", other + "d"}));  // trailing blanks do not count

  // Brackets beyond the depth bound pair up but weigh nothing.
  std::string deep = std::string(40, '(') + "x" + std::string(40, ')') + ", y";
  k = extract_keywords(deep);
  ASSERT_EQ(texts(k), (Texts{"x", "y"}));
  EXPECT_NEAR(k[0].weight, std::pow(1.1, double(kMaxBracketDepth)), 1e-6);
  EXPECT_NEAR(k[1].weight, 1.0, 1e-9);
}

TEST(KeywordsOutput, DedupeHoldsForAFullPromptOfRepeats) {
  // Every tag three times over, interleaved with LoRAs of the same names: each (kind, text)
  // once, in order of first occurrence, up to the bound.
  std::string prompt;
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 200; ++i) prompt += "Tag_" + std::to_string(i) + ", <lora:tag " + std::to_string(i) + ":0.5> ";
  auto k = extract_keywords(prompt);
  ASSERT_EQ(k.size(), kMaxKeywordsPerPrompt);
  for (size_t i = 0; i < k.size(); ++i) {
    EXPECT_EQ(k[i].text, "tag " + std::to_string(i / 2)) << i;
    EXPECT_EQ(k[i].kind, i % 2 ? KeywordKind::kLora : KeywordKind::kTag) << i;
  }
}

TEST(KeywordsLimits, HostileInputIsBounded) {
  auto k = extract_keywords(std::string(200000, '(') + "a");
  ASSERT_EQ(texts(k), (Texts{"a"}));
  EXPECT_NEAR(k[0].weight, std::pow(1.1, double(kMaxBracketDepth)), 1e-6);

  for (char c : {'[', '{', '<', '_', ':', ')', '\\'}) {
    k = extract_keywords(std::string(100000, c) + "b");
    EXPECT_LE(k.size(), 1u) << c;
  }
  EXPECT_TRUE(extract_keywords(std::string(20 << 20, 'a')).empty());  // one 20 MB "sentence"

  // 5 MB of every construct, half-finished, over and over.
  const std::string chunk = "(a[b:c|{2$$d<lora:e__f\\(g:1.2 BREAK embedding:h.pt, 猫，__w";
  std::string big;
  while (big.size() < (5u << 20)) big += chunk + std::to_string(big.size()) + " ";
  k = extract_keywords(big, {"d"});
  EXPECT_GE(k.size(), 5u);
  EXPECT_LE(k.size(), kMaxKeywordsPerPrompt);
  for (const Keyword& kw : k) {
    EXPECT_LE(kw.text.size(), kMaxKeywordBytes);
    EXPECT_TRUE(std::isfinite(kw.weight));
  }
}

TEST(KeywordsKinds, NamesRoundTrip) {
  for (KeywordKind kind : {KeywordKind::kTag, KeywordKind::kLora, KeywordKind::kEmbedding, KeywordKind::kHypernet,
                           KeywordKind::kWildcard}) {
    auto back = keyword_kind_from_name(keyword_kind_name(kind));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, kind);
  }
  EXPECT_STREQ(keyword_kind_name(KeywordKind::kHypernet), "hypernet");
  EXPECT_FALSE(keyword_kind_from_name("Lora"));
  EXPECT_FALSE(keyword_kind_from_name(""));
}

TEST(KeywordsRealWorld, A1111Prompt) {
  auto k = extract_keywords(
      "(masterpiece, best quality:1.2), 1girl, solo, long_hair, ((blue eyes)), [smile], "
      "<lora:detail_tweaker:0.6>, hatsune miku \\(vocaloid\\)\nBREAK\ncity at night, 8k",
      {"easynegative"});
  EXPECT_EQ(texts(k), (Texts{"masterpiece", "best quality", "1girl", "solo", "long hair", "blue eyes", "smile",
                             "detail tweaker", "hatsune miku (vocaloid)", "city at night", "8k"}));
  EXPECT_EQ(find(k, "detail tweaker", KeywordKind::kLora).weight, 0.6);
}

}  // namespace
}  // namespace provena
