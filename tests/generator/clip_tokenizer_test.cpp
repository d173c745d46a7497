#include "generator/clip_tokenizer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_io.h"
#include "tests/generator/fixtures.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using nlohmann::json;
using Ids = std::vector<int>;

const std::string& bpe_gz_path() {
  static const std::string path = testing::generator_fixture("bpe_simple_vocab_16e6.txt.gz");
  return path;
}

#define NEED_TOKENIZER_FIXTURES()                                                     \
  PROVENA_NEED_GENERATOR_FIXTURES();                                                  \
  if (!std::filesystem::exists(bpe_gz_path()) ||                                      \
      !std::filesystem::exists(testing::generator_fixture("tokenizer_vectors.json"))) \
  GTEST_SKIP() << "bpe_simple_vocab_16e6.txt.gz or tokenizer_vectors.json is absent"

// Loaded once: building the 48,894 merges takes a noticeable fraction of a second.
const ClipTokenizer& clip() {
  static const ClipTokenizer tokenizer = [] {
    auto t = ClipTokenizer::load_clip_bpe_gz(bpe_gz_path());
    if (!t) ADD_FAILURE() << t.error().message;
    return std::move(t).value();
  }();
  return tokenizer;
}

struct Prompt {
  std::string text;
  json vectors;
};

std::vector<Prompt> fixture_prompts() {
  auto text = read_file(testing::generator_fixture("tokenizer_vectors.json"));
  EXPECT_TRUE(text) << text.error().message;
  std::vector<Prompt> out;
  const json vectors = json::parse(*text);
  for (const json& p : vectors.at("prompts")) {
    const std::string hex = p.at("utf8_hex").get<std::string>();
    std::string bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    out.push_back({bytes, p});
  }
  EXPECT_EQ(out.size(), 11u);
  return out;
}

Ids with_bos_eos(const Ids& ids) {
  Ids out{49406};
  out.insert(out.end(), ids.begin(), ids.end());
  out.push_back(49407);
  return out;
}

std::string gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string out;
  if (!f) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  gzclose(f);
  return out;
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_TRUE(f);
  ASSERT_EQ(gzwrite(f, text.data(), unsigned(text.size())), int(text.size()));
  gzclose(f);
}

std::string error_of(const Result<ClipTokenizer>& r) {
  EXPECT_FALSE(r) << "loaded, but an error was expected";
  return r ? "" : r.error().message;
}

TEST(ClipTokenizer, VocabularyFromClipBpeGz) {
  NEED_TOKENIZER_FIXTURES();
  const ClipTokenizer& t = clip();
  EXPECT_EQ(t.vocab_size(), 49408u);
  EXPECT_EQ(t.bos_id(), 49406);
  EXPECT_EQ(t.eos_id(), 49407);
  EXPECT_EQ(t.pad_id(), 49407);
  EXPECT_EQ(t.token(0), "!");        // the printable bytes come first
  EXPECT_EQ(t.token(256), "!</w>");  // then the same with </w>
  EXPECT_EQ(t.token(320), "a</w>");
  EXPECT_EQ(t.token(127), "\xC3\x83");  // byte 0xC3 stands for itself: U+00C3
  EXPECT_EQ(t.token(512), "in");        // the first merge, "i n"
  EXPECT_EQ(t.token(49406), "<|startoftext|>");
  EXPECT_EQ(t.token(49407), "<|endoftext|>");
  EXPECT_EQ(t.token(-1), "");
  EXPECT_EQ(t.token(49408), "");
}

