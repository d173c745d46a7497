// C2PA manifest store reader (../shared/FORMATS.md section 7): a bounded JUMBF box walker
// (ISO/IEC 19566-5 boxes) and a bounded CBOR decoder (RFC 8949), just enough to read the
// claim generator and the actions. Nothing is validated: no signatures, no hashes.
#include "importers/c2pa.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "core/text.h"

namespace provena {
namespace {

// A C2PA store nests store > manifest > assertion store > assertion: four superbox levels
// (ingredient manifests are siblings in the store, not children). 16 leaves room for
// writers that nest further while keeping the recursive walk shallow.
constexpr int kMaxBoxDepth = 16;
// Real stores hold tens of boxes, a few hundred with many ingredients. Every box costs a
// node in memory, so a store packed with millions of empty 8-byte boxes is refused.
constexpr size_t kMaxBoxes = 10000;
// Claims and actions nest maps and arrays about five deep; 64 (the embedded-JSON bound)
// keeps the recursive decoder's stack small whatever the input says.
constexpr int kMaxCborDepth = 64;
// Data items in one CBOR document (one claim or one assertion). Real ones hold at most a
// few thousand; each decoded item costs about 100 bytes, so this caps a document's tree
// near 10 MiB even when a large box is packed with one-byte items.
constexpr size_t kMaxCborItems = 100000;
// Longest label or box type quoted in an error message.
constexpr size_t kMaxQuotedChars = 80;

// JUMBF description-box toggle bit: a NUL-terminated label follows the toggles byte.
constexpr uint8_t kJumdLabelPresent = 0x02;
// UUID(16) + toggles(1), the fixed start of a description box.
constexpr size_t kJumdFixedBytes = 17;

uint32_t be32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

uint64_t be64(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Box types and labels come from the file; keep error messages printable and short.
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kMaxQuotedChars; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  if (s.size() > kMaxQuotedChars) out += "...";
  return out + "'";
}

// Text from the file is not trusted to be UTF-8; invalid bytes become U+FFFD.
std::string to_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) append_utf8(out, next_code_point(s, i));
  return out;
}

// ---------------------------------------------------------------------------------------
// JUMBF

struct JumbfBox {
  std::string type;          // four-character code
  size_t offset = 0;         // of the box header within the store, for messages
  std::string_view payload;  // the bytes after the header
  // Superboxes ('jumb') only: UUID and label from the description box, then the boxes
  // that follow it.
  std::string uuid;
  std::string label;
  std::vector<JumbfBox> children;

  bool is_superbox() const { return type == "jumb"; }
  // C2PA UUIDs start with four ASCII bytes naming the kind ("c2pa", "c2ma", "cbor", ...)
  // followed by the fixed suffix 0011-0010-8000-00AA00389B71; the prefix is enough to
  // tell them apart, and not insisting on the suffix tolerates sloppy writers.
  std::string_view uuid_tag() const { return std::string_view(uuid).substr(0, 4); }
};

class JumbfReader {
 public:
  explicit JumbfReader(std::string_view store) : store_(store) {}

  // The store's first box with everything inside it; bytes after it are ignored.
  Result<JumbfBox> read_root() {
    JumbfBox root;
    size_t next = 0;
    Status s = read_box(0, store_.size(), 0, root, next);
    if (!s) return s.error();
    return root;
  }

 private:
  // Reads the box at `pos`, which must end by `end`; `next` receives the offset after it.
  Status read_box(size_t pos, size_t end, int depth, JumbfBox& box, size_t& next) {
    if (++boxes_ > kMaxBoxes) {
      return make_error("C2PA: more than " + std::to_string(kMaxBoxes) + " JUMBF boxes");
    }
    const size_t left = end - pos;
    if (left < 8) {
      return make_error("C2PA: " + std::to_string(left) + " stray bytes at offset " +
                        std::to_string(pos) + ", too few for a box header");
    }
    const uint32_t lbox = be32(store_, pos);
    box.type = std::string(store_.substr(pos + 4, 4));
    box.offset = pos;
    const std::string where = "C2PA: box " + quoted(box.type) + " at offset " + std::to_string(pos);
    uint64_t size = lbox;
    size_t header = 8;
    if (lbox == 1) {  // the real length follows as a 64-bit XLBox
      if (left < 16) {
        return make_error(where + " has a 64-bit length but only " + std::to_string(left) +
                          " bytes are left");
      }
      size = be64(store_, pos + 8);
      header = 16;
    } else if (lbox == 0) {  // the box runs to the end of its container
      size = left;
    }
    if (size < header) {
      return make_error(where + " claims " + std::to_string(size) + " bytes, less than its " +
                        std::to_string(header) + "-byte header");
    }
    if (size > left) {
      return make_error(where + " claims " + std::to_string(size) + " bytes, only " +
                        std::to_string(left) + " left");
    }
    box.payload = store_.substr(pos + header, size_t(size) - header);
    next = pos + size_t(size);
    if (!box.is_superbox()) return Ok{};
    if (depth >= kMaxBoxDepth) {
      return make_error(where + " is nested deeper than " + std::to_string(kMaxBoxDepth) +
                        " superbox levels");
    }
    return read_children(box, pos + header, next, depth + 1);
  }

