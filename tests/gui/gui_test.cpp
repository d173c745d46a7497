// The GUI driven without a window (ImGui's null path: a context, a display size, built
// fonts, NewFrame/Render, no renderer) over a real library made by the test, and once in a
// real window under Xvfb when xvfb-run is installed.
#include <imgui.h>
#include <gtest/gtest.h>
#include <webp/encode.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "app/gui/panels.h"
#include "app/gui/query_terms.h"
#include "app/gui/template_form.h"
#include "app/library/import.h"
#include "app/library/library.h"
#include "core/file_io.h"
#include "core/own_format.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using namespace provena::gui;
namespace fs = std::filesystem;

constexpr int kFoxes = 230;  // more than a gallery page, so paging is exercised
constexpr int kCats = 20;

// A library of own-format PNGs: foxes (seeds 1000...) and cats (seeds 5000...).
class GuiLibrary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string images = *dir_ / "images";
    fs::create_directories(images);
    for (int i = 0; i < kFoxes + kCats; ++i) {
      const bool fox = i < kFoxes;
      Record r;
      r.tool = "provena";
      r.prompt = fox ? "a red fox in snow, winter, masterpiece" : "a sleepy cat on a sofa, 猫咪, masterpiece";
      r.negative_prompt = "blurry, lowres";
      r.seed = fox ? 1000 + i : 5000 + i;
      r.steps = 20;
      r.cfg_scale = 7;
      r.sampler = "Euler";
      r.model = fox ? "foxmodel" : "catmodel";
      Image img = testing::make_image(48, 32, static_cast<uint32_t>(i + 1));
      ASSERT_TRUE(write_own_png(images + "/img-" + std::to_string(i) + ".png", img, r));
    }
    auto catalog = open_library(library());
    ASSERT_TRUE(catalog) << catalog.error().message;
    auto report = import_paths(**catalog, {images});
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->stored.new_assets + 0, kFoxes + kCats);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string library() { return *dir_ / "library"; }

  void SetUp() override {
    create_headless_context(1280, 800);
    state_.library_dir = library();
  }
  void TearDown() override { ImGui::DestroyContext(); }

  // One frame; returns the text it drew when `capture` (ImGui's log: every label and value).
  // Capturing also switches off list clipping, so virtualization is checked uncaptured.
  std::string frame(Services& services, bool capture = true) {
    ImGui::NewFrame();
    std::string text;
    draw_app(state_, services, capture ? &text : nullptr);
    ImGui::Render();
    return text;
  }
  // Frames until the background work is done (the work itself runs on the worker).
  std::string settle(Services& services, bool capture = true) {
    std::string text;
    for (int i = 0; i < 50; ++i) {
      services.session.drain();
      if (services.thumbnails) services.thumbnails->drain();
      text = frame(services, capture);
      if (services.session.idle() && !state_.gallery.loading && !state_.stats.loading && !state_.detail.loading) break;
    }
    return frame(services, capture);
  }

  static testing::TempDir* dir_;
  AppState state_;
};
testing::TempDir* GuiLibrary::dir_ = nullptr;

TEST_F(GuiLibrary, OpensOnEverythingAndPagesOnDemand) {
  Session session(library());
  Services services{session, nullptr};
  std::string text = settle(services);
  EXPECT_EQ(state_.gallery.items.size(), static_cast<size_t>(kGalleryPage));  // the first page
  EXPECT_EQ(state_.total_assets, kFoxes + kCats);
  EXPECT_NE(text.find("of " + std::to_string(kFoxes + kCats)), std::string::npos) << text.substr(0, 400);
  // Only the rows in view are drawn.
  settle(services, false);
  const size_t visible = state_.gallery.visible.size();
  EXPECT_GT(visible, 0u);
  EXPECT_LT(visible, 60u);
  // Scrolling to the end asks for the next page.
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(450, 300);  // over the gallery (the filters are left of it)
  for (int i = 0; i < 40 && state_.gallery.items.size() < static_cast<size_t>(kFoxes + kCats); ++i) {
    io.MouseWheel = -50;
    frame(services, false);
    session.drain();
  }
  io.MouseWheel = 0;
  settle(services, false);
  EXPECT_EQ(state_.gallery.items.size(), static_cast<size_t>(kFoxes + kCats));
  EXPECT_TRUE(state_.gallery.next.empty());
  std::set<int64_t> ids;
  for (const auto& item : state_.gallery.items) ids.insert(item.id);
  EXPECT_EQ(ids.size(), state_.gallery.items.size()) << "pages overlap";
}

