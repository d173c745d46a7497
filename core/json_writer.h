// A small, fast JSON writer for the hot paths (ingest stores a record per file). It
// appends to one string with no intermediate tree; nlohmann::json builds a DOM first,
// which profiling showed to cost ~30k instructions per record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace provena {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { separate(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& end_object() { out_ += '}'; first_ = false; return *this; }
  JsonWriter& begin_array() { separate(); out_ += '['; first_ = true; return *this; }
  JsonWriter& end_array() { out_ += ']'; first_ = false; return *this; }
  // A key inside an object; the next value call writes its value.
  JsonWriter& key(std::string_view k) {
    separate();
    append_string(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view s) { separate(); append_string(s); return *this; }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v) { separate(); out_ += std::to_string(v); return *this; }
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(double v);  // shortest round-trip form; non-finite values as null
  JsonWriter& value(bool v) { separate(); out_ += v ? "true" : "false"; return *this; }
  JsonWriter& null() { separate(); out_ += "null"; return *this; }

  // Appends `s` as a JSON string literal; invalid UTF-8 bytes become U+FFFD.
  static void append_string(std::string& out, std::string_view s);

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      first_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  void append_string(std::string_view s) { append_string(out_, s); }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace provena