  // A superbox's contents: a description box ('jumd') first, then any boxes.
  Status read_children(JumbfBox& super, size_t begin, size_t end, int depth) {
    if (begin == end) {
      return make_error("C2PA: superbox at offset " + std::to_string(super.offset) +
                        " is empty (no description box 'jumd')");
    }
    size_t pos = begin;
    bool first = true;
    while (pos < end) {
      JumbfBox child;
      size_t next = 0;
      Status s = read_box(pos, end, depth, child, next);
      if (!s) return s;
      if (first) {
        if (child.type != "jumd") {
          return make_error("C2PA: superbox at offset " + std::to_string(super.offset) +
                            " starts with box " + quoted(child.type) +
                            " instead of a description box 'jumd'");
        }
        Status d = read_description(super, child);
        if (!d) return d;
        first = false;
      } else {
        super.children.push_back(std::move(child));
      }
      pos = next;
    }
    return Ok{};
  }

  // jumd: UUID(16) toggles(1), then a NUL-terminated UTF-8 label when toggles & 0x02
  // (further optional fields - ID, signature, private box - are not needed here).
  static Status read_description(JumbfBox& super, const JumbfBox& jumd) {
    const std::string_view p = jumd.payload;
    if (p.size() < kJumdFixedBytes) {
      return make_error("C2PA: description box at offset " + std::to_string(jumd.offset) + " is " +
                        std::to_string(p.size()) + " bytes, needs at least " +
                        std::to_string(kJumdFixedBytes) + " (UUID and toggles)");
    }
    super.uuid = std::string(p.substr(0, 16));
    const auto toggles = static_cast<uint8_t>(p[16]);
    if (toggles & kJumdLabelPresent) {
      const std::string_view rest = p.substr(kJumdFixedBytes);
      const size_t nul = rest.find('\0');
      if (nul == std::string_view::npos) {
        return make_error("C2PA: label of description box at offset " + std::to_string(jumd.offset) +
                          " is not NUL-terminated");
      }
      super.label = std::string(rest.substr(0, nul));
    }
    return Ok{};
  }

  std::string_view store_;
  size_t boxes_ = 0;
};

// ---------------------------------------------------------------------------------------
// CBOR

// A decoded data item. Tags are dropped (their content stands in for them): nothing read
// here depends on a tag, and C2PA uses them only for dates and COSE structures.
struct CborValue {
  enum class Type : uint8_t { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kFloat, kSimple };
  Type type = Type::kSimple;
  uint64_t number = 0;  // unsigned value, negative n meaning -1-n, or simple value
  double real = 0;
  std::string bytes;              // byte or text string
  std::vector<CborValue> items;   // array items; map keys and values alternating

  bool is_text() const { return type == Type::kText; }
  bool is_map() const { return type == Type::kMap; }
  bool is_array() const { return type == Type::kArray; }

  // The value of the first text key `key` of a map, else nullptr.
  const CborValue* find(std::string_view key) const {
    if (!is_map()) return nullptr;
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
      if (items[i].is_text() && items[i].bytes == key) return &items[i + 1];
    }
    return nullptr;
  }

  std::optional<std::string> text_at(std::string_view key) const {
    const CborValue* v = find(key);
    if (!v || !v->is_text()) return std::nullopt;
    return to_utf8(v->bytes);
  }
};

// IEEE 754 half precision (RFC 8949 appendix D).
double half_to_double(uint16_t h) {
  const int exponent = (h >> 10) & 0x1F;
  const int mantissa = h & 0x3FF;
  double v;
  if (exponent == 0) {
    v = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    v = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    v = mantissa == 0 ? HUGE_VAL : std::nan("");
  }
  return (h & 0x8000) ? -v : v;
}

class CborDecoder {
 public:
  explicit CborDecoder(std::string_view data) : data_(data) {}