TEST_F(GuiLibrary, TypedSearchShowsItsResultsAndErrorsWhereTheyAre) {
  Session session(library());
  Services services{session, nullptr};
  settle(services);
  ASSERT_EQ(state_.gallery.items.size(), static_cast<size_t>(kGalleryPage));
  // The search bar has the keyboard from the start: type, wait out the debounce.
  ImGui::GetIO().AddInputCharactersUTF8("猫咪");
  frame(services);
  EXPECT_EQ(state_.search.text, "猫咪");
  for (int i = 0; i < 20; ++i) frame(services);
  std::string text = settle(services);
  EXPECT_EQ(state_.search.shown, "猫咪");
  ASSERT_EQ(state_.gallery.items.size(), static_cast<size_t>(kCats));
  for (const auto& item : state_.gallery.items) EXPECT_GE(*item.seed, 5000);
  EXPECT_NE(text.find("a sleepy cat on a sofa"), std::string::npos);
  EXPECT_EQ(text.find("a red fox"), std::string::npos);

  // A broken field: the message, and the caret at its column.
  state_.search.text = "fox steps:>=lots";
  session.search(state_, state_.search.text);
  text = settle(services);
  EXPECT_TRUE(state_.gallery.items.empty());
  EXPECT_NE(state_.search.error.find("column"), std::string::npos) << state_.search.error;
  EXPECT_GT(state_.search.error_column, 4);
  EXPECT_NE(text.find(state_.search.error), std::string::npos);
}

TEST_F(GuiLibrary, DetailOfARecordShowsItsFields) {
  Session session(library());
  Services services{session, nullptr};
  state_.search.text = "seed:1007";
  session.search(state_, state_.search.text);
  settle(services);
  ASSERT_EQ(state_.gallery.items.size(), 1u);
  session.show_detail(state_, state_.gallery.items[0].id);
  std::string text = settle(services);
  ASSERT_TRUE(state_.detail.entry);
  EXPECT_NE(text.find("1007"), std::string::npos);
  EXPECT_NE(text.find("a red fox in snow"), std::string::npos);
  EXPECT_NE(text.find("foxmodel"), std::string::npos);
  EXPECT_NE(text.find("Show in folder"), std::string::npos);
  // Raw metadata: the JSON record indented for reading, the infotext as written.
  const auto& raw = state_.detail.entry->record.raw;
  ASSERT_EQ(state_.detail.raw_pretty.size(), raw.size());
  bool indented_json = false, infotext_kept = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i].key == "provena") indented_json = state_.detail.raw_pretty[i].find("\n  \"") != std::string::npos;
    if (raw[i].key == "parameters") infotext_kept = state_.detail.raw_pretty[i].empty();
  }
  EXPECT_TRUE(indented_json);
  EXPECT_TRUE(infotext_kept);
  session.show_detail(state_, 999999);
  text = settle(services);
  EXPECT_NE(text.find("no asset 999999"), std::string::npos);
}

TEST_F(GuiLibrary, StatisticsListTheTopKeywordsOfTheCurrentSearch) {
  Session session(library());
  Services services{session, nullptr};
  state_.tab_request = Tab::kStatistics;
  std::string text = settle(services);
  EXPECT_EQ(state_.tab, Tab::kStatistics);
  ASSERT_FALSE(state_.stats.positive.empty());
  EXPECT_EQ(state_.stats.positive[0].keyword, "masterpiece");  // in every prompt
  EXPECT_EQ(state_.stats.positive[0].records, kFoxes + kCats);
  EXPECT_NE(text.find("masterpiece"), std::string::npos);
  EXPECT_NE(text.find("lowres"), std::string::npos);  // negative side
  EXPECT_NE(text.find("foxmodel"), std::string::npos);
  // The trend of two keywords and what the first is used with.
  state_.stats.trend_keywords = "winter, 猫咪";
  text = settle(services);
  ASSERT_EQ(state_.stats.trends.size(), 2u);
  EXPECT_EQ(state_.stats.trends[0].first, "winter");
  ASSERT_FALSE(state_.stats.trends[0].second.empty());
  int64_t winter = 0, cats = 0;
  for (const auto& p : state_.stats.trends[0].second) winter += p.records;
  for (const auto& p : state_.stats.trends[1].second) cats += p.records;
  EXPECT_EQ(winter, kFoxes);
  EXPECT_EQ(cats, kCats);
  EXPECT_NE(text.find("used with \"winter\""), std::string::npos);
  EXPECT_NE(text.find("a red fox in snow"), std::string::npos);  // winter's partner in every fox prompt
  // The charts follow the search.
  state_.search.text = "cat";
  session.search(state_, "cat");
  text = settle(services);
  EXPECT_EQ(state_.stats.query, "cat");
  EXPECT_EQ(state_.stats.positive[0].records, kCats);
  EXPECT_EQ(text.find("foxmodel"), std::string::npos);
}

