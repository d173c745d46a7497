// EXIF / TIFF: IFD0 and the Exif sub-IFD, the fields generators use for metadata.
#include <cstdint>
#include <cstring>

#include "core/text.h"
#include "importers/container.h"

namespace provena {
namespace {

// A real IFD has tens of entries; thousands mean a hostile or corrupt file.
constexpr uint32_t kMaxIfdEntries = 1024;

struct Tiff {
  std::string_view data;
  bool little = true;
  uint16_t u16(size_t off) const {
    auto p = reinterpret_cast<const uint8_t*>(data.data()) + off;
    return little ? uint16_t(p[0] | p[1] << 8) : uint16_t(p[0] << 8 | p[1]);
  }
  uint32_t u32(size_t off) const {
    auto p = reinterpret_cast<const uint8_t*>(data.data()) + off;
    return little ? uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24
                  : uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
  }
};

const char* tag_name(uint16_t tag) {
  switch (tag) {
    case 0x010D: return "exif:DocumentName";
    case 0x010E: return "exif:ImageDescription";
    case 0x010F: return "exif:Make";
    case 0x0110: return "exif:Model";
    case 0x0131: return "exif:Software";
    case 0x013B: return "exif:Artist";
    case 0x9286: return "exif:UserComment";
    case 0x927C: return "exif:MakerNote";
    default: return nullptr;
  }
}

std::string strip_trailing_nuls(std::string_view s) {
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return std::string(s);
}

std::string as_text(std::string_view raw) {
  std::string s = strip_trailing_nuls(raw);
  return is_valid_utf8(s) ? s : latin1_to_utf8(s);
}

}  // namespace

std::string decode_user_comment(std::string_view v) {
  if (v.size() >= 8 && std::memcmp(v.data(), "UNICODE\0", 8) == 0) {
    std::string_view u = v.substr(8);
    bool little;
    if (u.size() >= 2 && uint8_t(u[0]) == 0xFF && uint8_t(u[1]) == 0xFE) {
      little = true;
      u.remove_prefix(2);
    } else if (u.size() >= 2 && uint8_t(u[0]) == 0xFE && uint8_t(u[1]) == 0xFF) {
      little = false;
      u.remove_prefix(2);
    } else {
      // Mostly-ASCII text has its zero bytes at odd offsets in UTF-16LE, even in BE.
      size_t zero_even = 0, zero_odd = 0;
      for (size_t i = 0; i + 1 < u.size(); i += 2) {
        zero_even += u[i] == 0;
        zero_odd += u[i + 1] == 0;
      }
      little = zero_odd > zero_even;
    }
    std::string out;
    out.reserve(u.size() / 2);
    for (size_t i = 0; i + 1 < u.size(); i += 2) {
      char32_t unit = little ? char32_t(uint8_t(u[i]) | uint8_t(u[i + 1]) << 8)
                             : char32_t(uint8_t(u[i]) << 8 | uint8_t(u[i + 1]));
      if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < u.size()) {
        char32_t lo = little ? char32_t(uint8_t(u[i + 2]) | uint8_t(u[i + 3]) << 8)
                             : char32_t(uint8_t(u[i + 2]) << 8 | uint8_t(u[i + 3]));
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          unit = 0x10000 + ((unit - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        }
      }
      if (unit == 0 && i + 2 >= u.size()) break;  // trailing NUL
      append_utf8(out, (unit >= 0xD800 && unit <= 0xDFFF) ? 0xFFFD : unit);
    }
    return out;
  }
  if (v.size() >= 8 && (std::memcmp(v.data(), "ASCII\0\0\0", 8) == 0 || std::memcmp(v.data(), "\0\0\0\0\0\0\0\0", 8) == 0 ||
                        std::memcmp(v.data(), "JIS\0\0\0\0\0", 8) == 0))
    return as_text(v.substr(8));
  return as_text(v);  // no charset prefix (e.g. SaveImage-Plus writes plain ASCII)
}

Status read_exif(std::string_view data, std::vector<RawText>& out) {
  if (data.size() < 8) return make_error("EXIF block too short");
  Tiff t{data};
  if (data.substr(0, 2) == "II") t.little = true;
  else if (data.substr(0, 2) == "MM") t.little = false;
  else return make_error("EXIF block has no TIFF byte-order mark");
  if (t.u16(2) != 42) return make_error("EXIF block has a bad TIFF magic number");
  uint32_t ifd0 = t.u32(4);
  uint32_t exif_ifd = 0;
  // IFD0, then the Exif sub-IFD; each visited once, so offset loops cannot recur.
  for (int pass = 0; pass < 2; ++pass) {
    uint32_t off = pass == 0 ? ifd0 : exif_ifd;
    if (pass == 1 && (exif_ifd == 0 || exif_ifd == ifd0)) break;
    if (off < 8 || off > data.size() - 2) return make_error("EXIF IFD offset " + std::to_string(off) + " lies outside the block");
    uint32_t count = t.u16(off);
    if (count > kMaxIfdEntries) return make_error("EXIF IFD claims " + std::to_string(count) + " entries");
    if (size_t(off) + 2 + size_t(count) * 12 > data.size()) return make_error("EXIF IFD runs past the end of the block");
    for (uint32_t i = 0; i < count; ++i) {
      size_t e = off + 2 + size_t(i) * 12;
      uint16_t tag = t.u16(e), type = t.u16(e + 2);
      uint32_t n = t.u32(e + 4);
      if (tag == 0x8769 && pass == 0) {
        exif_ifd = t.u32(e + 8);
        continue;
      }
      const char* name = tag_name(tag);
      if (!name) continue;
      if (type != 2 && type != 7 && type != 1) continue;  // ASCII, UNDEFINED, BYTE
      size_t size = n;                                    // all three are 1 byte per value
      size_t value_off = size <= 4 ? e + 8 : t.u32(e + 8);
      if (value_off > data.size() || size > data.size() - value_off) continue;  // points outside: skip the field
      std::string_view raw = data.substr(value_off, size);
      std::string text = tag == 0x9286 ? decode_user_comment(raw) : as_text(raw);
      out.push_back({name, std::move(text), "exif"});
    }
  }
  return Ok{};
}

}  // namespace provena
