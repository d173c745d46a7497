// Runs the real `provena` binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/file_io.h"
#include "core/own_format.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::make_image;
using testing::run_command;
using testing::shell_quote;
using testing::TempDir;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(images);
    Record r;
    r.prompt = "一只可爱的橘色猫咪";
    r.seed = 4294967295LL;
    r.steps = 20;
    r.cfg_scale = 7.25;
    ASSERT_TRUE(write_own_png(images + "/cat.png", make_image(16, 8, 1), r));
    auto a1111 = encode_png(make_image(8, 8, 2), {{"parameters", "a red fox\nSteps: 30, Seed: 42, CFG scale: 6"}});
    ASSERT_TRUE(write_file_atomic(images + "/fox.png", *a1111));
    auto plain = encode_png(make_image(8, 8, 3), {});
    ASSERT_TRUE(write_file_atomic(images + "/plain.png", *plain));
  }
  // Runs provena with the test library; returns the exit code, stdout in *out.
  int provena(const std::string& args, std::string* out = nullptr) {
    return run_command(std::string(PROVENA_CLI_PATH) + " --library " + shell_quote(lib.path()) + " " + args +
                           " 2>" + shell_quote(tmp / "stderr.txt"),
                       out);
  }
  std::string last_stderr() { return read_file(tmp / "stderr.txt").value(); }
  TempDir tmp, lib;
  std::string images = tmp / "images";
};

TEST_F(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " 2>/dev/null"), 2);
  EXPECT_EQ(provena("frobnicate"), 2);
  EXPECT_NE(last_stderr().find("unknown command"), std::string::npos);
  EXPECT_EQ(provena("search cat --limit lots"), 2);
  EXPECT_NE(last_stderr().find("--limit"), std::string::npos);
  EXPECT_EQ(provena("import --bogus x"), 2);
  EXPECT_EQ(provena("inspect"), 2);
  std::string out;
  EXPECT_EQ(provena("help", &out), 0);
  EXPECT_NE(out.find("usage: provena"), std::string::npos);
}

TEST_F(Cli, InspectNeedsNoLibraryAndPrintsContractJson) {
  std::string out;
  ASSERT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " inspect --json " + shell_quote(images + "/cat.png") + " " +
                            shell_quote(images + "/plain.png"),
                        &out),
            0);
  auto j = json::parse(out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["tool"], "provena");
  EXPECT_EQ(j[0]["prompt"], "一只可爱的橘色猫咪");
  EXPECT_EQ(j[0]["seed"], 4294967295LL);
  EXPECT_EQ(j[0]["cfg_scale"], 7.25);
  EXPECT_EQ(j[0]["width"], 16);
  EXPECT_EQ(j[0]["height"], 8);
  EXPECT_TRUE(j[0]["sampler"].is_null());
  EXPECT_TRUE(j[0]["error"].is_null());
  EXPECT_EQ(j[1]["tool"], "none");
  EXPECT_TRUE(j[1]["prompt"].is_null());
  EXPECT_TRUE(j[1]["seed"].is_null());  // absent, never 0 or -1
  EXPECT_FALSE(fs::exists(lib.path() + "/catalog.sqlite"));

  ASSERT_TRUE(write_file_atomic(images + "/broken.png", "\x89PNG\r\n\x1a\nxx"));
  EXPECT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " inspect --json " + shell_quote(images + "/broken.png"), &out), 1);
  auto b = json::parse(out);
  EXPECT_NE(b[0]["error"].get<std::string>().find("broken.png"), std::string::npos);
}

// A text chunk with a bad CRC beside an intact one: inspect and import read the file
// without it, name the chunk in a warning, and exit 0.
TEST_F(Cli, DamagedTextChunkIsSkippedWithAWarning) {
  auto png = encode_png(make_image(8, 8, 4),
                        {{"Comment", "scratched"}, {"parameters", "a blue owl\nSteps: 9, Seed: 7, CFG scale: 6"}});
  ASSERT_TRUE(png);
  std::string bytes = *png;
  bytes[bytes.find("Comment") + 1] ^= 0x20;  // inside the first chunk; its CRC no longer matches
  const std::string path = tmp / "owl/owl.png";
  fs::create_directories(tmp / "owl");
  ASSERT_TRUE(write_file_atomic(path, bytes));
  std::string out;
  ASSERT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " inspect --json " + shell_quote(path), &out), 0);
  auto j = json::parse(out);
  EXPECT_EQ(j[0]["prompt"], "a blue owl");
  ASSERT_EQ(j[0]["warnings"].size(), 1u);
  EXPECT_NE(j[0]["warnings"][0].get<std::string>().find("bad CRC"), std::string::npos) << out;
  ASSERT_EQ(provena("import --json " + shell_quote(tmp / "owl"), &out), 0);
  auto rep = json::parse(out);
  EXPECT_EQ(rep["new"], 1);
  EXPECT_EQ(rep["failed"], 0);
  ASSERT_EQ(rep["warnings"].size(), 1u);
  EXPECT_EQ(rep["warnings"][0]["path"], fs::canonical(path).string());
  EXPECT_NE(rep["warnings"][0]["warning"].get<std::string>().find("chunk 'tEXt' at offset 33 has a bad CRC"),
            std::string::npos)
      << out;
  ASSERT_EQ(provena("search owl", &out), 0);
  EXPECT_NE(out.find("owl.png"), std::string::npos);
  fs::remove(lib.path() + "/catalog.sqlite");
  fs::remove(lib.path() + "/catalog.sqlite-wal");
  fs::remove(lib.path() + "/catalog.sqlite-shm");
  ASSERT_EQ(provena("import " + shell_quote(tmp / "owl"), &out), 0);
  EXPECT_NE(out.find("1 stored without damaged metadata"), std::string::npos) << out;
  EXPECT_NE(last_stderr().find("provena: warning: "), std::string::npos) << last_stderr();
}