// A tiny model trained for two steps, exported to DIR/models/tiny-test (its path is
// returned; "" when the generator is not built). It stands in for the embedded one: what
// the tests check does not depend on how good it is.
std::string make_standin_model(const testing::TempDir& tmp) {
  const fs::path bin = fs::path(PROVENA_CLI_PATH).parent_path();
  if (!fs::exists(bin / "provena-generate") || !fs::exists(bin / "provena-train")) return "";
  const std::string model = tmp / "models/tiny-test";
  auto sh = [](const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); };
  EXPECT_EQ(sh((bin / "provena-train").string() + " --dir '" + tmp / "ckpt" + "' --steps 2 --batch 2 --threads 1"), 0);
  EXPECT_EQ(sh((bin / "provena-train").string() + " --dir '" + tmp / "ckpt" + "' --export '" + model + "'"), 0);
  return model;
}

// Reproduce from the detail panel: provena-generate runs as a child process while frames go
// on, and the verdict lands in the panel. A tiny model trained for two steps stands in for
// the embedded one (the verdict does not depend on how good it is).
TEST_F(GuiLibrary, ReproduceJobCompletesAndShowsItsVerdict) {
  testing::TempDir tmp;
  const std::string model = make_standin_model(tmp), lib = tmp / "lib";
  if (model.empty()) GTEST_SKIP() << "built without the generator";
  const fs::path bin = fs::path(PROVENA_CLI_PATH).parent_path();
  auto sh = [](const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); };
  ASSERT_EQ(sh(std::string(PROVENA_CLI_PATH) + " --library '" + lib + "' generate 'a red circle' --seed 3 --steps 2 --model '" +
               model + "' --out '" + tmp / "out" + "'"),
            0);
  ::setenv("PROVENA_MODELS", (tmp / "models").c_str(), 1);
  Session session(lib);
  session.set_generator_path((bin / "provena-generate").string());
  Services services{session, nullptr};
  state_.library_dir = lib;
  settle(services);
  ASSERT_EQ(state_.gallery.items.size(), 1u);
  const int64_t id = state_.gallery.items[0].id;
  session.show_detail(state_, id);
  std::string text = settle(services);
  EXPECT_NE(text.find("Reproduce"), std::string::npos);
  session.reproduce(state_, id);
  text = frame(services);
  EXPECT_TRUE(state_.reproduce.running);
  EXPECT_NE(text.find("Reproducing"), std::string::npos);
  session.drain();
  text = settle(services);
  ::unsetenv("PROVENA_MODELS");
  EXPECT_FALSE(state_.reproduce.running);
  EXPECT_EQ(state_.reproduce.error, "");
  EXPECT_EQ(state_.reproduce.verdict, "identical");
  EXPECT_DOUBLE_EQ(session.job_progress(), 1.0);  // progress came per step
  EXPECT_GT(state_.reproduce.reproduction, id);
  EXPECT_TRUE(fs::exists(state_.reproduce.heatmap));
  EXPECT_NE(text.find("identical"), std::string::npos);
  EXPECT_NE(text.find("pixel hashes equal"), std::string::npos);

  // Generate from the panel's form: progress comes per step, the images land in the
  // gallery and the first one is shown. The model is the stand-in, via PROVENA_MODEL_DIR.
  ::setenv("PROVENA_MODEL_DIR", model.c_str(), 1);
  state_.generate.prompt = "a small blue star at top right";
  state_.generate.count = 2;
  state_.generate.steps = 3;
  state_.generate.seed = 77;
  state_.generate.noise = "philox";
  state_.tab_request = Tab::kGenerate;
  frame(services);
  session.generate(state_);
  text = frame(services);
  EXPECT_TRUE(state_.generate.running);
  EXPECT_NE(text.find("generating"), std::string::npos);
  session.drain();
  text = settle(services);
  ::unsetenv("PROVENA_MODEL_DIR");
  EXPECT_FALSE(state_.generate.running);
  EXPECT_EQ(state_.generate.error, "");
  ASSERT_EQ(state_.generate.made.size(), 2u);
  EXPECT_DOUBLE_EQ(session.job_progress(), 1.0);
  EXPECT_NE(text.find("Made 2 images"), std::string::npos);
  EXPECT_EQ(state_.gallery.items.size(), 4u);  // the original, its reproduction, two new ones
  ASSERT_TRUE(state_.detail.entry);
  EXPECT_EQ(state_.detail.entry->record.seed, 77);
  EXPECT_EQ(state_.detail.entry->record.prompt, "a small blue star at top right");
  EXPECT_EQ(state_.detail.entry->record.noise_source, "philox");
  // The model picker found the model folder (here the stand-in, as the embedded model).
  ASSERT_EQ(state_.generate.models.size(), 1u);
  EXPECT_TRUE(state_.generate.models[0].embedded);
  EXPECT_EQ(state_.generate.models[0].path, fs::canonical(model).string());
  EXPECT_EQ(state_.generate.models[0].family, "tiny-flow");
  ASSERT_TRUE(state_.detail.entry->record.model_sha256);
  EXPECT_EQ(state_.generate.models[0].hash, state_.detail.entry->record.model_sha256->substr(0, 10));
  state_.generate.noise = "cpu";

  // From a template saved in the Templates editor: one expansion per image, the slot typed
  // in the Generate tab fixed, the others picked; each record names the template.
  auto& t = state_.templates;
  t.name = "shapes";
  t.prompt = "a {size} {colour} circle at center";
  t.slots_text = "size = small | large\ncolour = red | blue";
  t.dirty = true;
  session.save_template(state_);
  session.drain();
  settle(services);
  ASSERT_EQ(t.error, "");
  state_.generate.template_name = "shapes";
  state_.generate.slot_values = {{"colour", "green"}, {"size", ""}};
  state_.generate.count = 2;
  state_.tab_request = Tab::kGenerate;
  text = frame(services);
  EXPECT_NE(text.find("{colour}"), std::string::npos);  // one field per slot
  ::setenv("PROVENA_MODEL_DIR", model.c_str(), 1);
  session.generate(state_);
  session.drain();
  text = settle(services);
  ::unsetenv("PROVENA_MODEL_DIR");
  EXPECT_EQ(state_.generate.error, "");
  ASSERT_EQ(state_.generate.made.size(), 2u);
  ASSERT_TRUE(state_.detail.entry);
  const Record& made = state_.detail.entry->record;
  ASSERT_TRUE(made.template_use);
  EXPECT_EQ(made.template_use->id, "shapes");
  EXPECT_EQ(made.template_use->slots.at("colour"), "green");
  EXPECT_NE(made.prompt->find(" green circle at center"), std::string::npos) << *made.prompt;
  state_.generate.template_name.clear();
  state_.tab_request = Tab::kLibrary;
  frame(services);

  // Without the model, the panel says what is missing.
  session.show_detail(state_, id);
  session.reproduce(state_, id);
  session.drain();
  text = settle(services);
  EXPECT_TRUE(state_.reproduce.verdict.empty());
  EXPECT_NE(state_.reproduce.error.find("no model with sha256"), std::string::npos) << state_.reproduce.error;
  EXPECT_NE(text.find("cannot reproduce"), std::string::npos);
}