  // The first data item; bytes after it are ignored.
  Result<CborValue> decode() {
    CborValue v;
    Status s = read_item(v, 0);
    if (!s) return s.error();
    return v;
  }

 private:
  static constexpr uint8_t kBreak = 0xFF;
  static constexpr uint8_t kIndefinite = 31;

  Error fail(const std::string& what) const {
    return make_error("CBOR " + what + " at byte " + std::to_string(pos_));
  }

  size_t left() const { return data_.size() - pos_; }

  // The argument that follows an initial byte with additional information `info` < 28.
  Status read_argument(uint8_t info, uint64_t& arg) {
    if (info < 24) {
      arg = info;
      return Ok{};
    }
    if (info > 27) return fail("reserved additional information " + std::to_string(info));
    const size_t n = size_t(1) << (info - 24);  // 1, 2, 4 or 8 bytes
    if (left() < n) return fail("argument of " + std::to_string(n) + " bytes truncated");
    arg = 0;
    for (size_t i = 0; i < n; ++i) arg = (arg << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += n;
    return Ok{};
  }

  Status count_item() {
    if (++items_ > kMaxCborItems) return fail("has more than " + std::to_string(kMaxCborItems) + " items");
    return Ok{};
  }

  Status read_item(CborValue& out, int depth) {
    if (depth > kMaxCborDepth) return fail("nested deeper than " + std::to_string(kMaxCborDepth) + " levels");
    if (Status s = count_item(); !s) return s;
    if (left() == 0) return fail("truncated: item expected");
    const auto initial = static_cast<uint8_t>(data_[pos_]);
    const int major = initial >> 5;
    const uint8_t info = initial & 0x1F;
    if (initial == kBreak) return fail("break outside an indefinite-length item");
    ++pos_;
    if (major == 7) return read_simple(out, info);
    if (info == kIndefinite) {
      switch (major) {
        case 2: case 3: return read_chunked_string(out, major);
        case 4: return read_indefinite_container(out, CborValue::Type::kArray, depth);
        case 5: return read_indefinite_container(out, CborValue::Type::kMap, depth);
        default: return fail("indefinite length for major type " + std::to_string(major));
      }
    }
    uint64_t arg = 0;
    if (Status s = read_argument(info, arg); !s) return s;
    switch (major) {
      case 0:
        out.type = CborValue::Type::kUnsigned;
        out.number = arg;
        return Ok{};
      case 1:
        out.type = CborValue::Type::kNegative;
        out.number = arg;
        return Ok{};
      case 2:
      case 3:
        if (arg > left()) {
          return fail("string of " + std::to_string(arg) + " bytes with only " + std::to_string(left()) + " left");
        }
        out.type = major == 2 ? CborValue::Type::kBytes : CborValue::Type::kText;
        out.bytes.assign(data_.substr(pos_, size_t(arg)));
        pos_ += size_t(arg);
        return Ok{};
      case 4:
      case 5: {
        // Every item takes at least one byte, so a count beyond the bytes left is a lie
        // and fails at once. Items are appended as they are read, never allocated from the
        // count, so memory follows what the input really holds.
        const uint64_t per_entry = major == 4 ? 1 : 2;
        if (arg > left() / per_entry) {
          return fail((major == 4 ? "array of " : "map of ") + std::to_string(arg) + " entries with only " +
                      std::to_string(left()) + " bytes left");
        }
        out.type = major == 4 ? CborValue::Type::kArray : CborValue::Type::kMap;
        const size_t n = size_t(arg * per_entry);
        for (size_t i = 0; i < n; ++i) {
          out.items.emplace_back();
          if (Status s = read_item(out.items.back(), depth + 1); !s) return s;
        }
        return Ok{};
      }
      case 6:  // tag: keep only the content
        return read_item(out, depth + 1);
      default:
        return fail("unknown major type");  // unreachable: major is 3 bits
    }
  }

  Status read_simple(CborValue& out, uint8_t info) {
    if (info < 24) {
      out.type = CborValue::Type::kSimple;  // 20 false, 21 true, 22 null, 23 undefined
      out.number = info;
      return Ok{};
    }
    if (info == 24) {
      if (left() < 1) return fail("simple value truncated");
      out.type = CborValue::Type::kSimple;
      out.number = static_cast<unsigned char>(data_[pos_++]);
      return Ok{};
    }
    if (info > 27) return fail("reserved additional information " + std::to_string(info));
    uint64_t bits = 0;
    if (Status s = read_argument(info, bits); !s) return s;
    out.type = CborValue::Type::kFloat;
    if (info == 25) {
      out.real = half_to_double(static_cast<uint16_t>(bits));
    } else if (info == 26) {
      float f;
      const auto b32 = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b32, sizeof f);
      out.real = f;
    } else {
      std::memcpy(&out.real, &bits, sizeof out.real);
    }
    return Ok{};
  }