// openai/CLIP's SimpleTokenizer (with ftfy 6.1.1) on all 11 fixture prompts. None is
// excluded: the one with fullwidth letters, mojibake ("cafÃ©") and curly quotes is matched
// by the part of ftfy that is implemented (fullwidth forms, Latin-1/Windows-1252 mojibake,
// quotes); ftfy's NFC normalization is not, and no fixture prompt needs it.
TEST(ClipTokenizer, MatchesOpenAiClipOnFixturePrompts) {
  NEED_TOKENIZER_FIXTURES();
  for (const Prompt& p : fixture_prompts()) {
    const Ids expected = p.vectors.at("clip_simple_tokenizer_ids").get<Ids>();
    EXPECT_EQ(with_bos_eos(clip().encode(p.text)), expected) << p.text;
    EXPECT_EQ(with_bos_eos(clip().encode(p.text, ClipTextCleaning::kClip)), expected) << p.text;
  }
}

TEST(ClipTokenizer, MatchesTransformersWithFtfy) {
  NEED_TOKENIZER_FIXTURES();
  for (const Prompt& p : fixture_prompts()) {
    const Ids ids = clip().encode(p.text, ClipTextCleaning::kTransformersFtfy);
    EXPECT_EQ(with_bos_eos(ids), p.vectors.at("hf_slow_ftfy_ids").get<Ids>()) << p.text;
    const auto tokens = p.vectors.at("hf_slow_ftfy_tokens").get<std::vector<std::string>>();
    ASSERT_EQ(tokens.size(), ids.size() + 2) << p.text;
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(clip().token(ids[i]), tokens[i + 1]) << p.text;
    const Ids window = clip().encode_window(p.text, ClipTextCleaning::kTransformersFtfy);
    EXPECT_EQ(window, p.vectors.at("hf_slow_ftfy_padded77").get<Ids>()) << p.text;
    EXPECT_EQ(window, clip().encode_window(p.text)) << p.text;
  }
}

// transformers without ftfy falls back to BERT's BasicTokenizer; it differs from the above
// on "&amp;" (kept), CJK (one word per ideograph) and the fullwidth/mojibake prompt.
TEST(ClipTokenizer, MatchesTransformersWithoutFtfy) {
  NEED_TOKENIZER_FIXTURES();
  int differing = 0;
  for (const Prompt& p : fixture_prompts()) {
    const Ids ids = clip().encode(p.text, ClipTextCleaning::kTransformersBasic);
    EXPECT_EQ(with_bos_eos(ids), p.vectors.at("hf_slow_noftfy_ids").get<Ids>()) << p.text;
    EXPECT_EQ(clip().encode_window(p.text, ClipTextCleaning::kTransformersBasic),
              p.vectors.at("hf_slow_noftfy_padded77").get<Ids>())
        << p.text;
    differing += ids != clip().encode(p.text);
  }
  EXPECT_EQ(differing, 3);
}

TEST(ClipTokenizer, EncodeNeverTruncatesTheWindowDoes) {
  NEED_TOKENIZER_FIXTURES();
  const Prompt p = fixture_prompts().at(7);  // 100 words, 106 ids with BOS/EOS
  const Ids ids = clip().encode(p.text);
  ASSERT_EQ(ids.size(), 104u);
  const Ids window = clip().context_window(ids);
  ASSERT_EQ(window.size(), size_t(ClipTokenizer::kContextLength));
  EXPECT_EQ(window.front(), 49406);
  EXPECT_EQ(Ids(window.begin() + 1, window.end() - 1), Ids(ids.begin(), ids.begin() + 75));
  EXPECT_EQ(window.back(), 49407);
  EXPECT_EQ(window, p.vectors.at("hf_slow_ftfy_padded77").get<Ids>());

  const Ids empty = clip().encode_window("");
  EXPECT_EQ(empty.size(), 77u);
  EXPECT_EQ(empty[0], 49406);
  for (size_t i = 1; i < empty.size(); ++i) EXPECT_EQ(empty[i], 49407);
}

