#include "core/json_shape.h"

namespace provena {

std::optional<std::string> json_shape_error(std::string_view text, int max_depth, size_t max_values) {
  int depth = 0;
  size_t values = 1;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return "nested deeper than " + std::to_string(max_depth) + " levels";
        ++values;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
        // Every further array element or object member follows a comma.
        if (++values > max_values) return "more than " + std::to_string(max_values) + " values";
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace provena
