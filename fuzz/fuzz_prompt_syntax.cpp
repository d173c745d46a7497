// libFuzzer target: the prompt and query languages typed by users or found in files —
// keyword extraction, template syntax and expansion, and the search-query parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/keywords.h"
#include "core/prompt_template.h"
#include "db/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)provena::extract_keywords(text, {"easynegative"});
  (void)provena::parse_search_query(text);
  if (provena::check_template(text)) {
    provena::PromptTemplate t;
    t.name = "fuzz";
    t.prompt = std::string(text);
    provena::ExpandOptions o;
    o.cap = 64;
    (void)provena::expand_random(t, {{"w", {"a", "b"}}}, o, 4, 1);
  }
  return 0;
}
