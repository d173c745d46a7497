// The safetensors format, read and written without torch: an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {str: str}}, then the raw little-endian row-major tensor data
// (offsets count from the first byte after the header).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace provena {

enum class DType { kF32, kF64, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };
const char* dtype_name(DType d);  // as safetensors spells it: "F32", "BF16", ...
size_t dtype_size(DType d);

// A header larger than this is not a checkpoint's (SD 1.5 has ~1,100 tensors in ~130 KB).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 64ull << 20;

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets in the data section
  int64_t elements() const;
};

class SafetensorsFile {
 public:
  // Reads and checks the header; tensor data is read on demand. Errors name the file
  // and what is wrong (header size, JSON, a tensor's dtype/shape/offsets).
  static Result<SafetensorsFile> open(const std::string& path);
  // The same checks over bytes in memory (`name` is used in messages).
  static Result<SafetensorsFile> parse(std::string bytes, const std::string& name = "safetensors data");

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* find(std::string_view name) const;

  Result<std::string> raw(const TensorInfo& t) const;
  // Any floating dtype, converted to float32.
  Result<std::vector<float>> read_f32(const TensorInfo& t) const;
  Result<std::vector<float>> read_f32(std::string_view name) const;

 private:
  static Result<SafetensorsFile> from_header(std::string_view header, uint64_t data_size, const std::string& name);
  std::string path_;
  std::string bytes_;        // the whole file when parsed from memory; empty when opened
  uint64_t data_start_ = 0;  // offset of the data section in the file
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

struct TensorOut {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::string data;  // little-endian bytes, elements * dtype_size
};
// Tensors in the order given; `metadata` becomes "__metadata__".
std::string encode_safetensors(const std::vector<TensorOut>& tensors,
                               const std::map<std::string, std::string>& metadata = {});
TensorOut tensor_f32(std::string name, std::vector<int64_t> shape, const std::vector<float>& values);

float half_to_float(uint16_t h);
float bfloat16_to_float(uint16_t b);

}  // namespace provena
