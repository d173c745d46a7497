// `provena generate` end to end: a model trained for two steps by provena-train, then
// generation, the record in the file, indexing and determinism, run as a user would.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/file_io.h"
#include "core/own_format.h"
#include "core/png.h"
#include "tests/test_util.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_command;
using testing::shell_quote;
using testing::TempDir;

std::string sibling(const char* name) { return (fs::path(PROVENA_CLI_PATH).parent_path() / name).string(); }

class GenerateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sibling("provena-generate")) || !fs::exists(sibling("provena-train")))
      GTEST_SKIP() << "built without the generator (libtorch)";
    ASSERT_EQ(run_command(shell_quote(sibling("provena-train")) + " --dir " + shell_quote(tmp / "ckpt") +
                          " --steps 2 --batch 2 --threads 1 >/dev/null"),
              0);
    ASSERT_EQ(run_command(shell_quote(sibling("provena-train")) + " --dir " + shell_quote(tmp / "ckpt") + " --export " +
                          shell_quote(model) + " >/dev/null"),
              0);
  }
  int provena(const std::string& args, std::string* out = nullptr) {
    return run_command(std::string(PROVENA_CLI_PATH) + " --library " + shell_quote(lib.path()) + " " + args + " 2>" +
                           shell_quote(tmp / "stderr.txt"),
                       out);
  }
  std::string last_stderr() { return read_file(tmp / "stderr.txt").value(); }
  TempDir tmp, lib;
  std::string model = tmp / "tiny-flow";
};

TEST_F(GenerateCli, GeneratesRecordsIndexesAndRepeats) {
  std::string out;
  ASSERT_EQ(provena("generate 'a small red circle at top left' --negative blurry --seed 7 --count 2 --steps 3 "
                    "--model " + shell_quote(model) + " --out " + shell_quote(tmp / "out") + " --json",
                    &out),
            0)
      << last_stderr();
  json made = json::parse(out);
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[1]["seed"], 8);
  const std::string first = made[0]["path"];
  ASSERT_TRUE(fs::exists(first));
  ASSERT_EQ(provena("inspect --json " + shell_quote(first), &out), 0);
  json rec = json::parse(out);
  if (rec.is_array()) rec = rec[0];
  EXPECT_EQ(rec["tool"], "provena");
  EXPECT_EQ(rec["seed"], 7);
  EXPECT_EQ(rec["steps"], 3);
  EXPECT_EQ(rec["negative_prompt"], "blurry");
  EXPECT_EQ(rec["noise_source"], "cpu");
  EXPECT_EQ(rec["width"], 64);
  const std::string sha = read_file(model + "/model.sha256").value().substr(0, 64);
  EXPECT_EQ(rec["model_sha256"], sha);
  EXPECT_EQ(rec["model_family"], "tiny-flow");
  EXPECT_EQ(rec["sampler"], "Euler");
  EXPECT_EQ(rec["cfg_scale"], 2.0);  // no --cfg: the model's default guidance, recorded
  ASSERT_EQ(provena("search 'red circle seed:8' --json", &out), 0);
  EXPECT_EQ(json::parse(out).size(), 1u);
  // The same seed again: the same pixels (a new file, the same pixel hash).
  ASSERT_EQ(provena("generate 'a small red circle at top left' --negative blurry --seed 7 --steps 3 --model " +
                        shell_quote(model) + " --out " + shell_quote(tmp / "again") + " --json",
                    &out),
            0);
  const std::string second = json::parse(out)[0]["path"];
  ASSERT_EQ(provena("inspect --json " + shell_quote(first) + " " + shell_quote(second), &out), 0);
  json both = json::parse(out);
  ASSERT_TRUE(both.is_array());
  EXPECT_EQ(both[0]["pixel_hash"], both[1]["pixel_hash"]);
  EXPECT_FALSE(both[0]["pixel_hash"].is_null());
}

