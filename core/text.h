// Small UTF-8 helpers shared by readers and writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provena {

// PNG tEXt/zTXt carry Latin-1; the rest of Provena speaks UTF-8.
std::string latin1_to_utf8(std::string_view latin1);

// The Latin-1 bytes for a UTF-8 string whose code points are all <= U+00FF, else nullopt
// (such text must go into an iTXt chunk).
std::optional<std::string> utf8_to_latin1(std::string_view utf8);

bool is_valid_utf8(std::string_view s);

// Decodes one code point at s[i], advancing i; invalid bytes yield U+FFFD and advance one.
char32_t next_code_point(std::string_view s, size_t& i);
void append_utf8(std::string& out, char32_t cp);

// Han, kana and Hangul: scripts written without spaces between words, which the
// full-text index splits per character so substrings can be found.
bool is_cjk(char32_t cp);

// A unix time in UTC through strftime's `format` ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", ...).
std::string format_utc(int64_t unix_seconds, const char* format);

}  // namespace provena
