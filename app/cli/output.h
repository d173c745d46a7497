// Printing records for people and for scripts.
#pragma once

#include <cstdio>
#include <string>

#include "db/catalog.h"

namespace provena::cli {

// Human-readable block for one entry, like A1111's PNG Info.
void print_entry_text(std::FILE* out, const Entry& e, bool full);
// The CLI contract's JSON object for one entry.
std::string entry_json(const Entry& e, int indent = -1);
// Prints "provena: MESSAGE" to stderr; returns the exit code: 2 for a malformed query
// (the user's input, like a usage error), else 1.
int report_error(const Error& e);

// Shortens text to `max` code points for one-line listings, marking the cut.
std::string one_line(const std::string& text, size_t max);

}  // namespace provena::cli