// An image from a batch records A1111's "Batch size" and "Batch pos" and is reproduced in
// the same batch: identical, whatever the batch did to the float rounding.
TEST_F(GenerateCli, ReproducesAnImageFromABatchInItsBatch) {
  std::string out;
  ASSERT_EQ(provena("generate 'a red circle' --seed 20 --count 3 --steps 2 --model " + shell_quote(model) + " --out " +
                        shell_quote(tmp / "out") + " --json",
                    &out),
            0)
      << last_stderr();
  json made = json::parse(out);
  ASSERT_EQ(made.size(), 3u);
  const std::string second = made[1]["path"];
  ASSERT_EQ(provena("inspect --json " + shell_quote(second), &out), 0);
  json rec = json::parse(out);
  if (rec.is_array()) rec = rec[0];
  EXPECT_EQ(rec["seed"], 21);
  EXPECT_EQ(rec["extra"]["Batch size"], "3");
  EXPECT_EQ(rec["extra"]["Batch pos"], "1");
  const std::string env = "PROVENA_MODELS=" + shell_quote(tmp.path()) + " ";
  ASSERT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " reproduce " +
                            shell_quote(second) + " --json",
                        &out),
            0);
  EXPECT_EQ(json::parse(out)["verdict"], "identical") << out;
  // A single image records no batch fields.
  ASSERT_EQ(provena("generate 'a red circle' --seed 20 --steps 2 --model " + shell_quote(model) + " --out " +
                        shell_quote(tmp / "single") + " --json",
                    &out),
            0);
  ASSERT_EQ(provena("inspect --json " + shell_quote(json::parse(out)[0]["path"].get<std::string>()), &out), 0);
  rec = json::parse(out);
  if (rec.is_array()) rec = rec[0];
  EXPECT_FALSE(rec.contains("extra") && rec["extra"].contains("Batch size"));
}

TEST_F(GenerateCli, ReproduceVerifiesAndNamesWhatIsMissing) {
  std::string out;
  ASSERT_EQ(provena("generate 'a green star' --seed 11 --steps 2 --model " + shell_quote(model) + " --out " +
                        shell_quote(tmp / "out") + " --json",
                    &out),
            0)
      << last_stderr();
  const std::string made = json::parse(out)[0]["path"];
  // The model is found by its sha256 in PROVENA_MODELS.
  const std::string env = "PROVENA_MODELS=" + shell_quote(tmp.path()) + " ";
  ASSERT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " reproduce " +
                            shell_quote(made) + " --json",
                        &out),
            0);
  json r = json::parse(out);
  EXPECT_EQ(r["verdict"], "identical");
  EXPECT_EQ(r["max_abs_diff"], 0);
  EXPECT_TRUE(fs::exists(r["heatmap"].get<std::string>()));
  // The reproduction is indexed and linked to the original.
  ASSERT_EQ(provena("show --json " + std::to_string(r["reproduction"].get<int>()), &out), 0);
  EXPECT_EQ(json::parse(out)["seed"], 11);

  // A tampered copy (one pixel changed, the record kept) is not identical.
  auto png = read_file(made);
  auto img = decode_png(*png);
  ASSERT_TRUE(img);
  img->pixels[0] = static_cast<uint8_t>(img->pixels[0] ^ 0x40);
  ASSERT_EQ(provena("inspect --json " + shell_quote(made), &out), 0);
  json rec = json::parse(out);
  if (rec.is_array()) rec = rec[0];
  Record record;
  record.tool = "provena";
  record.prompt = "a green star";
  record.seed = 11;
  record.steps = 2;
  record.cfg_scale = rec["cfg_scale"].get<double>();
  record.model = "tiny-flow";
  record.model_family = "tiny-flow";
  record.model_sha256 = rec["model_sha256"].get<std::string>();
  record.noise_source = "cpu";
  ASSERT_TRUE(write_own_png(tmp / "tampered.png", *img, record));
  ASSERT_EQ(provena("import " + shell_quote(tmp / "tampered.png")), 0);
  ASSERT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " reproduce " +
                            shell_quote(tmp / "tampered.png") + " --json",
                        &out),
            0);
  r = json::parse(out);
  EXPECT_EQ(r["verdict"], "near");
  EXPECT_EQ(r["max_abs_diff"], 64);
  EXPECT_GT(r["psnr"].get<double>(), 40);

  // Without the model, or for another tool's image, it says exactly what is missing.
  EXPECT_EQ(provena("reproduce " + shell_quote(made)), 1);
  EXPECT_NE(last_stderr().find("no model with sha256 " + record.model_sha256.value()), std::string::npos) << last_stderr();
  auto a1111 = encode_png(*img, {{"parameters", "a fox\nSteps: 20, Sampler: Euler a, Seed: 1, Model: dreamshaper_8"}});
  ASSERT_TRUE(write_file_atomic(tmp / "a1111.png", *a1111));
  ASSERT_EQ(provena("import " + shell_quote(tmp / "a1111.png")), 0);
  EXPECT_EQ(provena("reproduce " + shell_quote(tmp / "a1111.png")), 1);
  // (A1111's infotext here names no CFG scale and no model hash: nothing to find the weights by.)
  EXPECT_NE(last_stderr().find("the record lacks cfg_scale, model hash"), std::string::npos) << last_stderr();
  EXPECT_EQ(provena("reproduce 99999"), 1);
  EXPECT_EQ(provena("reproduce"), 2);
}

