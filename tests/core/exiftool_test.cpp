// Interop: exiftool, the tool people reach for first, must show our keys.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/own_format.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::run_command;
using testing::shell_quote;

TEST(ExiftoolInterop, ShowsSeedPromptAndDigitalSourceType) {
  if (run_command("exiftool -ver >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "exiftool not installed (Debian libimage-exiftool-perl; the setup script installs it)";
  testing::TempDir dir;
  Record r;
  r.prompt = "a small red circle, 橘色猫咪";
  r.negative_prompt = "blurry";
  r.seed = 4294967295LL;
  r.steps = 12;
  r.cfg_scale = 7.25;
  r.sampler = "Euler";
  std::string path = dir / "out.png";
  ASSERT_TRUE(write_own_png(path, testing::make_image(16, 16, 3), r));

  std::string out;
  ASSERT_EQ(run_command("exiftool -json -G1 " + shell_quote(path), &out), 0) << out;
  auto j = nlohmann::json::parse(out).at(0);
  EXPECT_EQ(j.at("PNG:Seed").dump(), "4294967295");
  EXPECT_EQ(j.at("PNG:Prompt"), "a small red circle, 橘色猫咪");
  EXPECT_EQ(j.at("PNG:NegativePrompt"), "blurry");
  EXPECT_EQ(j.at("PNG:CFGScale").dump(), "7.25");
  EXPECT_EQ(j.at("XMP-iptcExt:DigitalSourceType"), kDigitalSourceTrained);
  EXPECT_EQ(j.at("XMP-dc:Description"), "a small red circle, 橘色猫咪");
  ASSERT_TRUE(j.contains("PNG:Parameters"));
  EXPECT_NE(j.at("PNG:Parameters").get<std::string>().find("Seed: 4294967295"), std::string::npos);

  // And the plain `exiftool img.png | grep Seed` the format promises.
  std::string plain;
  run_command("exiftool " + shell_quote(path), &plain);
  EXPECT_NE(plain.find("Seed                            : 4294967295"), std::string::npos) << plain;
}

}  // namespace
}  // namespace provena