TEST_F(Cli, ImportSearchShowExport) {
  ASSERT_TRUE(write_file_atomic(images + "/junk.png", "not a png"));
  std::string out;
  EXPECT_EQ(provena("import --json " + shell_quote(images), &out), 1);  // one file failed
  auto rep = json::parse(out);
  EXPECT_EQ(rep["new"], 3);
  EXPECT_EQ(rep["failed"], 1);
  EXPECT_NE(rep["failures"][0]["error"].get<std::string>().find("junk.png"), std::string::npos);

  ASSERT_EQ(provena("import " + shell_quote(images), &out), 1);
  EXPECT_NE(out.find("3 unchanged"), std::string::npos) << out;

  ASSERT_EQ(provena("search --json 猫咪", &out), 0);
  auto hits = json::parse(out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["seed"], 4294967295LL);
  EXPECT_EQ(hits[0]["path"], fs::canonical(images + "/cat.png").string());

  ASSERT_EQ(provena("search --json seed:42", &out), 0);
  hits = json::parse(out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["tool"], "a1111");
  EXPECT_EQ(hits[0]["prompt"], "a red fox");
  const int64_t fox_id = hits[0]["id"];

  ASSERT_EQ(provena("search fox", &out), 0);
  EXPECT_NE(out.find("fox.png"), std::string::npos);

  EXPECT_EQ(provena("search '\"open quote'", &out), 2);
  EXPECT_NE(last_stderr().find("column"), std::string::npos);

  ASSERT_EQ(provena("show --json " + std::to_string(fox_id), &out), 0);
  auto shown = json::parse(out);
  EXPECT_EQ(shown["steps"], 30);
  EXPECT_EQ(shown["pixel_hash"].get<std::string>().size(), 32u);  // computed on demand
  ASSERT_EQ(provena("show " + shell_quote(images + "/fox.png"), &out), 0);
  EXPECT_NE(out.find("a red fox"), std::string::npos);
  EXPECT_EQ(provena("show 999"), 1);

  ASSERT_EQ(provena("export --jsonl", &out), 0);
  size_t lines = 0;
  for (size_t p = 0; (p = out.find('\n', p)) != std::string::npos; ++p) ++lines;
  EXPECT_EQ(lines, 3u);
  EXPECT_EQ(json::parse(out.substr(0, out.find('\n')))["id"], 1);
}

TEST_F(Cli, FoldersAreRememberedRescannedAndForgotten) {
  std::string out;
  ASSERT_EQ(provena("import " + shell_quote(images)), 0);
  ASSERT_EQ(provena("folders --json", &out), 0);
  auto folders = json::parse(out);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0]["path"], fs::canonical(images).string());
  EXPECT_EQ(folders[0]["files"], 3);

  auto more = encode_png(make_image(8, 8, 4), {{"parameters", "a blue whale\nSteps: 20, Seed: 7"}});
  ASSERT_TRUE(write_file_atomic(images + "/whale.png", *more));
  ASSERT_EQ(provena("import --rescan --json", &out), 0);
  auto rep = json::parse(out);
  EXPECT_EQ(rep["new"], 1);
  EXPECT_EQ(rep["unchanged"], 3);
  EXPECT_EQ(provena("import --rescan " + shell_quote(images)), 2);  // paths or --rescan

  EXPECT_EQ(provena("folders forget " + shell_quote(images)), 0);
  ASSERT_EQ(provena("folders --json", &out), 0);
  EXPECT_TRUE(json::parse(out).empty());
  EXPECT_EQ(provena("folders forget " + shell_quote(images)), 1);
  EXPECT_NE(last_stderr().find("no import folder"), std::string::npos);
}

TEST_F(Cli, PixelHashPass) {
  std::string out;
  ASSERT_EQ(provena("import " + shell_quote(images)), 0);
  ASSERT_EQ(provena("pixel-hash --json", &out), 0);
  EXPECT_EQ(json::parse(out)["hashed"], 3);
}

TEST_F(Cli, DemoWritesImportsAndFinds) {
  std::string out;
  ASSERT_EQ(run_command(std::string(PROVENA_CLI_PATH) + " demo --dir " + shell_quote(tmp / "demo"), &out), 0) << out;
  EXPECT_NE(out.find("6 new"), std::string::npos) << out;
  EXPECT_NE(out.find("一只可爱的橘色猫咪"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(tmp / "demo/library/catalog.sqlite"));
}

}  // namespace
}  // namespace provena