TEST_F(GenerateCli, FromATemplateRecordsItsUse) {
  ASSERT_EQ(provena("template add shapes --prompt 'a {small|large} {colour} circle' --slot 'colour=red|blue'"), 0);
  std::string out;
  ASSERT_EQ(provena("generate --template shapes --set 'colour=green' --seed 3 --count 2 --steps 2 --model " +
                        shell_quote(model) + " --out " + shell_quote(tmp / "t") + " --json",
                    &out),
            0)
      << last_stderr();
  json made = json::parse(out);
  ASSERT_EQ(made.size(), 2u);
  for (const auto& m : made) EXPECT_NE(m["prompt"].get<std::string>().find("green circle"), std::string::npos) << m;
  ASSERT_EQ(provena("search template:shapes --json", &out), 0);
  EXPECT_EQ(json::parse(out).size(), 2u);
  // The same seed picks the same expansion.
  ASSERT_EQ(provena("generate --template shapes --set 'colour=green' --seed 3 --steps 2 --model " + shell_quote(model) +
                        " --out " + shell_quote(tmp / "t2") + " --json",
                    &out),
            0);
  EXPECT_EQ(json::parse(out)[0]["prompt"], made[0]["prompt"]);
  EXPECT_EQ(provena("generate --template nosuch --model " + shell_quote(model)), 1);
}