// A Stable Diffusion checkpoint in the model folders: "Scan models" registers it, the
// picker offers it, the form then offers SD 1.x's sampler, schedule, size and CLIP skip,
// and the images are made with them (the tiny single-file fixture stands in for SD 1.5).
TEST_F(GuiLibrary, GeneratesWithAScannedStableDiffusionCheckpoint) {
  const std::string fixture = std::string(PROVENA_SHARED_DIR) + "/fixtures/generator/tiny_sdlayout_ldm.safetensors";
  const fs::path bin = fs::path(PROVENA_CLI_PATH).parent_path();
  if (!fs::exists(fixture)) GTEST_SKIP() << "no generator fixtures";
  if (!fs::exists(bin / "provena-generate")) GTEST_SKIP() << "built without the generator";
  testing::TempDir tmp;
  const std::string lib = tmp / "lib", models = tmp / "models";
  fs::create_directories(models);
  fs::create_symlink(fixture, models + "/tiny.safetensors");
  ASSERT_TRUE(write_file_atomic(models + "/tiny.json", R"({"unet": {"attention_head_dim": 8, "norm_num_groups": 8},
    "vae": {"norm_num_groups": 8}, "text_encoder": {"num_attention_heads": 4}})"));
  ::setenv("PROVENA_MODELS", models.c_str(), 1);
  ::setenv("PROVENA_CLIP_TOKENIZER", testing::tiny_clip_tokenizer(tmp).c_str(), 1);
  Session session(lib);
  session.set_generator_path((bin / "provena-generate").string());
  Services services{session, nullptr};
  state_.library_dir = lib;
  state_.tab_request = Tab::kGenerate;
  std::string text = settle(services);
  EXPECT_NE(text.find("fixed by the tiny-flow family"), std::string::npos);
  for (const auto& m : state_.generate.models) EXPECT_NE(m.family, "sd1");  // not registered yet

  session.scan_models(state_);
  session.drain();
  text = settle(services);
  // The checkpoint and the embedded tiny-flow folder (a model folder too).
  EXPECT_NE(state_.generate.models_note.find(" models found, "), std::string::npos) << state_.generate.models_note;
  EXPECT_EQ(state_.generate.models_note.find(";"), std::string::npos) << state_.generate.models_note;  // no errors
  const ModelChoice* sd = nullptr;
  for (const auto& m : state_.generate.models)
    if (m.family == "sd1") sd = &m;
  ASSERT_NE(sd, nullptr);
  EXPECT_EQ(sd->name, "tiny");
  EXPECT_EQ(sd->hash.size(), 10u);

  // Picked (as the Model combo does), the form is SD 1.x's.
  state_.generate.model_dir = sd->path;
  state_.generate.model_family = "sd1";
  state_.generate.sampler = "Euler a";
  state_.generate.schedule = "karras";
  state_.generate.width = state_.generate.height = 64;
  state_.generate.clip_skip = 2;
  state_.generate.steps = 2;
  state_.generate.count = 1;
  state_.generate.seed = 9;
  state_.generate.prompt = "red";
  text = frame(services);
  EXPECT_EQ(text.find("fixed by the tiny-flow family"), std::string::npos);
  EXPECT_NE(text.find("CLIP skip"), std::string::npos);
  EXPECT_NE(text.find("Euler a"), std::string::npos);
  session.generate(state_);
  session.drain();
  text = settle(services);
  ::unsetenv("PROVENA_MODELS");
  ::unsetenv("PROVENA_CLIP_TOKENIZER");
  EXPECT_EQ(state_.generate.error, "");
  ASSERT_EQ(state_.generate.made.size(), 1u);
  ASSERT_TRUE(state_.detail.entry);
  const Record& r = state_.detail.entry->record;
  EXPECT_EQ(r.model, "tiny");
  EXPECT_EQ(r.model_family, "sd1");
  EXPECT_EQ(r.sampler, "Euler a");
  EXPECT_EQ(r.scheduler, "karras");
  EXPECT_EQ(r.requested_width, 64);
  bool clip_skip = false;
  for (const auto& [k, v] : r.extra) clip_skip |= k == "Clip skip" && v == "2";
  EXPECT_TRUE(clip_skip);
}

