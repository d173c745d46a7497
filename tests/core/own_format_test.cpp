#include "core/own_format.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/file_io.h"
#include "core/pixels.h"
#include "core/record_json.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::make_image;
using testing::TempDir;

Record sample_record(const std::string& prompt, int64_t seed, double cfg) {
  Record r;
  r.prompt = prompt;
  r.negative_prompt = "blurry, lowres";
  r.seed = seed;
  r.steps = 20;
  r.cfg_scale = cfg;
  r.sampler = "Euler a";
  r.scheduler = "karras";
  r.model = "provena-tiny";
  r.model_family = "tiny";
  r.model_sha256 = std::string(64, 'a');
  r.model_hash = "aaaaaaaaaa";
  r.requested_width = 8;
  r.requested_height = 6;
  r.noise_source = "cpu";
  r.system.torch_version = "1.13.1";
  r.system.device = "cpu";
  r.performance.seconds = 0.125;
  r.performance.peak_memory_mb = 312.5;
  r.template_use = TemplateUse{"t-42", 3, {{"subject", "猫"}}};
  return r;
}

Record read_back(const std::string& bytes) {
  auto meta = read_png_metadata(bytes);
  EXPECT_TRUE(meta) << (meta ? "" : meta.error().message);
  if (!meta) return {};
  auto rec = read_own_record(meta->texts);
  EXPECT_TRUE(rec.has_value());
  if (!rec || !rec->ok()) return {};
  return std::move(rec->value());
}

class OwnFormatRoundTrip : public ::testing::TestWithParam<std::tuple<std::string, int64_t, double>> {};

TEST_P(OwnFormatRoundTrip, ReadingBackGivesTheSameRecord) {
  auto [prompt, seed, cfg] = GetParam();
  Record r = sample_record(prompt, seed, cfg);
  auto bytes = encode_own_png(make_image(8, 6, 11), r);
  ASSERT_TRUE(bytes) << bytes.error().message;
  Record back = read_back(*bytes);
  EXPECT_TRUE(back.same_fields(r)) << record_to_json(back, 2) << "\nvs\n" << record_to_json(r, 2);
  EXPECT_EQ(back.tool, "provena");
  ASSERT_TRUE(back.pixel_hash);
  EXPECT_EQ(*back.pixel_hash, pixel_hash(make_image(8, 6, 11)).hex());
}

INSTANTIATE_TEST_SUITE_P(
    Prompts, OwnFormatRoundTrip,
    ::testing::Values(std::make_tuple("a red circle", 1, 7.0),
                      std::make_tuple("line one\nline two\n\n  indented, (weight:1.3)", 4294967295LL, 7.25),
                      std::make_tuple("一只可爱的橘色猫咪，坐在窗台上", std::numeric_limits<int64_t>::max(), 0.1),
                      std::make_tuple("emoji 🐱🎨 and \"quotes\", commas: colons", -1, 30.0),
                      std::make_tuple("caf\xC3\xA9 latin-1 only", 123456789012345LL, 1e-3)));

TEST(OwnFormat, CarriesParametersSeedKeysAndXmp) {
  Record r = sample_record("橘色猫咪", 42, 6.5);
  auto bytes = encode_own_png(make_image(8, 6, 1), r);
  ASSERT_TRUE(bytes);
  auto meta = read_png_metadata(*bytes);
  ASSERT_TRUE(meta);
  std::map<std::string, RawText> by_key;
  for (const auto& t : meta->texts) by_key[t.key] = t;
  ASSERT_TRUE(by_key.count("parameters"));
  EXPECT_EQ(by_key["parameters"].container, "iTXt");  // not Latin-1
  EXPECT_NE(by_key["parameters"].text.find("Seed: 42, Size: 8x6"), std::string::npos);
  for (const char* key : {"Software", "DateTime", "Prompt", "NegativePrompt", "CFGScale", "Steps", "Seed",
                          "Resolution", "provena", "XML:com.adobe.xmp"})
    EXPECT_TRUE(by_key.count(key)) << key;
  EXPECT_EQ(by_key["Seed"].text, "42");
  EXPECT_EQ(by_key["CFGScale"].text, "6.5");
  EXPECT_EQ(by_key["Prompt"].text, "橘色猫咪");

  auto xmp = read_xmp(by_key["XML:com.adobe.xmp"].text);
  ASSERT_TRUE(xmp) << xmp.error().message;
  EXPECT_EQ(xmp->description, "橘色猫咪");
  EXPECT_EQ(xmp->digital_source_type, kDigitalSourceTrained);
  ASSERT_TRUE(xmp->creator_tool);
  EXPECT_EQ(xmp->creator_tool->rfind("Provena", 0), 0u);
  EXPECT_EQ(xmp->create_date, r.created_at);
  ASSERT_TRUE(xmp->aigc);
  for (const char* field : {"\"Label\":\"1\"", "\"ContentProducer\":\"Provena\"", "\"ProduceID\":", "\"ReservedCode1\"",
                            "\"ContentPropagator\"", "\"PropagateID\"", "\"ReservedCode2\""})
    EXPECT_NE(xmp->aigc->find(field), std::string::npos) << field << " in " << *xmp->aigc;
  EXPECT_EQ(xmp->provena["Seed"], "42");
  EXPECT_EQ(xmp->provena["Model"], "provena-tiny");
}