// A Stable Diffusion 1.x checkpoint (the tiny diffusers fixture, with a small vocabulary
// through PROVENA_CLIP_TOKENIZER): sampler, schedule and size in A1111's terms, recorded.
TEST_F(GenerateCli, StableDiffusionCheckpointWithA1111Sampler) {
  const std::string sd = std::string(PROVENA_SHARED_DIR) + "/fixtures/generator/tiny_sd_diffusers";
  if (!fs::exists(sd)) GTEST_SKIP() << "no generator fixtures";
  const std::string env = "PROVENA_CLIP_TOKENIZER=" + shell_quote(testing::tiny_clip_tokenizer(tmp)) + " ";
  std::string out;
  ASSERT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " generate red --seed 3 --steps 3 " +
                            "--size 16x16 --sampler 'DPM++ 2M Karras' --model " + shell_quote(sd) + " --json 2>" +
                            shell_quote(tmp / "stderr.txt"),
                        &out),
            0)
      << last_stderr();
  // The checkpoint is hashed once, then its SHA-256 comes from the models registry.
  EXPECT_NE(last_stderr().find("tiny_sd_diffusers/unet/diffusion_pytorch_model.safetensors (once"), std::string::npos)
      << last_stderr();
  json made = json::parse(out);
  ASSERT_EQ(made.size(), 1u);
  ASSERT_EQ(provena("models list --json", &out), 0);
  ASSERT_EQ(json::parse(out).size(), 1u);
  const std::string sha = json::parse(out)[0]["sha256"];
  ASSERT_EQ(provena("inspect --json " + shell_quote(made[0]["path"].get<std::string>()), &out), 0);
  json rec = json::parse(out);
  if (rec.is_array()) rec = rec[0];
  EXPECT_EQ(rec["sampler"], "DPM++ 2M");
  EXPECT_EQ(rec["scheduler"], "karras");
  EXPECT_EQ(rec["model"], "tiny_sd_diffusers");
  EXPECT_EQ(rec["width"], 16);
  EXPECT_EQ(rec["model_sha256"], sha);
  ASSERT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " generate red --seed 4 " +
                            "--steps 1 --size 16x16 --model " + shell_quote(sd) + " 2>" + shell_quote(tmp / "stderr.txt")),
            0)
      << last_stderr();
  EXPECT_EQ(last_stderr().find("hashing"), std::string::npos) << last_stderr();
  // What this model cannot do is a usage error naming what it can.
  EXPECT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) +
                        " generate red --size 17x17 --model " + shell_quote(sd) + " 2>" + shell_quote(tmp / "stderr.txt")),
            2);
  EXPECT_NE(last_stderr().find("multiples of 2"), std::string::npos) << last_stderr();
  EXPECT_EQ(run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) +
                        " generate red --sampler LMS --model " + shell_quote(sd) + " 2>" + shell_quote(tmp / "stderr.txt")),
            2);
  EXPECT_NE(last_stderr().find("unknown sampler 'LMS'"), std::string::npos) << last_stderr();
}