// The filter sidebar reads its choices from the library and follows the search text; a
// choice is a term in that text (with_field_term, tested below).
TEST_F(GuiLibrary, FilterSidebarOffersTheLibrarysValuesAndFollowsTheSearch) {
  Session session(library());
  Services services{session, nullptr};
  settle(services);
  ASSERT_EQ(state_.filters.models.size(), 2u);
  EXPECT_EQ(state_.filters.models[0], (UsageRow{"foxmodel", kFoxes}));
  ASSERT_EQ(state_.filters.sizes.size(), 1u);
  EXPECT_EQ(state_.filters.sizes[0].value, "48x32");
  ASSERT_FALSE(state_.filters.samplers.empty());
  EXPECT_EQ(state_.filters.samplers[0].value, "Euler");

  state_.search.text = with_field_term("sofa", "model", "catmodel");
  state_.search.text = with_field_term(state_.search.text, "date", date_range_value("2020-01", ""));
  session.search(state_, state_.search.text);
  std::string text = settle(services);
  EXPECT_EQ(state_.search.text, "sofa model:catmodel date:2020-01..");
  EXPECT_EQ(state_.gallery.items.size(), static_cast<size_t>(kCats));
  EXPECT_TRUE(state_.search.error.empty()) << state_.search.error;
  EXPECT_NE(text.find("catmodel"), std::string::npos);  // the combo shows the term's value
  EXPECT_EQ(state_.filters.date_from, "2020-01");
  EXPECT_EQ(state_.filters.date_to, "");

  // The order is a sort: term too; the sidebar names it.
  state_.search.text = with_field_term(state_.search.text, "sort", "seed");
  session.search(state_, state_.search.text);
  text = settle(services);
  ASSERT_EQ(state_.gallery.items.size(), static_cast<size_t>(kCats));
  for (size_t i = 1; i < state_.gallery.items.size(); ++i)
    EXPECT_LT(*state_.gallery.items[i - 1].seed, *state_.gallery.items[i].seed);
  state_.search.text = with_field_term(state_.search.text, "sort", "date");
  session.search(state_, state_.search.text);
  text = settle(services);
  EXPECT_NE(text.find("newest made"), std::string::npos);
}

