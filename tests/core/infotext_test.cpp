#include "core/infotext.h"

#include <gtest/gtest.h>

namespace provena {
namespace {

TEST(Infotext, ParsesA1111Layout) {
  auto info = parse_infotext(
      "masterpiece, (cat:1.2)\nsecond line\nNegative prompt: blurry, lowres\n"
      "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 3888671826, "
      "Size: 1024x1024, Model hash: 45a21ea00a, Model: waiIllustriousSDXL_v160, "
      "Lora hashes: \"NoobV065sHyperDmd: 45b5bd0819cf\", Version: v1.10.1");
  EXPECT_EQ(info.prompt, "masterpiece, (cat:1.2)\nsecond line");
  ASSERT_TRUE(info.negative_prompt);
  EXPECT_EQ(*info.negative_prompt, "blurry, lowres");
  Record r;
  apply_infotext(info, r);
  EXPECT_EQ(r.steps, 20);
  EXPECT_EQ(r.sampler, "DPM++ 2M");
  EXPECT_EQ(r.scheduler, "Karras");
  EXPECT_EQ(r.cfg_scale, 5.5);
  EXPECT_EQ(r.seed, 3888671826LL);
  EXPECT_EQ(r.requested_width, 1024);
  EXPECT_EQ(r.model_hash, "45a21ea00a");
  EXPECT_EQ(r.model, "waiIllustriousSDXL_v160");
  ASSERT_EQ(r.extra.size(), 2u);
  EXPECT_EQ(r.extra[0].first, "Lora hashes");
  EXPECT_EQ(r.extra[0].second, "NoobV065sHyperDmd: 45b5bd0819cf");
}

TEST(Infotext, KeepsUnquotedJsonWhole) {
  auto params = parse_infotext_params(
      "Steps: 30, Hashes: {\"model\": \"45a21ea00a\", \"lora:x\": \"abc\"}, Seed: 5, "
      "Civitai resources: [{\"type\":\"checkpoint\",\"modelVersionId\":1}]");
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[1].first, "Hashes");
  EXPECT_EQ(params[1].second, "{\"model\": \"45a21ea00a\", \"lora:x\": \"abc\"}");
  EXPECT_EQ(params[2].second, "5");
  EXPECT_EQ(params[3].second, "[{\"type\":\"checkpoint\",\"modelVersionId\":1}]");
}

TEST(Infotext, QuotedValuesDecodeAsJsonStrings) {
  // Plain, escaped (quote, backslash, \n, \u), and ones JSON refuses (a raw control
  // character, a broken UTF-8 byte, an encoded surrogate), which stay as written, quotes and all.
  auto params = parse_infotext_params(
      "Ka: \"x: 1, y: 2\", Kb: \"say \\\"hi\\\" \\\\ \\n\\u732b\", Kc: \"tab\there\", Kd: \"bad \xC3(\", "
      "Ke: \"half \xED\xA0\x80\", Kf: \"猫 \xF0\x9F\x98\x80\"");
  ASSERT_EQ(params.size(), 6u);
  EXPECT_EQ(params[0].second, "x: 1, y: 2");
  EXPECT_EQ(params[1].second, "say \"hi\" \\ \n猫");
  EXPECT_EQ(params[2].second, "\"tab\there\"");
  EXPECT_EQ(params[3].second, "\"bad \xC3(\"");
  EXPECT_EQ(params[4].second, "\"half \xED\xA0\x80\"");
  EXPECT_EQ(params[5].second, "猫 \xF0\x9F\x98\x80");
}

TEST(Infotext, LastLineWithFewerThanThreeParamsIsPrompt) {
  auto info = parse_infotext("a photo\nStyle: cinematic, Mood: calm");
  EXPECT_EQ(info.prompt, "a photo\nStyle: cinematic, Mood: calm");
  EXPECT_TRUE(info.params.empty());
  EXPECT_FALSE(info.negative_prompt);
}

TEST(Infotext, NothingIsTrimmed) {
  // Blank lines, trailing spaces and CRs belong to the prompt as stored.
  auto info = parse_infotext("a cat, \n\nNegative prompt: censor, \n\nSteps: 4, Seed: 1, CFG Scale: 7\n");
  EXPECT_EQ(info.prompt, "a cat, \n");
  ASSERT_TRUE(info.negative_prompt);
  EXPECT_EQ(*info.negative_prompt, "censor, \n");
  EXPECT_EQ(info.params.size(), 3u);
  auto crlf = parse_infotext("a cat\r\nNegative prompt: \r\nSteps: 4, Seed: 1, CFG scale: 7");
  EXPECT_EQ(crlf.prompt, "a cat\r");
  EXPECT_EQ(*crlf.negative_prompt, "\r");
  Record r;
  apply_infotext(info, r);
  EXPECT_EQ(r.cfg_scale, 7.0);  // "CFG Scale": keys are case-insensitive
  auto empty_prompt = parse_infotext("Negative prompt: bad\nSteps: 4, Seed: 1, CFG scale: 7");
  EXPECT_EQ(empty_prompt.prompt, "");
  EXPECT_EQ(*empty_prompt.negative_prompt, "bad");
}

TEST(Infotext, FormatThenParseRoundTrips) {
  Record r;
  r.prompt = "一只可爱的橘色猫咪, (masterpiece:1.2)\nline two";
  r.negative_prompt = "bad hands";
  r.steps = 28;
  r.sampler = "Euler a";
  r.cfg_scale = 7.25;
  r.seed = 4294967295LL;
  r.requested_width = 512;
  r.requested_height = 768;
  r.model = "tiny";
  r.extra = {{"Noise source", "cpu"}, {"Note", "has, comma: and colon"}};
  std::string text = format_infotext(r);
  EXPECT_NE(text.find("CFG scale: 7.25, Seed: 4294967295, Size: 512x768"), std::string::npos) << text;
  EXPECT_NE(text.find("Note: \"has, comma: and colon\""), std::string::npos) << text;
  Record back;
  apply_infotext(parse_infotext(text), back);
  back.tool = r.tool;
  EXPECT_TRUE(back.same_fields(r)) << text;
}

TEST(Infotext, DecimalsLookLikePython) {
  EXPECT_EQ(format_decimal(7.0), "7.0");
  EXPECT_EQ(format_decimal(7.25), "7.25");
  EXPECT_EQ(format_decimal(0.1), "0.1");
}

}  // namespace
}  // namespace provena