TEST(OwnFormat, OptionalSidecarHoldsTheSameJson) {
  TempDir dir;
  Record r = sample_record("sidecar test", 7, 5.0);
  OwnFormatOptions opt;
  opt.sidecar = true;
  ASSERT_TRUE(write_own_png(dir / "img.png", make_image(8, 6, 2), r, opt));
  auto json = read_file(dir / "img.json");
  ASSERT_TRUE(json) << json.error().message;
  auto from_sidecar = record_from_json(*json);
  ASSERT_TRUE(from_sidecar);
  auto png = read_file(dir / "img.png");
  ASSERT_TRUE(png);
  EXPECT_TRUE(from_sidecar->same_fields(read_back(*png)));
}

TEST(OwnFormat, MetadataOnlyEditKeepsThePixelHash) {
  Image img = make_image(8, 6, 5);
  Record a = sample_record("first", 1, 7.0), b = sample_record("second, different text", 2, 3.0);
  auto pa = encode_own_png(img, a), pb = encode_own_png(img, b);
  ASSERT_TRUE(pa && pb);
  EXPECT_NE(*pa, *pb);
  auto ha = pixel_hash_of_file_bytes(*pa), hb = pixel_hash_of_file_bytes(*pb);
  ASSERT_TRUE(ha && hb);
  EXPECT_EQ(*ha, *hb);
  EXPECT_EQ(ha->hex(), *a.pixel_hash);
  EXPECT_NE(*ha, pixel_hash(make_image(8, 6, 6)));
}

TEST(RecordJson, RefusesNewerVersionsAndDeepNesting) {
  auto newer = record_from_json(R"({"format":"provena","version":99})");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos);
  std::string deep = R"({"format":"provena","version":1,"x":)" + std::string(200, '[') + std::string(200, ']') + "}";
  auto d = record_from_json(deep);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("deep"), std::string::npos) << d.error().message;
  EXPECT_FALSE(record_from_json(R"({"format":"provena","version":1,"generation":{"seed":"abc"}})"));
  // Numbers that do not fit their field are refused, not converted (found by fuzzing).
  EXPECT_FALSE(record_from_json(R"({"format":"provena","version":1,"generation":{"height":222222222222222222222}})"));
  EXPECT_FALSE(record_from_json(R"({"format":"provena","version":1,"generation":{"steps":4294967296}})"));
  EXPECT_FALSE(record_from_json(R"({"format":"provena","version":1e300})"));
  auto big_seed = record_from_json(R"({"format":"provena","version":1,"generation":{"seed":9223372036854775807}})");
  ASSERT_TRUE(big_seed);
  EXPECT_EQ(big_seed->seed, INT64_MAX);
}

TEST(RecordJson, AbsentValuesStayAbsent) {
  Record r;
  r.tool = "provena";
  r.prompt = "only a prompt";
  auto back = record_from_json(record_to_json(r));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->seed);
  EXPECT_FALSE(back->cfg_scale);
  EXPECT_FALSE(back->negative_prompt);
  EXPECT_TRUE(back->same_fields(r));
}

}  // namespace
}  // namespace provena
