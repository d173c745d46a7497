#include "db/raw_metadata.h"

#include <cstdint>
#include <cstring>

namespace provena {

namespace {
constexpr std::string_view kTag = "PRM1";
}

std::string encode_raw_metadata(const std::vector<RawText>& raw, std::vector<SharedText>* shared) {
  size_t total = kTag.size();
  for (const auto& t : raw) total += t.container.size() + t.key.size() + 6 + t.text.size();
  std::string out;
  out.reserve(total);
  out += kTag;
  for (size_t i = 0; i < raw.size(); ++i) {
    const RawText& t = raw[i];
    out += t.container;
    out += '\0';
    out += t.key;
    out += '\0';
    if (shared && t.text.size() >= kSharedTextBytes) {
      Hash128 h = xxh3_128(t.text.data(), t.text.size());
      shared->push_back({h, i});
      out.append(4, '\xFF');
      out.append(reinterpret_cast<const char*>(h.bytes.data()), 16);
      continue;
    }
    uint32_t n = static_cast<uint32_t>(t.text.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
    out += t.text;
  }
  return out;
}

std::vector<RawText> decode_raw_metadata(std::string_view blob, const std::function<std::string(const Hash128&)>& lookup) {
  std::vector<RawText> out;
  if (blob.substr(0, kTag.size()) != kTag) return out;
  size_t pos = kTag.size();
  while (pos < blob.size()) {
    size_t c_end = blob.find('\0', pos);
    if (c_end == std::string_view::npos) break;
    size_t k_end = blob.find('\0', c_end + 1);
    if (k_end == std::string_view::npos || k_end + 5 > blob.size()) break;
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data() + k_end + 1);
    uint32_t n = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    size_t text = k_end + 5;
    if (n == 0xFFFFFFFFu) {  // a shared text, by hash
      if (blob.size() - text < 16) break;
      Hash128 h;
      std::memcpy(h.bytes.data(), blob.data() + text, 16);
      out.push_back({std::string(blob.substr(c_end + 1, k_end - c_end - 1)), lookup ? lookup(h) : std::string(),
                     std::string(blob.substr(pos, c_end - pos))});
      pos = text + 16;
      continue;
    }
    if (n > blob.size() - text) break;
    out.push_back({std::string(blob.substr(c_end + 1, k_end - c_end - 1)), std::string(blob.substr(text, n)),
                   std::string(blob.substr(pos, c_end - pos))});
    pos = text + n;
  }
  return out;
}

}  // namespace provena
