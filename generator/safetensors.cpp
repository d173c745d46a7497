#include "generator/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/json_shape.h"

namespace provena {
namespace {

using nlohmann::json;

struct DTypeName {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeName kDTypes[] = {
    {DType::kF32, "F32", 4}, {DType::kF64, "F64", 8}, {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
    {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4}, {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},
    {DType::kU8, "U8", 1},   {DType::kBool, "BOOL", 1},
};
// Tensors in one file: a real SDXL checkpoint has ~2,500.
constexpr size_t kMaxTensors = 100000;
constexpr int kMaxRank = 8;

uint64_t read_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

const char* dtype_name(DType d) {
  for (const auto& t : kDTypes)
    if (t.dtype == d) return t.name;
  return "?";
}
size_t dtype_size(DType d) {
  for (const auto& t : kDTypes)
    if (t.dtype == d) return t.size;
  return 0;
}

int64_t TensorInfo::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | exp << 23 | (mant & 0x3FF) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16_to_float(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Result<SafetensorsFile> SafetensorsFile::parse(std::string bytes, const std::string& name) {
  if (bytes.size() < 8) return make_error(name + ": too short for a safetensors header (" + std::to_string(bytes.size()) + " bytes)");
  const uint64_t n = read_le64(reinterpret_cast<const unsigned char*>(bytes.data()));
  if (n > kMaxSafetensorsHeaderBytes) return make_error(name + ": header length " + std::to_string(n) + " is implausibly large");
  if (n > bytes.size() - 8)
    return make_error(name + ": header length " + std::to_string(n) + " runs past the end of the data (" +
                      std::to_string(bytes.size()) + " bytes)");
  auto f = from_header(std::string_view(bytes.data() + 8, n), bytes.size() - 8 - n, name);
  if (f) f->bytes_ = std::move(bytes);
  return f;
}

Result<SafetensorsFile> SafetensorsFile::from_header(std::string_view header, uint64_t data_size, const std::string& name) {
  SafetensorsFile f;
  f.path_ = name;
  auto fail = [&](const std::string& what) { return make_error(name + ": " + what); };
  const uint64_t n = header.size();

  if (auto problem = json_shape_error(header, 8, 1u << 22)) return fail("header: " + *problem);
  json j = json::parse(header, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("header is not a JSON object");
  for (auto& [key, value] : j.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return fail("__metadata__ is not an object");
      for (auto& [k, v] : value.items())
        if (v.is_string()) f.metadata_[k] = v.get<std::string>();
      continue;
    }
    if (f.tensors_.size() >= kMaxTensors) return fail("more than " + std::to_string(kMaxTensors) + " tensors");
    auto bad = [&](const std::string& what) { return fail("tensor '" + key + "': " + what); };
    if (!value.is_object()) return bad("entry is not an object");
    TensorInfo t;
    t.name = key;
    auto dt = value.find("dtype");
    if (dt == value.end() || !dt->is_string()) return bad("no dtype");
    bool known = false;
    for (const auto& d : kDTypes)
      if (*dt == d.name) t.dtype = d.dtype, known = true;
    if (!known) return bad("unsupported dtype " + dt->dump());
    auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array() || shape->size() > kMaxRank) return bad("no shape (an array of sizes)");
    for (auto& d : *shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (1ull << 40)) return bad("shape holds " + d.dump());
      t.shape.push_back(d.get<int64_t>());
    }
    auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
      return bad("no data_offsets [begin, end]");
    t.begin = (*offsets)[0].get<uint64_t>();
    t.end = (*offsets)[1].get<uint64_t>();
    if (t.begin > t.end || t.end > data_size)
      return bad("data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "] outside the " +
                 std::to_string(data_size) + " data bytes");
    // Each size is at most 2^40, but their product can still overflow: check step by step.
    uint64_t bytes_needed = dtype_size(t.dtype);
    for (int64_t d : t.shape) {
      if (d != 0 && bytes_needed > (uint64_t(1) << 62) / static_cast<uint64_t>(d)) return bad("shape is too large");
      bytes_needed *= static_cast<uint64_t>(d);
    }
    if (bytes_needed != t.end - t.begin)
      return bad("shape and dtype need " + std::to_string(bytes_needed) + " bytes, offsets give " +
                 std::to_string(t.end - t.begin));
    f.tensors_.push_back(std::move(t));
  }
  // Tensors must not overlap (the format also forbids holes; tolerated here).
  std::vector<const TensorInfo*> order;
  for (const auto& t : f.tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i]->begin < order[i - 1]->end && order[i]->begin != order[i]->end)
      return fail("tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap");
  std::sort(f.tensors_.begin(), f.tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  f.data_start_ = 8 + n;
  return f;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot open");
  unsigned char len[8];
  if (!in.read(reinterpret_cast<char*>(len), 8)) return make_error(path + ": too short for a safetensors header");
  uint64_t n = read_le64(len);
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (n > kMaxSafetensorsHeaderBytes || n > size - 8)
    return make_error(path + ": header length " + std::to_string(n) + " does not fit the file (" + std::to_string(size) +
                      " bytes)");
  std::string head(n, '\0');
  in.seekg(8);
  in.read(head.data(), static_cast<std::streamsize>(n));
  if (!in) return make_error(path + ": cannot read the header");
  return from_header(head, size - 8 - n, path);
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

Result<std::string> SafetensorsFile::raw(const TensorInfo& t) const {
  const uint64_t n = t.end - t.begin;
  if (!bytes_.empty()) return bytes_.substr(data_start_ + t.begin, n);
  std::ifstream in(path_, std::ios::binary);
  std::string out(n, '\0');
  in.seekg(static_cast<std::streamoff>(data_start_ + t.begin));
  if (!in || !in.read(out.data(), static_cast<std::streamsize>(n)))
    return make_error(path_ + ": cannot read tensor '" + t.name + "' (file changed or truncated?)");
  return out;
}

Result<std::vector<float>> SafetensorsFile::read_f32(const TensorInfo& t) const {
  auto bytes = raw(t);
  if (!bytes) return bytes.error();
  const size_t n = static_cast<size_t>(t.elements());
  std::vector<float> out(n);
  const char* p = bytes->data();
  switch (t.dtype) {
    case DType::kF32: std::memcpy(out.data(), p, n * 4); break;
    case DType::kF64:
      for (size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        out[i] = static_cast<float>(d);
      }
      break;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = t.dtype == DType::kF16 ? half_to_float(h) : bfloat16_to_float(h);
      }
      break;
    default: return make_error(path_ + ": tensor '" + t.name + "' is " + dtype_name(t.dtype) + ", not floating point");
  }
  return out;
}

Result<std::vector<float>> SafetensorsFile::read_f32(std::string_view name) const {
  const TensorInfo* t = find(name);
  if (!t) return make_error(path_ + ": no tensor '" + std::string(name) + "'");
  return read_f32(*t);
}

std::string encode_safetensors(const std::vector<TensorOut>& tensors, const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // the data section starts 8-aligned
  std::string out;
  out.reserve(8 + h.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(uint64_t(h.size()) >> (8 * i)));
  out += h;
  for (const auto& t : tensors) out += t.data;
  return out;
}

TensorOut tensor_f32(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
  TensorOut t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  return t;
}

}  // namespace provena