  // Indefinite-length byte/text string: definite-length chunks of the same major type
  // up to a break byte (RFC 8949 3.2.3). The total is bounded by the input size.
  Status read_chunked_string(CborValue& out, int major) {
    out.type = major == 2 ? CborValue::Type::kBytes : CborValue::Type::kText;
    for (;;) {
      if (left() == 0) return fail("indefinite-length string without a break");
      const auto initial = static_cast<uint8_t>(data_[pos_]);
      if (initial == kBreak) {
        ++pos_;
        return Ok{};
      }
      if (Status s = count_item(); !s) return s;
      if ((initial >> 5) != major || (initial & 0x1F) == kIndefinite) {
        return fail("chunk of an indefinite-length string is not a definite string of the same type");
      }
      ++pos_;
      uint64_t len = 0;
      if (Status s = read_argument(initial & 0x1F, len); !s) return s;
      if (len > left()) {
        return fail("string chunk of " + std::to_string(len) + " bytes with only " + std::to_string(left()) + " left");
      }
      out.bytes.append(data_.substr(pos_, size_t(len)));
      pos_ += size_t(len);
    }
  }

  Status read_indefinite_container(CborValue& out, CborValue::Type type, int depth) {
    out.type = type;
    for (;;) {
      if (left() == 0) return fail("indefinite-length container without a break");
      if (static_cast<uint8_t>(data_[pos_]) == kBreak) {
        ++pos_;
        if (type == CborValue::Type::kMap && out.items.size() % 2 != 0) return fail("map key without a value");
        return Ok{};
      }
      out.items.emplace_back();
      if (Status s = read_item(out.items.back(), depth + 1); !s) return s;
    }
  }