TEST(QueryTerms, ReplaceOneFieldsTermAndLeaveTheRest) {
  EXPECT_EQ(with_field_term("fox MODEL:a steps:20", "model", "b"), "fox steps:20 model:b");
  EXPECT_EQ(with_field_term("fox model:a model:c", "model", ""), "fox");
  EXPECT_EQ(with_field_term("", "model", "Dream Shaper (v8)"), "model:\"Dream Shaper (v8)\"");
  EXPECT_EQ(with_field_term("\"model:a b\" x", "model", "c"), "\"model:a b\" x model:c");  // a phrase is no term
  EXPECT_EQ(with_field_term("modelx:1", "model", "q"), "modelx:1 model:q");
  EXPECT_EQ(field_term("fox model:\"dream shaper\" tool:comfyui", "model"), "dream shaper");
  EXPECT_EQ(field_term("fox", "tool"), "");
  EXPECT_EQ(date_range_value("2026-01", "2026-03-15"), "2026-01..2026-03-15");
  EXPECT_EQ(date_range_value("", "2026"), "..2026");
  EXPECT_EQ(date_range_value("2026", "2026"), "2026");
  EXPECT_EQ(date_range_value("", ""), "");
}

TEST(TemplateForm, SlotAndParameterLinesRoundTripAndNameTheirErrors) {
  SlotValues slots{{"subject", {"cat", "red fox", "a|b"}}, {"light", {"dusk"}}};
  const std::string text = slots_to_text(slots);
  EXPECT_EQ(text, "light = dusk\nsubject = cat | red fox | a\\|b\n");
  auto back = slots_from_text("# comment\n\n" + text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, slots);
  auto bad = slots_from_text("subject = a\n= b\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(slots_from_text("a = x\na = y"));
  TemplateParams params{{"steps", "20"}, {"sampler", "Euler a"}};
  auto p = params_from_text(params_to_text(params));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, params);
}