TEST(ClipTokenizer, SpecialTokensUnknownWordsAndDecode) {
  NEED_TOKENIZER_FIXTURES();
  EXPECT_EQ(clip().encode("<|startoftext|>a<|endoftext|>"), (Ids{49406, 320, 49407}));
  // Not at the start of a match, so not special: "(<|" "endoftext" "|>".
  const Ids not_special = clip().encode("(<|endoftext|>");
  EXPECT_EQ(std::count(not_special.begin(), not_special.end(), 49407), 0);
  // Byte-level BPE has a token for every byte: invalid UTF-8, noncharacters, rare scripts.
  for (const char* text : {"\xFF\xFE\x80 broken", "\xEF\xBF\xBF", "\xF0\x9D\x93\xAF\xF0\x9D\x93\xAA", "ꙮ ᚠᛇᚻ"})
    EXPECT_FALSE(clip().encode(text).empty()) << text;
  // ftfy drops C0 controls; the BasicTokenizer drops them too.
  EXPECT_TRUE(clip().encode("\x01\x02").empty());
  EXPECT_TRUE(clip().encode("\x01\x02", ClipTextCleaning::kTransformersBasic).empty());
  EXPECT_EQ(clip().decode(clip().encode("A Photograph of an Astronaut, 1024x768!")),
            "a photograph of an astronaut , 1 0 2 4 x 7 6 8 ! ");
  EXPECT_EQ(clip().decode(clip().encode("東京 café 🐱")), "東京 café 🐱 ");
}

TEST(ClipTokenizer, EncodesFromSeveralThreads) {
  NEED_TOKENIZER_FIXTURES();
  const auto prompts = fixture_prompts();
  std::vector<Ids> expected;
  for (const Prompt& p : prompts) expected.push_back(clip().encode(p.text));
  ClipTokenizer fresh = *ClipTokenizer::load_clip_bpe_gz(bpe_gz_path());  // an empty cache
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (size_t i = 0; i < prompts.size(); ++i) failures[t] += fresh.encode(prompts[i].text) != expected[i];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// vocab.json + merges.txt written from the same BPE file give the same tokenizer.
TEST(ClipTokenizer, HuggingFaceFolderMatchesBpeGz) {
  NEED_TOKENIZER_FIXTURES();
  testing::TempDir dir;
  const std::string folder = dir / "tokenizer";
  std::filesystem::create_directories(folder);
  json vocab = json::object();
  for (int id = 0; id < int(clip().vocab_size()); ++id) vocab[clip().token(id)] = id;  // a later id wins, as in CLIP
  ASSERT_TRUE(write_file_atomic(folder + "/vocab.json", vocab.dump()));
  const std::string text = gunzip(bpe_gz_path());
  size_t end = 0;
  for (int line = 0; line < 48895; ++line) end = text.find('\n', end) + 1;
  ASSERT_TRUE(write_file_atomic(folder + "/merges.txt",
                                "#version: 0.2\n" + text.substr(text.find('\n') + 1, end - text.find('\n') - 1)));

  for (const std::string& path : {folder, dir.path()}) {  // the tokenizer folder, or the model folder above it
    auto hf = ClipTokenizer::load_hf_folder(path);
    ASSERT_TRUE(hf) << hf.error().message;
    EXPECT_EQ(hf->vocab_size(), 49408u);
    EXPECT_EQ(hf->bos_id(), 49406);
    EXPECT_EQ(hf->eos_id(), 49407);
    EXPECT_EQ(hf->pad_id(), 49407);
    for (const Prompt& p : fixture_prompts())
      EXPECT_EQ(with_bos_eos(hf->encode(p.text)), p.vectors.at("clip_simple_tokenizer_ids").get<Ids>()) << p.text;
  }
}

TEST(ClipTokenizer, SmallHuggingFaceFolder) {
  testing::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir / "vocab.json",
                                R"({"h": 0, "i": 1, "h</w>": 2, "i</w>": 3, "hi</w>": 4, "!</w>": 5,
                                    "<|startoftext|>": 6, "<|endoftext|>": 7})"));
  ASSERT_TRUE(write_file_atomic(dir / "merges.txt", "#version: 0.2\r\nh i</w>\r\n"));
  auto t = ClipTokenizer::load_hf_folder(dir.path());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("Hi  hi!"), (Ids{4, 4, 5}));
  EXPECT_EQ(t->encode("ih"), (Ids{1, 2}));  // no merge for "i h</w>"
  EXPECT_EQ(t->encode("x"), (Ids{7}));      // not in this vocabulary: the unknown token
  Ids window = t->encode_window("hi");
  EXPECT_EQ(Ids(window.begin(), window.begin() + 4), (Ids{6, 4, 7, 7}));
  EXPECT_EQ(window.size(), 77u);

  // SD 2.x tokenizers pad with "!" instead of <|endoftext|>.
  ASSERT_TRUE(write_file_atomic(dir / "special_tokens_map.json",
                                R"({"bos_token": {"content": "<|startoftext|>"}, "pad_token": "!</w>"})"));
  auto sd2 = ClipTokenizer::load_hf_folder(dir.path());
  ASSERT_TRUE(sd2) << sd2.error().message;
  EXPECT_EQ(sd2->pad_id(), 5);
  window = sd2->encode_window("hi");
  EXPECT_EQ(Ids(window.begin(), window.begin() + 4), (Ids{6, 4, 7, 5}));
}

