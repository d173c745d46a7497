// A linear pre-check of JSON nesting and size before handing text to nlohmann::json.
// nlohmann's recursive parser would overflow the stack on deep input, and its
// depth-limiting parser callback rescans parents at each closing bracket (quadratic:
// 300 KB of `[{},{},...]` took 6 s), so hostile input is refused here in one pass.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace provena {

// nullopt when `text` nests at most `max_depth` levels and holds at most `max_values`
// values (counted by brackets and commas outside strings); else what is wrong.
std::optional<std::string> json_shape_error(std::string_view text, int max_depth, size_t max_values);

}  // namespace provena