// The models registry and A1111's "Model hash": an image made by another tool (here an
// A1111-style PNG whose pixels come from the tiny SD checkpoint) is reproduced with the
// registered checkpoint that hash names.
TEST_F(GenerateCli, ModelsRegistryFindsTheCheckpointOfAnA1111Image) {
  const std::string fixture = std::string(PROVENA_SHARED_DIR) + "/fixtures/generator/tiny_sdlayout_ldm.safetensors";
  if (!fs::exists(fixture)) GTEST_SKIP() << "no generator fixtures";
  const std::string models = tmp / "models";
  fs::create_directories(models);
  fs::create_symlink(fixture, models + "/tiny.safetensors");
  ASSERT_TRUE(write_file_atomic(models + "/tiny.json", R"({"unet": {"attention_head_dim": 8, "norm_num_groups": 8},
    "vae": {"norm_num_groups": 8}, "text_encoder": {"num_attention_heads": 4}})"));
  ASSERT_TRUE(write_file_atomic(models + "/notes.txt", "not a model"));
  std::string out;
  ASSERT_EQ(provena("models scan " + shell_quote(models) + " --json", &out), 0) << last_stderr();
  EXPECT_EQ(json::parse(out)["hashed"], 1);
  ASSERT_EQ(provena("models list --json", &out), 0);
  json listed = json::parse(out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["family"], "sd1");
  const std::string sha = listed[0]["sha256"], short_hash = listed[0]["hash"];
  EXPECT_EQ(short_hash, sha.substr(0, 10));
  ASSERT_EQ(provena("models scan " + shell_quote(models) + " --json", &out), 0);
  EXPECT_EQ(json::parse(out)["unchanged"], 1);

  // Pixels from the checkpoint, then an A1111-style file that carries only the infotext.
  const std::string env = "PROVENA_CLIP_TOKENIZER=" + shell_quote(testing::tiny_clip_tokenizer(tmp)) + " ";
  auto run = [&](const std::string& args, std::string* o = nullptr) {
    return run_command(env + PROVENA_CLI_PATH + " --library " + shell_quote(lib.path()) + " " + args + " 2>" +
                           shell_quote(tmp / "stderr.txt"),
                       o);
  };
  ASSERT_EQ(run("generate red --seed 3 --steps 3 --cfg 5 --rng philox --size 64x64 --model " +
                    shell_quote(models + "/tiny.safetensors") + " --out " + shell_quote(tmp / "made") + " --json",
                &out),
            0)
      << last_stderr();
  EXPECT_EQ(last_stderr().find("hashing"), std::string::npos) << last_stderr();  // scanned already
  auto own = read_file(json::parse(out)[0]["path"].get<std::string>());
  auto pixels = decode_png(*own);
  ASSERT_TRUE(pixels);
  const std::string a1111 = tmp / "a1111/00001-3.png";
  fs::create_directories(tmp / "a1111");
  auto png = encode_png(*pixels, {{"parameters", "red\nSteps: 3, Sampler: Euler, Schedule type: Automatic, CFG scale: 5, "
                                                 "Seed: 3, Size: 64x64, Model hash: " + short_hash + ", Model: tiny"}});
  ASSERT_TRUE(png && write_file_atomic(a1111, *png));
  ASSERT_EQ(provena("import " + shell_quote(a1111)), 0);
  ASSERT_EQ(provena("search --json tool:a1111", &out), 0);
  const int64_t id = json::parse(out)[0]["id"];
  ASSERT_EQ(run("reproduce " + std::to_string(id) + " --json", &out), 0) << last_stderr() << out;
  json verdict = json::parse(out);
  EXPECT_EQ(verdict["verdict"], "identical") << out;  // no RNG field: A1111 drew on the GPU (philox)

  // Euler a with A1111's ENSD and Clip skip: both read from the infotext. Without the ENSD
  // the step noise differs and so does the picture.
  ASSERT_EQ(run("generate red --seed 8 --steps 3 --cfg 5 --rng philox --size 64x64 --sampler 'Euler a' --clip-skip 2 "
                "--ensd 31337 --model " + shell_quote(models + "/tiny.safetensors") + " --out " + shell_quote(tmp / "made") +
                    " --json",
                &out),
            0)
      << last_stderr();
  auto ancestral = decode_png(*read_file(json::parse(out)[0]["path"].get<std::string>()));
  ASSERT_TRUE(ancestral);
  auto reproduce_with = [&](const std::string& file_name, const std::string& fields) {
    const std::string name = tmp / ("a1111/" + file_name);
    auto file = encode_png(*ancestral, {{"parameters", "red\nSteps: 3, Sampler: Euler a, CFG scale: 5, Seed: 8, Size: 64x64, "
                                                       "Model hash: " + short_hash + ", Model: tiny" + fields}});
    EXPECT_TRUE(file && write_file_atomic(name, *file));
    EXPECT_EQ(provena("import " + shell_quote(name)), 0);
    std::string o;
    EXPECT_EQ(provena("show --json " + shell_quote(name), &o), 0);
    EXPECT_EQ(run("reproduce " + std::to_string(json::parse(o)["id"].get<int64_t>()) + " --json", &o), 0) << last_stderr();
    return json::parse(o)["verdict"].get<std::string>();
  };
  EXPECT_EQ(reproduce_with("00003-8.png", ", Clip skip: 2, ENSD: 31337"), "identical");
  EXPECT_NE(reproduce_with("00004-8.png", ", Clip skip: 2"), "identical");
  EXPECT_NE(reproduce_with("00005-8.png", ", ENSD: 31337"), "identical");

  // An unknown hash names where it looked.
  auto other = encode_png(*pixels, {{"parameters", "red\nSteps: 3, Sampler: Euler, CFG scale: 5, Seed: 3, Size: 64x64, "
                                                   "Model hash: 0123456789, Model: elsewhere"}});
  ASSERT_TRUE(other && write_file_atomic(tmp / "a1111/00002-3.png", *other));
  ASSERT_EQ(provena("import " + shell_quote(tmp / "a1111/00002-3.png")), 0);
  ASSERT_EQ(provena("search --json model:elsewhere", &out), 0);
  const int64_t other_id = json::parse(out)[0]["id"];
  EXPECT_EQ(run("reproduce " + std::to_string(other_id)), 1);
  EXPECT_NE(last_stderr().find("no model with hash 0123456789"), std::string::npos) << last_stderr();
}

