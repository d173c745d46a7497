// A1111 / Forge / reForge / SD.Next infotext in the `parameters` text item
// (../shared/FORMATS.md section 1). Other tools reuse `parameters` for JSON; those are
// left to their own readers.
#include "core/infotext.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_a1111(const std::vector<RawText>& texts) {
  const RawText* p = find_text(texts, "parameters");
  if (!p) return false;
  size_t i = p->text.find_first_not_of(" \t\r\n");
  return i != std::string::npos && p->text[i] != '{';
}

Result<Record> read_a1111(const std::vector<RawText>& texts) {
  Record r;
  r.tool = "a1111";
  apply_infotext(parse_infotext(find_text(texts, "parameters")->text), r);
  return r;
}

}  // namespace provena
