// `provena search` paging, `provena stats ...` and `provena template ...`, run as a user would.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/file_io.h"
#include "core/png.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::make_image;
using testing::run_command;
using testing::shell_quote;
using testing::TempDir;

class CliLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(images);
    const char* subjects[] = {"a cat", "a dog", "a fox", "a cat", "an owl", "a cat"};
    for (int i = 0; i < 6; ++i) {
      std::string params = std::string("masterpiece, best quality, ") + subjects[i] +
                           ", sunset, <lora:add_detail:0.6>\nNegative prompt: blurry, lowres\nSteps: " +
                           std::to_string(20 + i) + ", Sampler: Euler a, CFG scale: 7, Seed: " + std::to_string(100 + i) +
                           ", Size: 8x8, Model: dreamshaper_8";
      auto png = encode_png(make_image(8, 8, static_cast<uint32_t>(i + 10)), {{"parameters", params}});
      ASSERT_TRUE(write_file_atomic(images + "/img" + std::to_string(i) + ".png", *png));
    }
    ASSERT_EQ(provena("import " + shell_quote(images)), 0) << last_stderr();
  }
  int provena(const std::string& args, std::string* out = nullptr) {
    return run_command(std::string(PROVENA_CLI_PATH) + " --library " + shell_quote(lib.path()) + " " + args + " 2>" +
                           shell_quote(tmp / "stderr.txt"),
                       out);
  }
  json provena_json(const std::string& args) {
    std::string out;
    EXPECT_EQ(provena(args, &out), 0) << args << ": " << last_stderr();
    return json::parse(out, nullptr, false);
  }
  std::string last_stderr() { return read_file(tmp / "stderr.txt").value(); }
  TempDir tmp, lib;
  std::string images = tmp / "images";
};

TEST_F(CliLibrary, SearchFieldsAndKeysetPaging) {
  EXPECT_EQ(provena_json("search cat --json").size(), 3u);
  EXPECT_EQ(provena_json("search 'steps:>=23 lora:add_detail' --json").size(), 3u);
  json page1 = provena_json("search sort:seed --limit 4 --json");
  ASSERT_EQ(page1.size(), 4u);
  EXPECT_EQ(page1[0]["seed"], 100);
  std::string err = last_stderr();
  size_t at = err.find("--after ");
  ASSERT_NE(at, std::string::npos) << err;
  std::string cursor = err.substr(at + 8, err.find('\n', at) - at - 8);
  json page2 = provena_json("search sort:seed --limit 4 --json --after " + shell_quote(cursor));
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0]["seed"], 104);
  EXPECT_EQ(provena("search 'seed:1..x'"), 2);
  EXPECT_NE(last_stderr().find("column 9"), std::string::npos) << last_stderr();
}

TEST_F(CliLibrary, StatsReports) {
  json top = provena_json("stats keywords --json --limit 3");
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0]["keyword"], "masterpiece");
  EXPECT_EQ(top[0]["count"], 6);
  json neg = provena_json("stats keywords --negative --json");
  EXPECT_EQ(neg[0]["keyword"], "blurry");
  json sub = provena_json("stats keywords --query 'cat' --json");
  bool cat_three = false;
  for (const auto& k : sub) cat_three = cat_three || (k["keyword"] == "a cat" && k["count"] == 3);
  EXPECT_TRUE(cat_three) << sub.dump();
  json co = provena_json("stats cooccur 'a cat' --json");
  EXPECT_EQ(co["count"], 3);
  EXPECT_EQ(co["scope"], 6);
  json trend = provena_json("stats trend sunset --by day --json");
  ASSERT_EQ(trend.size(), 1u);  // all imported today: their files' times
  EXPECT_EQ(trend[0]["count"], 6);
  json usage = provena_json("stats usage --by lora --json");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0]["lora"], "add detail");
  json model = provena_json("stats usage --by model --json");
  EXPECT_EQ(model[0]["model"], "dreamshaper_8");
  json profile = provena_json("stats keyword sunset --json");
  EXPECT_EQ(profile["median_steps"], 22.5);
  std::string out;
  EXPECT_EQ(provena("stats keywords", &out), 0);
  EXPECT_NE(out.find("masterpiece"), std::string::npos);
  EXPECT_EQ(provena("stats trend"), 2);
  EXPECT_EQ(provena("stats usage --by colour"), 2);
  EXPECT_EQ(provena("stats cooccur nothing-like-this"), 1);
  EXPECT_NE(last_stderr().find("no prompt holds"), std::string::npos);
}

TEST_F(CliLibrary, TemplatesAddExpandSuggestExportImport) {
  ASSERT_EQ(provena("template add portrait --prompt 'masterpiece, {subject}, {smiling|serious}, __light__' "
                    "--negative blurry --slot 'subject=a woman|an old man' --param steps=30"),
            0)
      << last_stderr();
  EXPECT_EQ(provena("template add portrait --prompt x"), 1);
  EXPECT_NE(last_stderr().find("already exists"), std::string::npos);
  EXPECT_EQ(provena("template expand portrait --all"), 1);  // __light__ has no list yet
  EXPECT_NE(last_stderr().find("light"), std::string::npos);
  ASSERT_EQ(provena("template wildcard light 'golden hour' 'studio light'"), 0);
  json all = provena_json("template expand portrait --all --json");
  ASSERT_EQ(all.size(), 8u);  // 2 subjects x 2 choices x 2 lights
  EXPECT_EQ(all[0]["template"]["id"], "portrait");
  json picks = provena_json("template expand portrait --count 5 --seed 42 --json");
  EXPECT_EQ(picks, provena_json("template expand portrait --count 5 --seed 42 --json"));  // deterministic
  EXPECT_EQ(provena("template expand portrait --set subject=a robot"), 2);  // unquoted: two arguments
  json set = provena_json("template expand portrait --all --set 'subject=a robot' --json");
  EXPECT_EQ(set.size(), 4u);
  EXPECT_NE(set[0]["prompt"].get<std::string>().find("a robot"), std::string::npos);
  ASSERT_EQ(provena("template edit portrait --negative 'blurry, lowres'"), 0);
  EXPECT_EQ(provena_json("template show portrait --json")["version"], 2);

  json suggestions = provena_json("template suggest --json");
  ASSERT_FALSE(suggestions.empty());
  EXPECT_EQ(suggestions[0]["prompt"], "masterpiece, best quality, {subject}, sunset, <lora:add_detail:0.6>");
  EXPECT_EQ(suggestions[0]["values"][0]["value"], "a cat");
  ASSERT_EQ(provena("template suggest --save 1 --name animals"), 0) << last_stderr();
  EXPECT_EQ(provena_json("template expand animals --all --json").size(), 4u);  // cat, dog, fox, owl

  const std::string file = tmp / "templates.json";
  ASSERT_EQ(provena("template export " + shell_quote(file)), 0);
  TempDir other;
  std::string out;
  ASSERT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " --library " + shell_quote(other.path()) +
                            " template import " + shell_quote(file) + " 2>&1",
                        &out),
            0);
  EXPECT_NE(out.find("2 added"), std::string::npos) << out;
  ASSERT_EQ(provena("template rm animals"), 0);
  EXPECT_EQ(provena("template rm animals"), 1);
  EXPECT_EQ(provena_json("template list --json").size(), 1u);
}

}  // namespace
}  // namespace provena