// The Import tab on a new library: a folder is added and imported on the writer worker
// while frames go on, the report lists each failure with its reason, the folder is listed,
// and "Rescan all" brings in only what is new.
TEST(GuiImport, AddsAFolderReportsFailuresAndRescans) {
  testing::TempDir tmp;
  const std::string images = tmp / "images", lib = tmp / "lib";
  fs::create_directories(images);
  for (int i = 0; i < 3; ++i) {
    Record r;
    r.prompt = std::string(i == 0 ? "a red fox" : i == 1 ? "a grey owl" : "a white hare") + ", in snow, winter";
    r.seed = i;
    ASSERT_TRUE(write_own_png(images + "/a" + std::to_string(i) + ".png", testing::make_image(8, 8, i + 1), r));
  }
  ASSERT_TRUE(write_file_atomic(images + "/broken.png", "not a png at all"));
  {  // a damaged text chunk: the file is stored without it (its provena chunk holds the record)
    std::string bytes = *read_file(images + "/a2.png");
    bytes[bytes.find("tEXt") + 5] ^= 0x20;
    ASSERT_TRUE(write_file_atomic(images + "/scratched.png", bytes));
  }
  create_headless_context(1280, 800);
  AppState state;
  state.library_dir = lib;
  {
    Session session(lib);
    Services services{session, nullptr};
    auto settle = [&] {
      std::string text;
      for (int i = 0; i < 20; ++i) {
        session.drain();
        ImGui::NewFrame();
        text.clear();
        draw_app(state, services, &text);
        ImGui::Render();
        // At least two frames: a tab requested in one frame shows in the next.
        if (i > 0 && session.idle() && !state.import.running && !state.gallery.loading) break;
      }
      return text;
    };
    state.tab_request = Tab::kLibrary;
    std::string text = settle();
    EXPECT_NE(text.find("This library is empty"), std::string::npos) << text.substr(0, 600);
    EXPECT_EQ(state.status, "");  // no library yet is no error
    state.tab_request = Tab::kImport;
    text = settle();
    EXPECT_NE(text.find("No folders yet"), std::string::npos) << text.substr(0, 800);
    state.import.folder = images;
    session.import(state, {images});
    text = settle();
    text = settle();
    ASSERT_TRUE(state.import.report) << state.import.error;
    EXPECT_EQ(state.import.report->stored.new_assets, 4);
    EXPECT_NE(text.find("5 files scanned"), std::string::npos) << text.substr(0, 600);
    EXPECT_NE(text.find("broken.png"), std::string::npos);
    EXPECT_NE(text.find("unsupported (1)"), std::string::npos);
    EXPECT_NE(text.find("1 stored without damaged metadata"), std::string::npos) << text.substr(0, 800);
    EXPECT_NE(text.find("damaged metadata (1)"), std::string::npos);
    EXPECT_NE(text.find("scratched.png"), std::string::npos);
    ASSERT_EQ(state.import.folders.size(), 1u);
    EXPECT_EQ(state.import.folders[0].files, 5);
    EXPECT_EQ(state.gallery.items.size(), 4u);  // the gallery refreshed itself

    Record r;
    r.prompt = "a black cat, in snow, winter";
    ASSERT_TRUE(write_own_png(images + "/new.png", testing::make_image(8, 8, 9), r));
    session.rescan(state);
    EXPECT_TRUE(state.import.running);
    text = settle();
    text = settle();
    ASSERT_TRUE(state.import.report);
    EXPECT_EQ(state.import.report->stored.new_assets, 1);
    EXPECT_EQ(state.import.report->unchanged, 4);
    EXPECT_EQ(state.gallery.items.size(), 5u);

    // Templates: suggested from these prompts, edited, saved through the writer, previewed.
    state.tab_request = Tab::kTemplates;
    settle();
    session.suggest_templates(state);
    settle();
    ASSERT_FALSE(state.templates.suggestions.empty());
    EXPECT_NE(state.templates.suggestions[0].prompt.find("{subject}"), std::string::npos);
    auto& t = state.templates;
    t.name = "animal";
    t.prompt = "a {subject} in {snow|rain}, __style__";
    t.slots_text = "subject = fox | owl | hare";
    t.dirty = true;
    session.save_template(state);
    text = settle();
    text = settle();
    EXPECT_EQ(t.error, "");
    EXPECT_EQ(t.message, "added animal");
    ASSERT_EQ(t.list.size(), 1u);
    EXPECT_NE(text.find("animal  v1"), std::string::npos);
    EXPECT_NE(text.find("unknown wildcard __style__"), std::string::npos) << text.substr(0, 2000);
    t.prompt = "a {subject} in {snow|rain}";
    t.dirty = true;
    session.save_template(state);
    text = settle();
    text = settle();
    EXPECT_EQ(t.message, "saved animal as version 2");
    EXPECT_NE(text.find("6 different prompts"), std::string::npos) << text.substr(0, 2000);
    EXPECT_NE(text.find("Generate from template"), std::string::npos);
    // A template without a name is refused by the store, and the editor says so.
    t.name = "";
    t.dirty = true;
    session.save_template(state);
    text = settle();
    text = settle();
    EXPECT_EQ(t.error, "a template needs a name");
    EXPECT_NE(text.find("a template needs a name"), std::string::npos);
    EXPECT_EQ(t.list.size(), 1u);
  }
  ImGui::DestroyContext();
}