TEST(ClipTokenizer, ErrorsNameTheFileAndTheProblem) {
  testing::TempDir dir;
  const std::string missing = dir / "missing.txt.gz";
  EXPECT_NE(error_of(ClipTokenizer::load_clip_bpe_gz(missing)).find(missing), std::string::npos);

  ASSERT_TRUE(write_file_atomic(dir / "plain.txt.gz", "#version\na b\n"));
  std::string e = error_of(ClipTokenizer::load_clip_bpe_gz(dir / "plain.txt.gz"));
  EXPECT_NE(e.find(dir / "plain.txt.gz"), std::string::npos) << e;
  EXPECT_NE(e.find("not a gzip file"), std::string::npos) << e;

  ASSERT_TRUE(write_file_atomic(dir / "corrupt.txt.gz",
                                std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + std::string(64, '\xff')));
  e = error_of(ClipTokenizer::load_clip_bpe_gz(dir / "corrupt.txt.gz"));
  EXPECT_NE(e.find("corrupt gzip data"), std::string::npos) << e;

  write_gz(dir / "bad_line.txt.gz", "#version: 0.2\na b\nc d e\nf g\n");
  e = error_of(ClipTokenizer::load_clip_bpe_gz(dir / "bad_line.txt.gz"));
  EXPECT_NE(e.find(dir / "bad_line.txt.gz"), std::string::npos) << e;
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;

  write_gz(dir / "header_only.txt.gz", "#version: 0.2");
  e = error_of(ClipTokenizer::load_clip_bpe_gz(dir / "header_only.txt.gz"));
  EXPECT_NE(e.find("no merges"), std::string::npos) << e;

  if (std::filesystem::exists(bpe_gz_path())) {
    auto bytes = read_file(bpe_gz_path());
    ASSERT_TRUE(bytes);
    ASSERT_TRUE(write_file_atomic(dir / "truncated.txt.gz", bytes->substr(0, 4096)));
    e = error_of(ClipTokenizer::load_clip_bpe_gz(dir / "truncated.txt.gz"));
    EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  }

  // A tiny but well-formed file loads, ids as CLIP would number them.
  write_gz(dir / "tiny.txt.gz", "#version: 0.2\nh i</w>");
  auto tiny = ClipTokenizer::load_clip_bpe_gz(dir / "tiny.txt.gz");
  ASSERT_TRUE(tiny) << tiny.error().message;
  EXPECT_EQ(tiny->vocab_size(), 515u);
  EXPECT_EQ(tiny->encode("hi"), (Ids{512}));
  EXPECT_EQ(tiny->bos_id(), 513);

  // Hugging Face folders.
  e = error_of(ClipTokenizer::load_hf_folder(dir / "nope"));
  EXPECT_NE(e.find("no such folder"), std::string::npos) << e;
  const std::string hf = dir / "hf";
  std::filesystem::create_directories(hf);
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find("no vocab.json"), std::string::npos) << e;
  EXPECT_NE(e.find(hf), std::string::npos) << e;
  ASSERT_TRUE(write_file_atomic(hf + "/vocab.json", R"({"a": 0, "<|startoftext|>": 1, "<|endoftext|>": 2})"));
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find("no merges.txt"), std::string::npos) << e;
  ASSERT_TRUE(write_file_atomic(hf + "/merges.txt", "#version: 0.2\na b c\n"));
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find(hf + "/merges.txt: line 2"), std::string::npos) << e;
  ASSERT_TRUE(write_file_atomic(hf + "/merges.txt", "#version: 0.2\na b\n"));
  ASSERT_TRUE(write_file_atomic(hf + "/vocab.json", R"({"a": 0, "<|endoftext|>": 1})"));
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find(hf + "/vocab.json"), std::string::npos) << e;
  EXPECT_NE(e.find("<|startoftext|>"), std::string::npos) << e;
  ASSERT_TRUE(write_file_atomic(hf + "/vocab.json", R"({"a": 0,)"));
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find(hf + "/vocab.json"), std::string::npos) << e;
  ASSERT_TRUE(write_file_atomic(hf + "/vocab.json", R"({"a": -4, "<|startoftext|>": 1, "<|endoftext|>": 2})"));
  e = error_of(ClipTokenizer::load_hf_folder(hf));
  EXPECT_NE(e.find("\"a\" has no valid id"), std::string::npos) << e;
}

