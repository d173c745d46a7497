#include "db/fts_text.h"

#include "core/text.h"

namespace provena {

std::string fts_index_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {  // fast path: ASCII runs are copied as they are
      size_t end = i + 1;
      while (end < text.size() && static_cast<unsigned char>(text[end]) < 0x80) ++end;
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    size_t start = i;
    char32_t cp = next_code_point(text, i);
    if (is_cjk(cp)) {
      out.push_back(' ');
      out.append(text.substr(start, i - start));
      out.push_back(' ');
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string fts_phrase(std::string_view term) {
  std::string norm = fts_index_text(term);
  bool any = false;
  for (unsigned char c : norm)
    if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) any = true;
  if (!any) return {};
  std::string out = "\"";
  for (char c : norm) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

}  // namespace provena
