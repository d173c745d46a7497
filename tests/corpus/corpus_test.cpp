// Every file in ../shared/corpus against its *.expected.json (see the corpus README):
// every non-null expected field must be recovered exactly, prompts byte for byte.
// Prints a per-tool accuracy table. Skips when ../shared is absent.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/file_io.h"
#include "importers/importer.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path corpus_dir() { return fs::path(PROVENA_SHARED_DIR) / "corpus"; }

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(corpus_dir(), ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(corpus_dir(), ec)) {
    std::string p = e.path().string();
    if (e.is_regular_file() && p.size() > 14 && p.substr(p.size() - 14) != ".expected.json" &&
        fs::exists(p + ".expected.json"))
      out.push_back(fs::relative(e.path(), corpus_dir()).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

json actual_fields(const ImportedImage& img) {
  const Record& r = img.record;
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json j;
  j["tool"] = r.tool;
  j["prompt"] = opt(r.prompt);
  j["negative_prompt"] = opt(r.negative_prompt);
  j["seed"] = opt(r.seed);
  j["steps"] = opt(r.steps);
  j["cfg_scale"] = opt(r.cfg_scale);
  j["sampler"] = opt(r.sampler);
  j["model"] = opt(r.model);
  j["width"] = img.image.width ? json(img.image.width) : json(nullptr);
  j["height"] = img.image.height ? json(img.image.height) : json(nullptr);
  if (r.c2pa)
    j["c2pa"] = {{"claim_generator", r.c2pa->claim_generator},
                 {"digital_source_type", opt(r.c2pa->digital_source_type)}};
  else
    j["c2pa"] = nullptr;
  return j;
}

bool same_value(const json& expected, const json& actual) {
  if (expected.is_number() && actual.is_number()) return std::fabs(expected.get<double>() - actual.get<double>()) < 1e-9;
  return expected == actual;
}

constexpr const char* kFields[] = {"tool", "prompt", "negative_prompt", "seed", "steps", "cfg_scale",
                                   "sampler", "model", "width", "height", "c2pa"};

// Per-tool tallies for the closing table.
struct Tally {
  int files = 0, files_ok = 0, fields = 0, fields_ok = 0;
};
std::map<std::string, Tally>& tallies() {
  static std::map<std::string, Tally> t;
  return t;
}

class Corpus : public ::testing::TestWithParam<std::string> {};

TEST_P(Corpus, RecoversEveryExpectedField) {
  const fs::path file = corpus_dir() / GetParam();
  std::ifstream in(file.string() + ".expected.json");
  json expected = json::parse(in);
  Tally& tally = tallies()[expected.value("tool", "?")];
  ++tally.files;
  auto bytes = read_file(file.string());
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto img = read_image_metadata(*bytes);
  if (expected.value("expect_error", false)) {
    EXPECT_FALSE(img) << GetParam() << " should be rejected with an error";
    if (!img) ++tally.files_ok;
    return;
  }
  ASSERT_TRUE(img) << GetParam() << ": " << img.error().message;
  json actual = actual_fields(*img);
  bool all = true;
  for (const char* f : kFields) {
    if (!expected.contains(f)) continue;
    const json& want = expected[f];
    // null means "the file does not carry it": the importer must report absent too.
    ++tally.fields;
    bool ok = same_value(want, actual[f]);
    if (f == std::string("c2pa") && want.is_null()) ok = actual[f].is_null();
    if (ok) ++tally.fields_ok;
    all = all && ok;
    EXPECT_TRUE(ok) << GetParam() << " field " << f << "\n  expected: " << want.dump() << "\n  actual:   " << actual[f].dump();
  }
  if (all) ++tally.files_ok;
}

INSTANTIATE_TEST_SUITE_P(Files, Corpus, ::testing::ValuesIn(corpus_files()), [](const auto& info) {
  std::string name = info.param;
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Corpus);

// Guards the parameterized test above against silently instantiating nothing: when the
// corpus folder is there, its files must be found.
TEST(CorpusPresence, FindsTheFilesWhenTheCorpusIsThere) {
  std::error_code ec;
  if (!fs::is_directory(corpus_dir(), ec)) GTEST_SKIP() << "../shared/corpus not found: corpus tests skipped";
  EXPECT_GE(corpus_files().size(), 50u) << "corpus folder present but few files with expectations found";
}

class TablePrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    if (tallies().empty()) return;
    std::printf("\n%-18s %7s %9s %8s\n", "tool", "files", "files ok", "fields");
    Tally total;
    for (const auto& [tool, t] : tallies()) {
      std::printf("%-18s %7d %9d %4d/%-4d\n", tool.c_str(), t.files, t.files_ok, t.fields_ok, t.fields);
      total.files += t.files; total.files_ok += t.files_ok; total.fields += t.fields; total.fields_ok += t.fields_ok;
    }
    std::printf("%-18s %7d %9d %4d/%-4d\n\n", "total", total.files, total.files_ok, total.fields_ok, total.fields);
  }
};
const auto* const kPrinter = ::testing::AddGlobalTestEnvironment(new TablePrinter);

}  // namespace
}  // namespace provena