TEST(ClipTokenizerText, HtmlEntities) {
  // CLIP unescapes twice after ftfy; ftfy alone unescapes until nothing changes, but not on
  // or after a line with '<'.
  EXPECT_EQ(clip_clean_text("&amp;amp;amp; &lt;b&gt; &#39;s &#x41;"), "& <b> 's a");
  EXPECT_EQ(clip_clean_text("<x> &amp;amp;amp;"), "<x> &amp;");
  EXPECT_EQ(clip_clean_text("<x> &amp;amp;", ClipTextCleaning::kTransformersFtfy), "<x> &amp;amp;");
  EXPECT_EQ(clip_clean_text("a &amp; b\n<x> &amp;", ClipTextCleaning::kTransformersFtfy), "a & b <x> &amp;");
  EXPECT_EQ(clip_clean_text("&amp;", ClipTextCleaning::kTransformersBasic), "&amp;");
  // html.unescape's legacy names work without ';' and as a prefix; ftfy's need the ';'.
  EXPECT_EQ(clip_clean_text("&copy2023 &ampfoo; R&D &nbsp"), "\u00a92023 &foo; r&d");
  EXPECT_EQ(clip_clean_text("&copy2023", ClipTextCleaning::kTransformersFtfy), "&copy2023");
  EXPECT_EQ(clip_clean_text("x&#128;&#0;&#1;&#99999999;"), "x\u20ac\ufffd\ufffd");
  EXPECT_EQ(clip_clean_text("&hellip;&unknownentity;"), "\u2026&unknownentity;");
}

TEST(ClipTokenizerText, WhitespaceAndLowerCase) {
  EXPECT_EQ(clip_clean_text("  a\t\tb\n\nc \u00a0 d\u3000e  "), "a b c d e");
  EXPECT_EQ(
      clip_clean_text(
          "\u00c0\u00c9\u00ce \u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3 \u041f\u0420\u0418\u0412\u0415\u0422 "
          "\u0130 \u1e9e \u0174 ABC"),
      "\u00e0\u00e9\u00ee \u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1\u03c2 \u043f\u0440\u0438\u0432\u0435\u0442 i\u0307 "
      "\u00df \u0175 abc");
}

