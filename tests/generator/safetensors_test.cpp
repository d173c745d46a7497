#include "generator/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/file_io.h"
#include "tests/generator/fixtures.h"
#include "tests/test_util.h"

namespace provena {
namespace {

std::string with_header(const std::string& json, const std::string& data = "") {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(uint64_t(json.size()) >> (8 * i)));
  return out + json + data;
}

std::string error_of(const std::string& bytes) {
  auto f = SafetensorsFile::parse(bytes, "t.safetensors");
  EXPECT_FALSE(f) << "parsed: " << bytes.substr(8, 80);
  return f ? "" : f.error().message;
}

TEST(Safetensors, RoundTripWithMetadataAndDtypes) {
  std::vector<float> a = {1.5f, -2.25f, 3.0f, 0.0f, 1e-8f, 65504.0f};
  TensorOut half;
  half.name = "h";
  half.dtype = DType::kF16;
  half.shape = {2};
  half.data = std::string("\x00\x3c\x00\xc0", 4);  // 1.0, -2.0
  TensorOut bf;
  bf.name = "b";
  bf.dtype = DType::kBF16;
  bf.shape = {1};
  bf.data = std::string("\x80\x3f", 2);  // 1.0
  std::string bytes = encode_safetensors({tensor_f32("w.weight", {2, 3}, a), half, bf}, {{"format", "pt"}});
  EXPECT_EQ(bytes.size() % 8, (6 * 4 + 4 + 2) % 8);  // header padded: data starts 8-aligned
  auto f = SafetensorsFile::parse(bytes);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->metadata().at("format"), "pt");
  ASSERT_EQ(f->tensors().size(), 3u);
  const TensorInfo* w = f->find("w.weight");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(*f->read_f32("w.weight"), a);
  EXPECT_EQ(*f->read_f32("h"), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(*f->read_f32("b"), (std::vector<float>{1.0f}));
  EXPECT_FALSE(f->find("nope"));
  EXPECT_FALSE(f->read_f32("nope"));
  // The same through a file (data read on demand).
  testing::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir / "m.safetensors", bytes));
  auto g = SafetensorsFile::open(dir / "m.safetensors");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(*g->read_f32("w.weight"), a);
  EXPECT_FALSE(SafetensorsFile::open(dir / "missing.safetensors"));
}

TEST(Safetensors, HalfConversionCoversSpecialValues) {
  EXPECT_EQ(half_to_float(0x7C00), INFINITY);
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x8000), -0.0f);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(Safetensors, MalformedHeadersAreNamedErrors) {
  EXPECT_NE(error_of("abc").find("too short"), std::string::npos);
  EXPECT_NE(error_of(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}").find("implausibly large"), std::string::npos);
  EXPECT_NE(error_of(std::string("\x40\x00\x00\x00\x00\x00\x00\x00", 8) + "{}").find("runs past the end"), std::string::npos);
  EXPECT_NE(error_of(with_header("[1,2]")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(with_header("{\"a\":")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", "1234")).find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "1234")).find("need 8 bytes"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", "1234")).find("outside"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "1234")).find("outside"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "1234")).find("shape holds"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})",
                                 "1234"))
                .find("too large"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
                                 "12345678"))
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(std::string(100000, '[') + std::string(100000, ']'))).find("nested deeper"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32"}})")).find("tensor 'a': no shape"), std::string::npos);
}

TEST(Safetensors, ReadsTheReferenceFixtures) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto f = SafetensorsFile::open(testing::generator_fixture("rng_vectors.safetensors"));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->tensors().size(), 80u);
  const TensorInfo* t = f->find("torch_cpu/seed0/2x3x8x8/full");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3, 8, 8}));
  EXPECT_EQ(t->dtype, DType::kF32);
  auto sum = f->read_f32("torch_cpu/seed0/1x4x64x64/sum_f64");  // F64 read as float
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->size(), 1u);
}

}  // namespace
}  // namespace provena
