#include "db/raw_metadata.h"

#include <cstdint>
#include <cstring>
#include <utility>
#include <algorithm>

#include "core/limits.h"
#include "db/compression.h"

namespace provena {

namespace {
constexpr std::string_view kTag = "PRM1", kCompressedTag = "PRZ1";
// A record's raw metadata is at most kMaxTotalTextBytes of text plus per-entry headers.
constexpr size_t kMaxRawBlobBytes = 2 * limits::kMaxTotalTextBytes;
}

namespace {

constexpr uint32_t kSharedMarker = 0xFFFFFFFFu, kSplicedMarker = 0xFFFFFFFEu;

void put_u32(std::string& out, uint32_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
}

uint32_t get_u32(std::string_view blob, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data() + at);
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Where each usable prompt first occurs in `text`, in text order, without overlaps.
std::vector<std::pair<size_t, int>> prompt_occurrences(std::string_view text, const PromptTexts& prompts) {
  std::vector<std::pair<size_t, int>> found;
  const std::string_view which[2] = {prompts.prompt, prompts.negative};
  for (int k = 0; k < 2; ++k) {
    if (which[k].size() < kMinPromptReferenceBytes) continue;
    if (size_t at = text.find(which[k]); at != std::string_view::npos) found.push_back({at, k + 1});
  }
  std::sort(found.begin(), found.end());
  if (found.size() == 2 && found[0].first + which[found[0].second - 1].size() > found[1].first) found.pop_back();
  return found;
}

}  // namespace

std::string encode_raw_metadata(const std::vector<RawText>& raw, std::vector<SharedText>* shared,
                                const PromptTexts& prompts) {
  size_t total = kTag.size();
  for (const auto& t : raw) total += t.container.size() + t.key.size() + 6 + t.text.size();
  std::string out;
  out.reserve(total);
  out += kTag;
  const std::string_view which[2] = {prompts.prompt, prompts.negative};
  for (size_t i = 0; i < raw.size(); ++i) {
    const RawText& t = raw[i];
    out += t.container;
    out += '\0';
    out += t.key;
    out += '\0';
    if (shared && t.text.size() >= kSharedTextBytes) {
      Hash128 h = xxh3_128(t.text.data(), t.text.size());
      shared->push_back({h, i, std::string()});
      put_u32(out, kSharedMarker);
      out.append(reinterpret_cast<const char*>(h.bytes.data()), 16);
      continue;
    }
    auto refs = prompt_occurrences(t.text, prompts);
    if (refs.empty()) {
      put_u32(out, static_cast<uint32_t>(t.text.size()));
      out += t.text;
      continue;
    }
    put_u32(out, kSplicedMarker);
    size_t pos = 0;
    for (const auto& [at, k] : refs) {
      put_u32(out, static_cast<uint32_t>(at - pos));
      out.append(t.text, pos, at - pos);
      out.push_back(static_cast<char>(k));
      pos = at + which[k - 1].size();
    }
    put_u32(out, static_cast<uint32_t>(t.text.size() - pos));
    out.append(t.text, pos, std::string::npos);
    out.push_back('\0');
  }
  return out;
}

std::string compress_raw_metadata(std::string blob) {
  if (blob.size() < kCompressMinBytes) return blob;
  std::string frame = zstd_compress(blob);
  if (frame.empty() || frame.size() + kCompressedTag.size() >= blob.size()) return blob;
  return std::string(kCompressedTag) + frame;
}

void compress_shared_texts(const std::vector<RawText>& raw, std::vector<SharedText>& shared) {
  for (auto& s : shared) {
    const std::string& text = raw[s.index].text;
    s.compressed = zstd_compress(text);
    if (s.compressed.size() >= text.size()) s.compressed.clear();
  }
}

std::string stored_shared_text(std::string_view value, bool is_blob) {
  if (!is_blob) return std::string(value);
  auto text = zstd_decompress(value, limits::kMaxTotalTextBytes);
  return text ? std::move(*text) : std::string();
}

std::vector<RawText> decode_raw_metadata(std::string_view blob, const std::function<std::string(const Hash128&)>& lookup,
                                         const PromptTexts& prompts) {
  std::vector<RawText> out;
  if (blob.substr(0, kCompressedTag.size()) == kCompressedTag) {
    auto inner = zstd_decompress(blob.substr(kCompressedTag.size()), kMaxRawBlobBytes);
    if (!inner || inner->substr(0, kTag.size()) != kTag) return out;
    return decode_raw_metadata(*inner, lookup, prompts);
  }
  if (blob.substr(0, kTag.size()) != kTag) return out;
  const std::string_view which[2] = {prompts.prompt, prompts.negative};
  size_t pos = kTag.size();
  while (pos < blob.size()) {
    size_t c_end = blob.find('\0', pos);
    if (c_end == std::string_view::npos) break;
    size_t k_end = blob.find('\0', c_end + 1);
    if (k_end == std::string_view::npos || k_end + 5 > blob.size()) break;
    const uint32_t n = get_u32(blob, k_end + 1);
    size_t text = k_end + 5;
    RawText entry{std::string(blob.substr(c_end + 1, k_end - c_end - 1)), std::string(),
                  std::string(blob.substr(pos, c_end - pos))};
    if (n == kSharedMarker) {  // a shared text, by hash
      if (blob.size() - text < 16) break;
      Hash128 h;
      std::memcpy(h.bytes.data(), blob.data() + text, 16);
      if (lookup) entry.text = lookup(h);
      out.push_back(std::move(entry));
      pos = text + 16;
      continue;
    }
    if (n == kSplicedMarker) {  // literal pieces around the prompts
      bool ok = true;
      while (true) {
        if (blob.size() - text < 5) {
          ok = false;
          break;
        }
        const uint32_t len = get_u32(blob, text);
        text += 4;
        if (len > blob.size() - text - 1) {
          ok = false;
          break;
        }
        entry.text.append(blob.substr(text, len));
        text += len;
        const int k = static_cast<unsigned char>(blob[text++]);
        if (k == 0) break;
        if (k > 2) {
          ok = false;
          break;
        }
        entry.text.append(which[k - 1]);
      }
      if (!ok) break;
      out.push_back(std::move(entry));
      pos = text;
      continue;
    }
    if (n > blob.size() - text) break;
    entry.text = std::string(blob.substr(text, n));
    out.push_back(std::move(entry));
    pos = text + n;
  }
  return out;
}

}  // namespace provena