TEST(Thumbnails, ScaledOnAWorkerAndCachedOnDisk) {
  testing::TempDir dir;
  const std::string png = dir / "a.png";
  Image big = testing::make_image(400, 200, 7);
  ASSERT_TRUE(write_file_atomic(png, *encode_png(big, {})));
  ASSERT_TRUE(write_file_atomic(dir / "b.jpg", std::string("\xFF\xD8\xFF\xE0 not really", 15)));
  {
    ThumbnailCache cache(dir / "thumbs");
    EXPECT_EQ(cache.get("abcd", png).state, Thumbnail::State::kQueued);
    cache.get("ef01", dir / "b.jpg");
    cache.drain();
    const Thumbnail& t = cache.get("abcd", png);
    ASSERT_EQ(t.state, Thumbnail::State::kReady) << t.error;
    EXPECT_EQ(t.rgba.width, kThumbSide);
    EXPECT_EQ(t.rgba.height, kThumbSide / 2);
    const Thumbnail& j = cache.get("ef01", dir / "b.jpg");
    EXPECT_EQ(j.state, Thumbnail::State::kFailed);
    EXPECT_NE(j.error.find("b.jpg: JPEG: "), std::string::npos) << j.error;
    // WebP (and JPEG) pictures get thumbnails too.
    uint8_t* webp = nullptr;
    const size_t n = WebPEncodeLosslessRGB(big.pixels.data(), big.width, big.height, big.width * 3, &webp);
    ASSERT_GT(n, 0u);
    ASSERT_TRUE(write_file_atomic(dir / "c.webp", std::string(reinterpret_cast<char*>(webp), n)));
    WebPFree(webp);
    cache.get("c0de", dir / "c.webp");
    cache.drain();
    const Thumbnail& w = cache.get("c0de", dir / "c.webp");
    ASSERT_EQ(w.state, Thumbnail::State::kReady) << w.error;
    EXPECT_EQ(w.rgba.pixels, t.rgba.pixels);  // the same picture, the same thumbnail
  }
  EXPECT_TRUE(fs::exists(dir / "thumbs/ab/abcd.png"));
  // Another run finds it on disk, even with the original gone.
  fs::remove(png);
  ThumbnailCache again(dir / "thumbs");
  again.get("abcd", png);
  again.drain();
  EXPECT_EQ(again.get("abcd", png).state, Thumbnail::State::kReady);
}

TEST(Thumbnails, BoxFilterAveragesBlocks) {
  Image src;
  src.width = 4;
  src.height = 2;
  src.channels = 3;
  for (int i = 0; i < 8; ++i) src.pixels.insert(src.pixels.end(), {uint8_t(i * 10), 0, 200});
  Image out = scale_to_fit(src, 2);
  ASSERT_EQ(out.width, 2);
  ASSERT_EQ(out.height, 1);
  // Left block: pixels 0, 1, 4, 5 -> (0 + 10 + 40 + 50) / 4 = 25; right: 2, 3, 6, 7 -> 45.
  EXPECT_EQ(out.pixels[0], 25);
  EXPECT_EQ(out.pixels[4], 45);
  EXPECT_EQ(out.pixels[2], 200);
  EXPECT_EQ(out.pixels[3], 255);
}

#ifdef PROVENA_GUI_PATH
// The real window: provena-gui under Xvfb renders the library and saves a screenshot.
TEST_F(GuiLibrary, RealWindowUnderXvfb) {
  if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) GTEST_SKIP() << "xvfb-run is not installed";
  const std::string shot = *dir_ / "shot.png";
  const std::string cmd = "xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(PROVENA_GUI_PATH) + " --library '" +
                          library() + "' --select 1 --screenshot '" + shot + "' > '" + shot + ".log' 2>&1";
  const int rc = std::system(cmd.c_str());
  auto log = read_file(shot + ".log");
  ASSERT_EQ(rc, 0) << (log ? *log : std::string());
  auto bytes = read_file(shot);
  ASSERT_TRUE(bytes);
  auto img = decode_png(*bytes);
  ASSERT_TRUE(img);
  EXPECT_EQ(img->width, 1400);
  // Not blank: many distinct colours (text, thumbnails, widgets).
  std::set<uint32_t> colours;
  for (size_t i = 0; i + 3 < img->pixels.size(); i += 4)
    colours.insert(uint32_t(img->pixels[i]) << 16 | uint32_t(img->pixels[i + 1]) << 8 | img->pixels[i + 2]);
  EXPECT_GT(colours.size(), 200u);

  // `provena gui` is the same program, reached through the CLI; here on the statistics tab.
  const std::string stats = *dir_ / "stats.png";
  const std::string cli = "xvfb-run -a -s '-screen 0 1000x700x24' " + std::string(PROVENA_CLI_PATH) + " --library '" +
                          library() + "' gui --tab statistics --size 1000x700 --screenshot '" + stats + "' 2>&1";
  ASSERT_EQ(std::system(cli.c_str()), 0);
  auto stats_png = read_file(stats);
  ASSERT_TRUE(stats_png);
  auto stats_img = decode_png(*stats_png);
  ASSERT_TRUE(stats_img);
  EXPECT_EQ(stats_img->width, 1000);
  // The bar colours of the charts are there (the keyword bars' blue: 90, 170, 255).
  size_t blue = 0;
  for (size_t i = 0; i + 3 < stats_img->pixels.size(); i += 4)
    blue += stats_img->pixels[i] == 90 && stats_img->pixels[i + 1] == 170 && stats_img->pixels[i + 2] == 255;
  EXPECT_GT(blue, 500u);
}
#endif

}  // namespace
}  // namespace provena