TEST_F(GenerateCli, BadArgumentsAndMissingModels) {
  EXPECT_EQ(provena("generate"), 2);
  EXPECT_EQ(provena("generate cat --steps 0 --model " + shell_quote(model)), 2);
  EXPECT_EQ(provena("generate cat --rng quantum --model " + shell_quote(model)), 2);
  EXPECT_EQ(provena("generate cat --size 512x512 --model " + shell_quote(model)), 2);
  EXPECT_NE(last_stderr().find("64x64"), std::string::npos);
  EXPECT_EQ(provena("generate cat --sampler 'DPM++ 2M' --model " + shell_quote(model)), 2);
  EXPECT_EQ(provena("generate cat --model " + shell_quote(tmp / "nowhere")), 1);
  EXPECT_NE(last_stderr().find("not a model folder"), std::string::npos) << last_stderr();
}

// `provena eval --json`: the four fractions and, per shape asked for, what was drawn.
TEST_F(GenerateCli, EvalReportsCriteriaAndTheShapesDrawn) {
  std::string out;
  ASSERT_EQ(provena("eval --model " + shell_quote(model) + " --prompts 3 --positionless 2 --steps 2 --json", &out), 0)
      << last_stderr();
  json r = json::parse(out);
  EXPECT_EQ(r["prompts"], 3);
  EXPECT_EQ(r["positionless"]["prompts"], 2);
  for (const char* k : {"background", "colour", "shape", "drawn_once"}) {
    EXPECT_GE(r["positionless"][k].get<double>(), 0.0) << k;
    EXPECT_LE(r["positionless"][k].get<double>(), 1.0) << k;
  }
  for (const char* k : {"background", "colour", "shape", "position"}) {
    EXPECT_GE(r[k].get<double>(), 0.0) << k;
    EXPECT_LE(r[k].get<double>(), 1.0) << k;
  }
  ASSERT_TRUE(r["shape_seen"].is_object());
  int objects = 0, right = 0;
  for (auto& [asked, row] : r["shape_seen"].items()) {
    for (auto& [seen, n] : row.items()) {
      objects += n.get<int>();
      if (seen == asked) right += n.get<int>();
    }
  }
  EXPECT_GE(objects, 3);  // one or two objects per prompt
  EXPECT_LE(objects, 6);
  EXPECT_DOUBLE_EQ(r["shape"].get<double>(), double(right) / objects);
  int by_size = 0, right_by_size = 0;
  for (auto& [size, row] : r["shape_by_size"].items()) {
    EXPECT_TRUE(size == "small" || size == "medium" || size == "large" || size == "unsized") << size;
    by_size += row["checks"].get<int>();
    right_by_size += row["right"].get<int>();
  }
  EXPECT_EQ(by_size, objects);
  EXPECT_EQ(right_by_size, right);
  ASSERT_EQ(provena("eval --model " + shell_quote(model) + " --prompts 3 --positionless 1 --steps 2", &out), 0);
  EXPECT_NE(out.find("shapes as drawn"), std::string::npos) << out;
  EXPECT_NE(out.find("no position given (1 prompts)"), std::string::npos) << out;
  EXPECT_NE(out.find("shape by size asked:"), std::string::npos) << out;
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

// Loading libtorch costs ~0.3 s before main: only provena-generate may link it, so search,
// inspect, import and stats start in milliseconds.
TEST(CliStartup, ProvenaItselfDoesNotLinkLibtorch) {
  std::string out;
  ASSERT_EQ(testing::run_command("ldd " + testing::shell_quote(PROVENA_CLI_PATH), &out), 0);
  EXPECT_NE(out.find("libsqlite3"), std::string::npos) << out;  // ldd worked
  EXPECT_EQ(out.find("libtorch"), std::string::npos) << out;
  EXPECT_EQ(out.find("libc10"), std::string::npos) << out;
}

}  // namespace
}  // namespace provena

