#include "importers/c2pa.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/file_io.h"

namespace provena {
namespace {

using namespace std::string_literals;

// ---- Byte helpers -----------------------------------------------------------------------

std::string be32(uint32_t v) {
  std::string out;
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

std::string be64(uint64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

uint32_t read_be(const std::string& s, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

uint32_t read_le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// ---- Test-only container walkers (the real ones live in importers/jpeg.cpp, webp.cpp) --

// PNG: the data of the `caBX` chunk.
std::optional<std::string> png_cabx(const std::string& f) {
  if (f.size() < 8 || f.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return std::nullopt;
  for (size_t pos = 8; pos + 12 <= f.size();) {
    const uint32_t len = read_be(f, pos, 4);
    if (len > f.size() - pos - 12) return std::nullopt;
    if (f.compare(pos + 4, 4, "caBX") == 0) return f.substr(pos + 8, len);
    pos += 12 + size_t(len);
  }
  return std::nullopt;
}

// JPEG: APP11 segments "JP" En(2) Z(4) box data. The first C2PA segment carries the start
// of the superbox; continuations (same En) repeat LBox+TBox, which are skipped.
std::optional<std::string> jpeg_app11(const std::string& f) {
  if (f.size() < 4 || static_cast<unsigned char>(f[0]) != 0xFF || static_cast<unsigned char>(f[1]) != 0xD8) {
    return std::nullopt;
  }
  std::string out;
  std::optional<uint32_t> instance;
  for (size_t pos = 2; pos + 4 <= f.size();) {
    if (static_cast<unsigned char>(f[pos]) != 0xFF) break;
    const auto marker = static_cast<unsigned char>(f[pos + 1]);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // image data or end: no more APPn
    const uint32_t len = read_be(f, pos + 2, 2);
    if (len < 2 || pos + 2 + len > f.size()) break;
    const std::string payload = f.substr(pos + 4, len - 2);
    if (marker == 0xEB && payload.size() >= 16 && payload.compare(0, 2, "JP") == 0) {
      const uint32_t en = read_be(payload, 2, 2);
      if (!instance) {
        if (payload.size() >= 28 && payload.compare(24, 4, "c2pa") == 0) {
          instance = en;
          out += payload.substr(8);
        }
      } else if (en == *instance) {
        out += payload.substr(16);
      }
    }
    pos += 2 + len;
  }
  if (!instance) return std::nullopt;
  return out;
}

// WebP: the RIFF chunk `C2PA`.
std::optional<std::string> webp_c2pa(const std::string& f) {
  if (f.size() < 12 || f.compare(0, 4, "RIFF") != 0 || f.compare(8, 4, "WEBP") != 0) return std::nullopt;
  for (size_t pos = 12; pos + 8 <= f.size();) {
    const uint32_t len = read_le32(f, pos + 4);
    if (len > f.size() - pos - 8) return std::nullopt;
    if (f.compare(pos, 4, "C2PA") == 0) return f.substr(pos + 8, len);
    pos += 8 + size_t(len) + (len & 1);
  }
  return std::nullopt;
}

std::optional<std::string> extract_jumbf(const std::string& file) {
  if (auto j = png_cabx(file)) return j;
  if (auto j = jpeg_app11(file)) return j;
  return webp_c2pa(file);
}

// ---- JUMBF and CBOR builders --------------------------------------------------------------

std::string box(const std::string& type, const std::string& payload) {
  return be32(static_cast<uint32_t>(8 + payload.size())) + type + payload;
}

std::string c2pa_uuid(const std::string& tag) {
  return tag + std::string("\x00\x11\x00\x10\x80\x00\x00\xAA\x00\x38\x9B\x71", 12);
}

std::string jumd(const std::string& tag, const std::string& label) {
  return box("jumd", c2pa_uuid(tag) + '\x03' + label + '\0');
}

std::string superbox(const std::string& tag, const std::string& label, const std::string& contents) {
  return box("jumb", jumd(tag, label) + contents);
}

std::string cbor_head(int major, uint64_t arg) {
  std::string out;
  const auto m = static_cast<char>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<char>(m | arg));
  } else if (arg <= 0xFF) {
    out.push_back(static_cast<char>(m | 24));
    out.push_back(static_cast<char>(arg));
  } else if (arg <= 0xFFFF) {
    out.push_back(static_cast<char>(m | 25));
    out += be32(static_cast<uint32_t>(arg)).substr(2);
  } else if (arg <= 0xFFFFFFFFu) {
    out.push_back(static_cast<char>(m | 26));
    out += be32(static_cast<uint32_t>(arg));
  } else {
    out.push_back(static_cast<char>(m | 27));
    out += be64(arg);
  }
  return out;
}

std::string ctext(const std::string& s) { return cbor_head(3, s.size()) + s; }

// A map with text keys; values are already encoded.
std::string cmap(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = cbor_head(5, entries.size());
  for (const auto& [k, v] : entries) out += ctext(k) + v;
  return out;
}

std::string carray(const std::vector<std::string>& items) {
  std::string out = cbor_head(4, items.size());
  for (const auto& i : items) out += i;
  return out;
}

struct TestAction {
  std::string name;
  std::string source_type;  // empty: none
};

std::string actions_cbor(const std::vector<TestAction>& actions) {
  std::vector<std::string> items;
  for (const auto& a : actions) {
    std::vector<std::pair<std::string, std::string>> m{{"action", ctext(a.name)}};
    if (!a.source_type.empty()) m.emplace_back("digitalSourceType", ctext(a.source_type));
    items.push_back(cmap(m));
  }
  return cmap({{"actions", carray(items)}});
}

std::string claim_v1(const std::string& generator) {
  return cmap({{"dc:format", ctext("image/jpeg")}, {"claim_generator", ctext(generator)}});
}

std::string claim_v2(const std::string& generator_name) {
  return cmap({{"instanceID", ctext("x")}, {"claim_generator_info", cmap({{"name", ctext(generator_name)}})}});
}

// A manifest: assertion store (label -> CBOR), then the claim.
std::string manifest(const std::string& claim_cbor,
                     const std::vector<std::pair<std::string, std::string>>& assertions,
                     const std::string& claim_label = "c2pa.claim") {
  std::string store;
  for (const auto& [label, cbor] : assertions) store += superbox("cbor", label, box("cbor", cbor));
  return superbox("c2ma", "urn:c2pa:test", superbox("c2as", "c2pa.assertions", store) +
                                                superbox("c2cl", claim_label, box("cbor", claim_cbor)));
}

std::string manifest_store(const std::vector<std::string>& manifests) {
  std::string all;
  for (const auto& m : manifests) all += m;
  return superbox("c2pa", "c2pa", all);
}

const std::string kAi = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
const std::string kComposite = "http://cv.iptc.org/newscodes/digitalsourcetype/composite";

// A store with one manifest whose claim is `claim_cbor`.
std::string store_with_claim(const std::string& claim_cbor) {
  return manifest_store({manifest(claim_cbor, {{"c2pa.actions", actions_cbor({{"c2pa.created", kAi}})}})});
}

// ---- Corpus -------------------------------------------------------------------------------

std::string corpus_dir() { return std::string(PROVENA_SHARED_DIR) + "/corpus/c2pa"; }

TEST(C2paCorpus, EveryFileGivesTheExpectedClaim) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(corpus_dir())) GTEST_SKIP() << "no corpus at " << corpus_dir();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    const std::string path = entry.path().string();
    if (entry.path().extension() == ".json") continue;
    SCOPED_TRACE(path);
    auto file = read_file(path);
    ASSERT_TRUE(file) << file.error().message;
    auto golden_text = read_file(path + ".expected.json");
    ASSERT_TRUE(golden_text) << golden_text.error().message;
    const auto golden = nlohmann::json::parse(*golden_text);
    ASSERT_TRUE(golden.at("c2pa").is_object());

    auto jumbf = extract_jumbf(*file);
    ASSERT_TRUE(jumbf) << "no C2PA container data found";
    auto claim = read_c2pa_manifest_store(*jumbf);
    ASSERT_TRUE(claim) << claim.error().message;
    EXPECT_EQ(claim->claim_generator, golden.at("c2pa").at("claim_generator").get<std::string>());
    const auto& dst = golden.at("c2pa").at("digital_source_type");
    if (dst.is_null()) {
      EXPECT_FALSE(claim->digital_source_type.has_value()) << *claim->digital_source_type;
    } else {
      EXPECT_EQ(claim->digital_source_type, dst.get<std::string>());
    }
    EXPECT_FALSE(claim->actions.empty());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(C2paCorpus, GeminiActiveManifestIsTheLastOne) {
  const std::string path = corpus_dir() + "/gemini_3.1pro.png";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus file " << path;
  auto file = read_file(path);
  ASSERT_TRUE(file);
  auto jumbf = png_cabx(*file);
  ASSERT_TRUE(jumbf);
  auto claim = read_c2pa_manifest_store(*jumbf);
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(claim->actions, (std::vector<std::string>{"c2pa.opened", "c2pa.edited", "c2pa.converted"}));
  EXPECT_EQ(claim->digital_source_type, kAi);  // from the ingredient's c2pa.created, not "composite"
}

// Every truncation and single-byte corruption of real stores ends in a result or an error.
TEST(C2paCorpus, DamagedStoresNeverCrash) {
  const std::string path = corpus_dir() + "/Designer.jpeg";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus file " << path;
  auto file = read_file(path);
  ASSERT_TRUE(file);
  auto jumbf = jpeg_app11(*file);
  ASSERT_TRUE(jumbf);
  for (size_t n = 0; n < jumbf->size(); n += 3) {
    auto r = read_c2pa_manifest_store(std::string_view(*jumbf).substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes";  // the root box claims more
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string damaged = *jumbf;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto r = read_c2pa_manifest_store(damaged);
    if (!r) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

// ---- Synthetic stores ---------------------------------------------------------------------

TEST(C2pa, ReadsClaimV1AndActions) {
  auto r = read_c2pa_manifest_store(manifest_store({manifest(
      claim_v1("Tool/1.0 c2pa-rs/0.33"),
      {{"c2pa.actions", actions_cbor({{"c2pa.created", kAi}, {"c2pa.converted", ""}})}})}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claim_generator, "Tool/1.0 c2pa-rs/0.33");
  EXPECT_EQ(r->digital_source_type, kAi);
  EXPECT_EQ(r->actions, (std::vector<std::string>{"c2pa.created", "c2pa.converted"}));
}

TEST(C2pa, ReadsClaimV2GeneratorInfoAsMapOrList) {
  auto as_map = read_c2pa_manifest_store(manifest_store(
      {manifest(claim_v2("OpenAI Media Service API"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.created", kAi}})}},
                "c2pa.claim.v2")}));
  ASSERT_TRUE(as_map) << as_map.error().message;
  EXPECT_EQ(as_map->claim_generator, "OpenAI Media Service API");
  EXPECT_EQ(as_map->actions, std::vector<std::string>{"c2pa.created"});

  const std::string list_claim = cmap({{"claim_generator_info", carray({cmap({{"name", ctext("First")}}),
                                                                          cmap({{"name", ctext("Second")}})})}});
  auto as_list = read_c2pa_manifest_store(store_with_claim(list_claim));
  ASSERT_TRUE(as_list) << as_list.error().message;
  EXPECT_EQ(as_list->claim_generator, "First");

  // claim_generator (v1) wins over claim_generator_info when both are present.
  const std::string both = cmap({{"claim_generator", ctext("Writer/2")},
                                 {"claim_generator_info", carray({cmap({{"name", ctext("Other")}})})}});
  auto r = read_c2pa_manifest_store(store_with_claim(both));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->claim_generator, "Writer/2");
}

TEST(C2pa, CreatedSourceTypeMayComeFromAnIngredientManifest) {
  const std::string older = manifest(claim_v2("Gen"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.created", "old"}})}});
  const std::string ingredient =
      manifest(claim_v2("Gen"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.created", kAi}})}});
  const std::string active = manifest(
      claim_v2("Watermarker"),
      {{"c2pa.actions.v2", actions_cbor({{"c2pa.opened", ""}, {"c2pa.edited", kComposite}})}});
  auto r = read_c2pa_manifest_store(manifest_store({older, ingredient, active}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claim_generator, "Watermarker");
  EXPECT_EQ(r->actions, (std::vector<std::string>{"c2pa.opened", "c2pa.edited"}));
  EXPECT_EQ(r->digital_source_type, kAi);  // newest ingredient first, not "old"
}

TEST(C2pa, ActiveCreatedActionWinsOverIngredients) {
  const std::string ingredient =
      manifest(claim_v2("A"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.created", "ingredient"}})}});
  const std::string active = manifest(
      claim_v2("B"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.edited", kComposite}, {"c2pa.created", kAi}})}});
  auto r = read_c2pa_manifest_store(manifest_store({ingredient, active}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digital_source_type, kAi);
}

TEST(C2pa, FallsBackToFirstSourceTypeOfTheActiveManifest) {
  const std::string ingredient = manifest(claim_v2("A"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.opened", "x"}})}});
  const std::string active = manifest(
      claim_v2("B"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.opened", ""}, {"c2pa.edited", kComposite},
                                                        {"c2pa.edited", kAi}})}});
  auto r = read_c2pa_manifest_store(manifest_store({ingredient, active}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digital_source_type, kComposite);
}

TEST(C2pa, NoSourceTypeIsAbsent) {
  auto r = read_c2pa_manifest_store(
      manifest_store({manifest(claim_v1("Firefly"), {{"c2pa.actions", actions_cbor({{"c2pa.edited", ""}})}})}));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->digital_source_type.has_value());
  EXPECT_EQ(r->actions, std::vector<std::string>{"c2pa.edited"});

  auto none = read_c2pa_manifest_store(manifest_store({manifest(claim_v1("G"), {})}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->actions.empty());
  EXPECT_FALSE(none->digital_source_type.has_value());
}

TEST(C2pa, ActionsAssertionsWithInstanceSuffixesAreReadInOrder) {
  auto r = read_c2pa_manifest_store(manifest_store({manifest(
      claim_v1("G"), {{"c2pa.actions", actions_cbor({{"c2pa.created", ""}})},
                      {"c2pa.hash.data", cmap({{"alg", ctext("sha256")}})},
                      {"c2pa.actions__1", actions_cbor({{"c2pa.edited", ""}})},
                      {"c2pa.actionsX", actions_cbor({{"not.read", ""}})}})}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->actions, (std::vector<std::string>{"c2pa.created", "c2pa.edited"}));
}

TEST(C2pa, DecodesIndefiniteLengthItems) {
  // {_ "claim_generator": (_ "Open" "AI"), "x": [_ 1, h'00', (_ h'01' h'02')]}
  std::string claim = "\xBF";
  claim += ctext("claim_generator") + "\x7F" + ctext("Open") + ctext("AI") + "\xFF";
  claim += ctext("x") + "\x9F\x01\x41" + std::string(1, '\0') + "\x5F\x41\x01\x41\x02\xFF\xFF";
  claim += "\xFF";
  auto r = read_c2pa_manifest_store(store_with_claim(claim));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claim_generator, "OpenAI");
}

TEST(C2pa, DecodesFloatsTagsAndSimpleValues) {
  std::string values;
  values += "\xF9\x3C\x00"s;             // half 1.0
  values += "\xF9\x7C\x00"s;             // half infinity
  values += "\xFA\x47\xC3\x50\x00"s;     // single 100000.0
  values += "\xFB" + be64(0x400921FB54442D18ull);  // double pi
  values += "\xF4\xF5\xF6\xF7";          // false true null undefined
  values += "\xF8\x20";                  // simple(32)
  values += "\xC0" + ctext("2024-01-01T00:00:00Z");  // tag 0 date
  values += "\xD8\x18\x41\x00"s;         // tag 24 around a byte string
  values += "\x3A\x00\x01\x00\x00"s;     // negative integer
  const std::string claim = cmap({{"values", cbor_head(4, 12) + values},
                                  {"claim_generator_info", "\xF6"},  // null, as Firefly writes it
                                  {"claim_generator", "\xC1" + ctext("Tagged/1")}});
  auto r = read_c2pa_manifest_store(store_with_claim(claim));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claim_generator, "Tagged/1");
}

TEST(C2pa, InvalidUtf8TextIsReplaced) {
  auto r = read_c2pa_manifest_store(store_with_claim(claim_v1(std::string("ab\xFF", 3))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->claim_generator, "ab\xEF\xBF\xBD");
}

TEST(C2pa, ClaimWithoutGeneratorStillGivesActions) {
  auto r = read_c2pa_manifest_store(store_with_claim(cmap({{"alg", ctext("sha256")}})));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->claim_generator, "");
  EXPECT_EQ(r->digital_source_type, kAi);
}

TEST(C2pa, AcceptsXLBoxAndLBoxZero) {
  const std::string m = manifest(claim_v1("X"), {});
  const std::string contents = jumd("c2pa", "c2pa") + m;
  // LBox 1: the length is a 64-bit XLBox after the type.
  const std::string xl = be32(1) + "jumb" + be64(16 + contents.size()) + contents;
  auto r = read_c2pa_manifest_store(xl);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claim_generator, "X");
  // LBox 0: the box runs to the end of the data.
  auto z = read_c2pa_manifest_store(be32(0) + "jumb" + contents);
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_EQ(z->claim_generator, "X");
}

TEST(C2pa, IgnoresBytesAfterTheStore) {
  auto r = read_c2pa_manifest_store(store_with_claim(claim_v1("X")) + std::string(5, '\0'));
  ASSERT_TRUE(r) << r.error().message;
}

// ---- Hostile input ------------------------------------------------------------------------

TEST(C2pa, RejectsNonStores) {
  EXPECT_FALSE(read_c2pa_manifest_store(""));
  EXPECT_FALSE(read_c2pa_manifest_store("jumb"));
  auto not_jumb = read_c2pa_manifest_store(box("free", "xyz"));
  ASSERT_FALSE(not_jumb);
  EXPECT_NE(not_jumb.error().message.find("'free'"), std::string::npos) << not_jumb.error().message;
  auto wrong_uuid = read_c2pa_manifest_store(superbox("abcd", "other", manifest(claim_v1("X"), {})));
  ASSERT_FALSE(wrong_uuid);
  EXPECT_NE(wrong_uuid.error().message.find("not a manifest store"), std::string::npos);
  auto no_manifest = read_c2pa_manifest_store(superbox("c2pa", "c2pa", box("free", "")));
  ASSERT_FALSE(no_manifest);
  EXPECT_NE(no_manifest.error().message.find("no manifest"), std::string::npos);
  auto no_claim = read_c2pa_manifest_store(
      manifest_store({superbox("c2ma", "m", superbox("c2as", "c2pa.assertions", ""))}));
  ASSERT_FALSE(no_claim);
  EXPECT_NE(no_claim.error().message.find("no claim"), std::string::npos);
  auto claim_not_map = read_c2pa_manifest_store(store_with_claim(ctext("just text")));
  EXPECT_FALSE(claim_not_map);
}

TEST(C2pa, RejectsBoxLongerThanItsContainer) {
  std::string store = store_with_claim(claim_v1("X"));
  // The first manifest starts after the root header (8) and the root's jumd.
  const size_t manifest_at = 8 + jumd("c2pa", "c2pa").size();
  const std::string lbox = be32(99999);
  store.replace(manifest_at, 4, lbox);
  auto r = read_c2pa_manifest_store(store);
  ASSERT_FALSE(r);
  const std::string left = std::to_string(store.size() - manifest_at);
  EXPECT_EQ(r.error().message, "C2PA: box 'jumb' at offset " + std::to_string(manifest_at) +
                                   " claims 99999 bytes, only " + left + " left");
}

TEST(C2pa, RejectsEveryTruncation) {
  const std::string store = store_with_claim(claim_v1("Generator"));
  for (size_t n = 0; n < store.size(); ++n) {
    auto r = read_c2pa_manifest_store(store.substr(0, n));
    ASSERT_FALSE(r) << n;
    EXPECT_NE(r.error().message.find("C2PA"), std::string::npos);
  }
  EXPECT_TRUE(read_c2pa_manifest_store(store));
}

TEST(C2pa, RejectsImpossibleBoxLengths) {
  const std::string contents = jumd("c2pa", "c2pa") + manifest(claim_v1("X"), {});
  EXPECT_FALSE(read_c2pa_manifest_store(be32(3) + "jumb" + contents));                          // < header
  EXPECT_FALSE(read_c2pa_manifest_store(be32(1) + "jumb" + be64(12) + contents));               // XLBox < 16
  EXPECT_FALSE(read_c2pa_manifest_store(be32(1) + "jumb" + be64(~uint64_t(0)) + contents));     // far too long
  EXPECT_FALSE(read_c2pa_manifest_store(be32(1) + "jumb" + "\x00\x00"s));                         // XLBox cut off
  EXPECT_FALSE(read_c2pa_manifest_store(be32(0xFFFFFFFFu) + "jumb" + contents));
}

TEST(C2pa, RejectsBrokenSuperboxes) {
  EXPECT_FALSE(read_c2pa_manifest_store(box("jumb", "")));                       // no description box
  EXPECT_FALSE(read_c2pa_manifest_store(box("jumb", box("cbor", "\xA0"))));      // first box not jumd
  EXPECT_FALSE(read_c2pa_manifest_store(box("jumb", box("jumd", "short"))));     // jumd < 17 bytes
  EXPECT_FALSE(read_c2pa_manifest_store(box("jumb", box("jumd", c2pa_uuid("c2pa") + "\x03" + "no-nul"))));
  // A superbox with stray bytes after its boxes.
  EXPECT_FALSE(read_c2pa_manifest_store(box("jumb", jumd("c2pa", "c2pa") + "abc")));
  // Empty (8-byte) boxes are fine as content.
  EXPECT_TRUE(read_c2pa_manifest_store(superbox("c2pa", "c2pa", manifest(claim_v1("X"), {}) + box("free", ""))));
}

TEST(C2pa, RejectsDeepJumbNesting) {
  // 100000 superboxes each holding a description box and the next superbox, built with
  // the lengths computed up front so the test stays linear.
  constexpr size_t kLevels = 100000;
  const std::string description = jumd("c2pa", "c2pa");
  const size_t level_bytes = 8 + description.size();
  const size_t total = kLevels * level_bytes;
  std::string data;
  data.reserve(total);
  for (size_t i = 0; i < kLevels; ++i) {
    data += be32(static_cast<uint32_t>(total - i * level_bytes)) + "jumb" + description;
  }
  auto r = read_c2pa_manifest_store(data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos) << r.error().message;
}

TEST(C2pa, RejectsTooManyBoxes) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += box("free", "");
  auto r = read_c2pa_manifest_store(superbox("c2pa", "c2pa", manifest(claim_v1("X"), {}) + many));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("JUMBF boxes"), std::string::npos) << r.error().message;
}

TEST(C2pa, RejectsDeepCbor) {
  constexpr size_t kDepth = 100000;
  // array(1), indefinite array, tag 6, map(1) with key "k": each nests the next level.
  for (const std::string& level : {"\x81"s, "\x9F"s, "\xC6"s, "\xA1\x61k"s}) {
    std::string claim;
    claim.reserve(kDepth * level.size() + 1);
    for (size_t i = 0; i < kDepth; ++i) claim += level;
    claim += '\0';
    auto r = read_c2pa_manifest_store(store_with_claim(claim));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos) << r.error().message;
  }
}

TEST(C2pa, RejectsCountsBeyondTheData) {
  const std::vector<std::string> lies = {
      "\x9B" + be64(~uint64_t(0)),              // array of 2^64-1 items
      "\x9A" + be32(0xFFFFFFFFu),               // array of 2^32-1 items
      "\xBB" + be64(uint64_t(1) << 62),         // map
      "\x7B" + be64(~uint64_t(0)),              // text of 2^64-1 bytes
      "\x5A" + be32(1000) + "abc",              // bytes longer than the data
      "\x7F\x7B" + be64(~uint64_t(0)),          // chunk of an indefinite string
  };
  for (const auto& claim : lies) {
    auto r = read_c2pa_manifest_store(store_with_claim(claim));
    EXPECT_FALSE(r);
  }
}

TEST(C2pa, RejectsTooManyCborItems) {
  std::string claim = cmap({{"claim_generator", ctext("X")}, {"big", cbor_head(4, 200000) + std::string(200000, '\0')}});
  auto r = read_c2pa_manifest_store(store_with_claim(claim));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("items"), std::string::npos) << r.error().message;
}

TEST(C2pa, RejectsBadIndefiniteLengthItems) {
  const std::vector<std::string> bad = {
      "\x7F\x7F\x61x\xFF\xFF",       // indefinite chunk inside an indefinite string
      "\x7F\x41x\xFF",               // byte-string chunk inside a text string
      "\x7F\x61x",                   // no break
      "\x9F\x01\x02",                // indefinite array without a break
      "\xBF\x61k\xFF",               // map key without a value
      "\xFF",                        // break on its own
      "\x1F",                        // indefinite length for an integer
      "\xDF\x00"s,                   // indefinite length for a tag
      "\x1C",                        // reserved additional information
      "\xFC",                        // reserved simple encoding
      "\xF8",                        // simple value cut off
      "\xF9\x3C",                    // half float cut off
  };
  for (const auto& claim : bad) {
    auto r = read_c2pa_manifest_store(store_with_claim(claim));
    EXPECT_FALSE(r) << ::testing::PrintToString(claim);
  }
}

TEST(C2pa, BadCborInTheActiveActionsIsAnError) {
  auto r = read_c2pa_manifest_store(
      manifest_store({manifest(claim_v1("X"), {{"c2pa.actions", std::string("\xA1\x67", 2) + "actions\x9F"}})}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("c2pa.actions"), std::string::npos) << r.error().message;
}

TEST(C2pa, BadCborInAnIngredientIsSkipped) {
  const std::string broken = manifest(claim_v1("A"), {{"c2pa.actions", "\x9F"}});
  const std::string active = manifest(claim_v1("B"), {{"c2pa.actions", actions_cbor({{"c2pa.edited", kComposite}})}});
  auto r = read_c2pa_manifest_store(manifest_store({broken, active}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->digital_source_type, kComposite);
}

TEST(C2pa, SurvivesGarbageAndMutations) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string garbage(rng() % 300, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng());
    EXPECT_FALSE(read_c2pa_manifest_store(garbage));
  }
  const std::string store = manifest_store(
      {manifest(claim_v2("A"), {{"c2pa.actions.v2", actions_cbor({{"c2pa.created", kAi}})}}, "c2pa.claim.v2"),
       manifest(claim_v1("B"), {{"c2pa.actions", actions_cbor({{"c2pa.opened", ""}, {"c2pa.edited", kComposite}})}})});
  ASSERT_TRUE(read_c2pa_manifest_store(store));
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string m = store;
    for (int k = 1 + rng() % 3; k > 0; --k) m[rng() % m.size()] = static_cast<char>(rng());
    auto r = read_c2pa_manifest_store(m);
    if (r) {
      ++ok;
    } else {
      EXPECT_EQ(r.error().message.rfind("C2PA: ", 0), 0u) << r.error().message;
    }
  }
  EXPECT_GT(ok, 0);  // some mutations only touch values
}

TEST(C2pa, TestHelperReadsWebpChunk) {
  // The WebP path has no corpus file; check the test helper itself on a hand-made RIFF.
  const std::string store = store_with_claim(claim_v1("W"));
  std::string chunk = "C2PA";
  const auto len = static_cast<uint32_t>(store.size());
  for (int i = 0; i < 4; ++i) chunk.push_back(static_cast<char>(len >> (8 * i)));
  chunk += store;
  if (len & 1) chunk.push_back('\0');
  std::string riff = "RIFF";
  const auto riff_len = static_cast<uint32_t>(4 + chunk.size());
  for (int i = 0; i < 4; ++i) riff.push_back(static_cast<char>(riff_len >> (8 * i)));
  riff += "WEBP" + chunk;
  auto jumbf = extract_jumbf(riff);
  ASSERT_TRUE(jumbf);
  auto r = read_c2pa_manifest_store(*jumbf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->claim_generator, "W");
}

}  // namespace
}  // namespace provena
