// CLIP's byte-level BPE tokenizer, as Stable Diffusion 1.x uses it: openai/CLIP's
// simple_tokenizer.py, which transformers' CLIPTokenizer (A1111, diffusers) follows. Plain
// C++ with no torch: the text encoder takes the ids this produces.
//
// Text is cleaned (see ClipTextCleaning), split into words by CLIP's pre-tokenizer regex
// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
// (case-insensitive), each word's UTF-8 bytes are mapped through GPT-2's byte-to-unicode
// table with "</w>" on the last one, and merges are applied lowest rank first. Every byte
// has a token, so no text fails to encode.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace provena {

enum class ClipTextCleaning {
  // openai/CLIP: ftfy.fix_text, html.unescape twice, whitespace runs collapsed to one
  // space, stripped, lower-cased. Only part of ftfy is implemented (clip_tokenizer.cpp
  // lists which): its fixes for fullwidth letters, curly quotes, ligatures, control
  // characters and common mojibake, but no NFC normalization.
  kClip,
  // transformers' CLIPTokenizer with ftfy installed: as kClip but without the two
  // html.unescape passes (ftfy alone unescapes, and not on or after a line with '<').
  kTransformersFtfy,
  // transformers' CLIPTokenizer without ftfy (common in diffusers installs): BERT's
  // BasicTokenizer: control characters dropped, CJK ideographs split into words of their
  // own, lower-cased; no HTML unescaping, no ftfy fixes (and no NFC here either).
  kTransformersBasic,
};

// The cleaned text that is split into words.
std::string clip_clean_text(std::string_view text, ClipTextCleaning cleaning = ClipTextCleaning::kClip);
// CLIP's pre-tokenizer over cleaned text: the words, in order, as UTF-8.
std::vector<std::string> clip_split_words(std::string_view cleaned);

class ClipTokenizer {
 public:
  // SD 1.x's text encoder has 77 positions: BOS, 75 tokens, EOS (and padding).
  static constexpr int kContextLength = 77;
  static constexpr int kWindowTokens = kContextLength - 2;

  // CLIP's bpe_simple_vocab_16e6.txt.gz: a header line, then merges "a b". The vocabulary
  // is the 256 byte characters, the same with "</w>", each merge joined, then
  // <|startoftext|> (49406) and <|endoftext|> (49407).
  static Result<ClipTokenizer> load_clip_bpe_gz(const std::string& path);
  // A Hugging Face tokenizer folder (vocab.json + merges.txt, optionally
  // special_tokens_map.json); a model folder with a tokenizer/ subfolder works too.
  static Result<ClipTokenizer> load_hf_folder(const std::string& dir);
  // The same from bytes in memory: the decompressed merges file, or vocab.json and
  // merges.txt (and special_tokens_map.json, may be empty). `name` is used in messages.
  static Result<ClipTokenizer> from_clip_bpe_text(std::string_view text, const std::string& name);
  static Result<ClipTokenizer> from_hf_files(std::string_view vocab_json, std::string_view merges_txt,
                                             std::string_view special_tokens_json, const std::string& name);

  // Token ids for `text`, without BOS/EOS and never truncated (long prompts are cut into
  // 75-token windows by the caller, as A1111 does).
  std::vector<int> encode(std::string_view text, ClipTextCleaning cleaning = ClipTextCleaning::kClip) const;
  // diffusers' padding="max_length", max_length=77, truncation=True: BOS, the first 75
  // ids, EOS, then the pad id up to 77.
  std::vector<int> context_window(const std::vector<int>& ids) const;
  std::vector<int> encode_window(std::string_view text, ClipTextCleaning cleaning = ClipTextCleaning::kClip) const {
    return context_window(encode(text, cleaning));
  }
  // The text back (each "</w>" becomes a space), as CLIP's decode.
  std::string decode(const std::vector<int>& ids) const;

  int bos_id() const;
  int eos_id() const;
  int pad_id() const;
  size_t vocab_size() const;
  // The vocabulary entry for an id in its byte-level form ("photograph</w>", "Ã©");
  // empty for an id outside the vocabulary.
  const std::string& token(int id) const;

  struct Impl;

 private:
  explicit ClipTokenizer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;  // immutable tables plus a word cache behind a mutex
};

}  // namespace provena
