// The A1111 "infotext" (PNG `parameters`): prompt, "Negative prompt:" line, and one line
// of "Key: value" parameters. Layout per A1111 processing.create_infotext and
// infotext_utils.parse_generation_parameters (see ../shared/FORMATS.md section 1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/record.h"

namespace provena {

struct Infotext {
  std::string prompt;
  std::optional<std::string> negative_prompt;
  std::vector<std::pair<std::string, std::string>> params;  // unquoted values, file order
};

// Splits infotext into prompt, negative prompt and parameters. Never fails: text that
// does not look like a parameter line stays part of the prompt, as in A1111.
Infotext parse_infotext(std::string_view text);

// Parses one parameter line; values are unquoted (JSON strings decoded), and unquoted
// JSON objects/arrays such as `Hashes: {...}` are kept whole.
std::vector<std::pair<std::string, std::string>> parse_infotext_params(std::string_view line);

// Moves prompt, negative and the well-known parameters into `record`; the other
// parameters go to record.extra in order. (By value: a temporary costs no copy.)
void apply_infotext(Infotext info, Record& record);

// Writes A1111 infotext for a record, including record.extra after the known keys.
std::string format_infotext(const Record& record);

// Formats a number the way Python's str(float) does for typical values ("7.0", "7.25").
std::string format_decimal(double v);

}  // namespace provena
