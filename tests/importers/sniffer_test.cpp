#include "importers/importer.h"

#include <gtest/gtest.h>

#include "core/own_format.h"
#include "importers/sniffer.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::make_image;

std::string png_with(const std::vector<PngTextOut>& texts) {
  auto bytes = encode_png(make_image(4, 3, 9), texts);
  EXPECT_TRUE(bytes);
  return *bytes;
}

TEST(Sniffer, ReadsA1111Parameters) {
  auto r = read_image_metadata(png_with({{"parameters", "a cat\nNegative prompt: dog\nSteps: 20, Seed: 5, CFG scale: 7"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "a1111");
  EXPECT_EQ(r->record.prompt, "a cat");
  EXPECT_EQ(r->record.negative_prompt, "dog");
  EXPECT_EQ(r->record.seed, 5);
  EXPECT_EQ(r->image.width, 4);
  EXPECT_EQ(r->image.height, 3);
  ASSERT_EQ(r->record.raw.size(), 1u);
  EXPECT_EQ(r->record.raw[0].key, "parameters");
}

TEST(Sniffer, OwnFormatWinsOverItsParametersChunk) {
  Record rec;
  rec.prompt = "own";
  rec.seed = 1;
  rec.noise_source = "philox";
  auto bytes = encode_own_png(make_image(4, 3, 1), rec);
  ASSERT_TRUE(bytes);
  auto r = read_image_metadata(*bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record.tool, "provena");
  EXPECT_EQ(r->record.noise_source, "philox");  // only the provena chunk carries it
}

TEST(Sniffer, JsonInParametersIsNotInfotext) {
  auto r = read_image_metadata(png_with({{"parameters", "{\"prompt\": \"x\"}"}}));
  ASSERT_TRUE(r);
  EXPECT_NE(r->record.tool, "a1111");
  EXPECT_EQ(r->record.raw.at(0).text, "{\"prompt\": \"x\"}");  // kept raw, never dropped
}

TEST(Sniffer, NoMetadataIsToolNone) {
  auto r = read_image_metadata(png_with({{"Comment", "Created with GIMP"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record.tool, "none");
  EXPECT_FALSE(r->record.prompt);
  EXPECT_FALSE(r->record.seed);
  EXPECT_EQ(r->record.raw.size(), 1u);
}

TEST(Sniffer, BrokenOwnRecordIsAnError) {
  auto r = read_image_metadata(png_with({{"provena", "{not json", PngTextOut::Kind::kITXt}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("provena"), std::string::npos) << r.error().message;
}

TEST(Sniffer, NonImagesAreRefusedByContent) {
  auto r = read_image_metadata("just some text, named .png");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported"), std::string::npos);
  EXPECT_FALSE(read_image_metadata(""));
  EXPECT_TRUE(has_image_extension("/x/Y.PNG"));
  EXPECT_FALSE(has_image_extension("/x.png/readme"));
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

// Found by fuzzing: JSON of the wrong shape where a reader expects an object.
TEST(Sniffer, WrongJsonShapesAreErrorsNotCrashes) {
  for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
           {"sd-metadata", "[1]"}, {"invokeai_metadata", "[]"}, {"invokeai_metadata", "\"str\""},
           {"parameters", R"({"sui_image_params": [1]})"}, {"parameters-json", "[1]"}, {"generation_data", "[{}]"},
           {"zimage_params", "[null]"}}) {
    auto bytes = encode_png(testing::make_image(2, 2, 1), {{key, text}});
    ASSERT_TRUE(bytes);
    auto r = read_image_metadata(*bytes);  // must return, error or record, never throw
    if (r) {
      EXPECT_FALSE(r->record.prompt) << key << ": " << text;
    }
  }
}

}  // namespace
}  // namespace provena