TEST(ClipTokenizerText, FtfyFixes) {
  EXPECT_EQ(clip_clean_text("\uff26\uff35\uff2c\uff2c\u3000\uff57\uff49\uff44\uff54\uff48 \uff80\uff70\uff9d"),
            "full width \u30bf\u30fc\u30f3");
  EXPECT_EQ(clip_clean_text("\u2018quoted\u2019 \u201cdouble\u201d"), "'quoted' \"double\"");
  EXPECT_EQ(clip_clean_text("\ufb01ne \ufb02our"), "fine flour");
  EXPECT_EQ(clip_clean_text("caf\u00c3\u00a9 don\u00e2\u20ac\u2122t rocket \u00f0\u0178\u0161\u20ac"),
            "caf\u00e9 don't rocket \U0001F680");
  EXPECT_EQ(clip_clean_text("\u00c3\u0192\u00c2\u00a9"), "\u00e9");  // encoded twice
  EXPECT_EQ(clip_clean_text("\x1b[31mred\x1b[0m a\x01"
                            "b \xC2\x91x\xC2\x92"),
            "red ab 'x'");
  EXPECT_EQ(clip_clean_text("\ufeffbom"), "bom");
  // Legitimate Latin-1 text is left alone.
  EXPECT_EQ(clip_clean_text("CAF\u00c9 \u00ab\u00c9T\u00c9\u00bb S\u00c3O \u00c5ngstr\u00f6m"),
            "caf\u00e9 \u00ab\u00e9t\u00e9\u00bb s\u00e3o \u00e5ngstr\u00f6m");
  // Without ftfy none of this happens, but controls go and CJK ideographs stand alone.
  EXPECT_EQ(clip_clean_text("\uff21 \u2018q\u2019 caf\u00c3\u00a9", ClipTextCleaning::kTransformersBasic),
            "\uff41 \u2018q\u2019 caf\u00e3\u00a9");
  EXPECT_EQ(clip_clean_text("a\u200bb \u6771\u4eac\u306e", ClipTextCleaning::kTransformersBasic),
            "ab \u6771 \u4eac \u306e");
}

TEST(ClipTokenizerText, SplitWordsLikeClipsRegex) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(clip_split_words("it's a 1024x768 photo, <|endoftext|>!!"),
            (Words{"it", "'s", "a", "1", "0", "2", "4", "x", "7", "6", "8", "photo", ",", "<|endoftext|>", "!!"}));
  EXPECT_EQ(clip_split_words("don't'll (<|endoftext|>"), (Words{"don", "'t", "'ll", "(<|", "endoftext", "|>"}));
  EXPECT_EQ(clip_split_words("\U0001F680\u2728 \u00bd\u00b2"), (Words{"\U0001F680\u2728", "\u00bd", "\u00b2"}));
  // Combining marks are not letters: Devanagari and Thai words split at them.
  EXPECT_EQ(clip_split_words("\u0928\u092e\u0938\u094d\u0924\u0947"),
            (Words{"\u0928\u092e\u0938", "\u094d", "\u0924", "\u0947"}));
  EXPECT_EQ(clip_split_words("\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35"),
            (Words{"\u0e2a\u0e27", "\u0e31", "\u0e2a\u0e14", "\u0e35"}));
  EXPECT_EQ(clip_split_words("\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \ud55c\uad6d\uc5b4"),
            (Words{"\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\ud55c\uad6d\uc5b4"}));
  EXPECT_EQ(clip_split_words("\u6771\u4eac\u306e\u591c\u666f\u3001\u7f8e\u3057\u3044"),
            (Words{"\u6771\u4eac\u306e\u591c\u666f", "\u3001", "\u7f8e\u3057\u3044"}));
}

}  // namespace
}  // namespace provena