  std::string_view data_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

// ---------------------------------------------------------------------------------------
// C2PA

struct Action {
  std::optional<std::string> name;
  std::optional<std::string> digital_source_type;
};

// The first content box of type `type` in a superbox.
const JumbfBox* first_content(const JumbfBox& super, std::string_view type) {
  for (const JumbfBox& c : super.children) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

// The first child superbox with UUID kind `uuid_tag` or label `label`.
const JumbfBox* find_superbox(const JumbfBox& parent, std::string_view uuid_tag, std::string_view label) {
  for (const JumbfBox& c : parent.children) {
    if (c.is_superbox() && (c.uuid_tag() == uuid_tag || c.label == label)) return &c;
  }
  return nullptr;
}

// C2PA labels repeated assertions with an instance suffix: "c2pa.actions__1".
bool label_is(std::string_view label, std::string_view base) {
  if (label.substr(0, base.size()) != base) return false;
  std::string_view rest = label.substr(base.size());
  if (rest.empty()) return true;
  if (rest.substr(0, 2) != "__" || rest.size() == 2) return false;
  for (char c : rest.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_manifest(const JumbfBox& b) {
  // "c2ma" standard manifest, "c2um" update manifest.
  return b.is_superbox() && (b.uuid_tag() == "c2ma" || b.uuid_tag() == "c2um");
}

std::string describe(const JumbfBox& manifest) { return "manifest " + quoted(manifest.label); }

Result<CborValue> decode_cbor(const JumbfBox& content, const std::string& what) {
  Result<CborValue> v = CborDecoder(content.payload).decode();
  if (!v) {
    return make_error("C2PA: " + what + " (box at offset " + std::to_string(content.offset) + "): " +
                      v.error().message);
  }
  return v;
}

// The actions of every actions assertion of a manifest, in store order. Content that is
// merely odd (not a map, no "actions" list) yields nothing; undecodable CBOR is an error.
Result<std::vector<Action>> read_actions(const JumbfBox& manifest) {
  std::vector<Action> actions;
  const JumbfBox* store = find_superbox(manifest, "c2as", "c2pa.assertions");
  if (!store) return actions;
  for (const JumbfBox& assertion : store->children) {
    if (!assertion.is_superbox()) continue;
    if (!label_is(assertion.label, "c2pa.actions") && !label_is(assertion.label, "c2pa.actions.v2")) continue;
    const JumbfBox* content = first_content(assertion, "cbor");
    if (!content) continue;
    Result<CborValue> doc = decode_cbor(*content, "assertion " + quoted(assertion.label) + " of " + describe(manifest));
    if (!doc) return doc.error();
    const CborValue* list = doc->find("actions");
    if (!list || !list->is_array()) continue;
    for (const CborValue& entry : list->items) {
      if (!entry.is_map()) continue;
      actions.push_back(Action{entry.text_at("action"), entry.text_at("digitalSourceType")});
    }
  }
  return actions;
}

// claim_generator (claim v1), else claim_generator_info.name (v2; the first entry when a
// list, as v1 writes it next to claim_generator).
std::string claim_generator_of(const CborValue& claim) {
  if (auto g = claim.text_at("claim_generator")) return *g;
  const CborValue* info = claim.find("claim_generator_info");
  if (info && info->is_array() && !info->items.empty()) info = &info->items.front();
  if (info) {
    if (auto name = info->text_at("name")) return *name;
  }
  return {};
}

std::optional<std::string> created_source_type(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (a.name == "c2pa.created" && a.digital_source_type) return a.digital_source_type;
  }
  return std::nullopt;
}

Result<C2paClaim> read_store(std::string_view jumbf) {
  if (jumbf.empty()) return make_error("C2PA: manifest store is empty");
  Result<JumbfBox> root = JumbfReader(jumbf).read_root();
  if (!root) return root.error();
  if (!root->is_superbox()) {
    return make_error("C2PA: manifest store starts with box " + quoted(root->type) + ", not a 'jumb' superbox");
  }
  if (root->uuid_tag() != "c2pa") {
    return make_error("C2PA: superbox " + quoted(root->label) + " is not a manifest store (its UUID does not start with 'c2pa')");
  }
  std::vector<const JumbfBox*> manifests;
  for (const JumbfBox& c : root->children) {
    if (is_manifest(c)) manifests.push_back(&c);
  }
  if (manifests.empty()) return make_error("C2PA: manifest store holds no manifest ('c2ma' superbox)");

  // The active manifest is the last one; earlier ones are ingredients.
  const JumbfBox& active = *manifests.back();
  const JumbfBox* claim_box = find_superbox(active, "c2cl", "c2pa.claim");
  if (!claim_box) claim_box = find_superbox(active, "c2cl", "c2pa.claim.v2");
  if (!claim_box) return make_error("C2PA: active " + describe(active) + " has no claim ('c2cl' superbox)");
  const JumbfBox* claim_content = first_content(*claim_box, "cbor");
  if (!claim_content) {
    return make_error("C2PA: claim " + quoted(claim_box->label) + " of " + describe(active) + " has no 'cbor' box");
  }
  Result<CborValue> claim_doc = decode_cbor(*claim_content, "claim " + quoted(claim_box->label) + " of " + describe(active));
  if (!claim_doc) return claim_doc.error();
  if (!claim_doc->is_map()) {
    return make_error("C2PA: claim " + quoted(claim_box->label) + " of " + describe(active) + " is not a CBOR map");
  }

  C2paClaim claim;
  // A claim without a generator is odd but not corrupt: the actions are still worth having.
  claim.claim_generator = claim_generator_of(*claim_doc);

  Result<std::vector<Action>> active_actions = read_actions(active);
  if (!active_actions) return active_actions.error();
  for (const Action& a : *active_actions) {
    if (a.name) claim.actions.push_back(*a.name);
  }

  claim.digital_source_type = created_source_type(*active_actions);
  // AI markers may sit only in an ingredient manifest (a watermarking step re-signs the
  // image): search earlier manifests, newest first. An unreadable ingredient only loses
  // what it would have added, so its errors are not fatal.
  for (size_t i = manifests.size() - 1; !claim.digital_source_type && i-- > 0;) {
    Result<std::vector<Action>> earlier = read_actions(*manifests[i]);
    if (earlier) claim.digital_source_type = created_source_type(*earlier);
  }
  if (!claim.digital_source_type) {
    for (const Action& a : *active_actions) {
      if (a.digital_source_type) {
        claim.digital_source_type = a.digital_source_type;
        break;
      }
    }
  }
  return claim;
}

}  // namespace

Result<C2paClaim> read_c2pa_manifest_store(std::string_view jumbf) {
  try {
    return read_store(jumbf);
  } catch (const std::exception& e) {  // e.g. std::bad_alloc; never let it escape a reader
    return make_error(std::string("C2PA: manifest store could not be read: ") + e.what());
  }
}

}  // namespace provena
