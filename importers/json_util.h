// JSON helpers shared by the readers of JSON-carried formats (internal to importers/).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace provena {

// Deepest nesting accepted in embedded JSON. Generation records are shallow (ComfyUI
// graphs reach ~10); refusing deeper input keeps the recursive parser off the stack limit.
inline constexpr int kMaxImporterJsonDepth = 256;

// Parses `text` (trailing NULs and whitespace tolerated), refusing deep nesting.
Result<nlohmann::json> parse_json_bounded(std::string_view text);

// Values as the tools write them: numbers may come as strings ("seed": "123").
std::optional<std::string> json_string(const nlohmann::json& j, const char* key);
std::optional<int64_t> json_int(const nlohmann::json& j, const char* key);
std::optional<double> json_number(const nlohmann::json& j, const char* key);
std::optional<int64_t> json_to_int(const nlohmann::json& v);
// The same for int fields (steps, sizes): values outside int's range are absent.
std::optional<int> json_int32(const nlohmann::json& j, const char* key);
std::optional<int> json_to_int32(const nlohmann::json& v);
std::optional<double> json_to_number(const nlohmann::json& v);

// A size written as two integers with anything but digits around and between them:
// "768x1024", "1024 x 1024", "(768, 1280)". Values must fit an int (no sscanf: its %d
// overflow is undefined behaviour).
bool parse_size_pair(std::string_view text, int& width, int& height);

}  // namespace provena
