#include "generator/noise.h"

#include <gtest/gtest.h>

#include <cstring>

#include "generator/safetensors.h"
#include "tests/generator/fixtures.h"

namespace provena {
namespace {

struct Reference {
  SafetensorsFile file;
  std::vector<float> f32(const std::string& key) {
    auto v = file.read_f32(key);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : std::vector<float>();
  }
  double f64(const std::string& key) {
    auto raw = file.raw(*file.find(key));
    double d = 0;
    std::memcpy(&d, raw->data(), 8);
    return d;
  }
};

Reference load() {
  auto f = SafetensorsFile::open(testing::generator_fixture("rng_vectors.safetensors"));
  EXPECT_TRUE(f) << f.error().message;
  return Reference{std::move(*f)};
}

constexpr uint64_t kSeeds[] = {0, 1, 42, 123456789, 4294967295ull};

std::string key(const char* src, uint64_t seed, const char* shape, const char* what) {
  return std::string(src) + "/seed" + std::to_string(seed) + "/" + shape + "/" + what;
}

// Sum and sum of squares in float64 over the float32 values, as the fixtures define them.
void check_sums(Reference& ref, const char* src, uint64_t seed, const char* shape, const std::vector<float>& v) {
  double sum = 0, sumsq = 0;
  for (float x : v) sum += x, sumsq += double(x) * x;
  EXPECT_NEAR(sum, ref.f64(key(src, seed, shape, "sum_f64")), 1e-12 * std::max(1.0, sumsq)) << shape << " seed " << seed;
  EXPECT_NEAR(sumsq, ref.f64(key(src, seed, shape, "sumsq_f64")), 1e-12 * sumsq) << shape << " seed " << seed;
  std::vector<float> first(v.begin(), v.begin() + 64);
  EXPECT_EQ(first, ref.f32(key(src, seed, shape, "first64"))) << shape << " seed " << seed;
}

TEST(Noise, PhiloxMatchesA1111NvGenerator) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  Reference ref = load();
  for (uint64_t seed : kSeeds) {
    NoiseGenerator g(NoiseSource::kPhilox, seed);
    EXPECT_EQ(g.randn({2, 3, 8, 8}), ref.f32(key("nv_philox", seed, "2x3x8x8", "full"))) << seed;
    EXPECT_EQ(g.randn({2, 3, 8, 8}), ref.f32(key("nv_philox", seed, "2x3x8x8", "second_call"))) << seed;
    check_sums(ref, "nv_philox", seed, "1x4x64x64", philox_randn(seed, 4 * 64 * 64));
    check_sums(ref, "nv_philox", seed, "1x16x128x128", philox_randn(seed, 16 * 128 * 128));
  }
}

TEST(Noise, CpuMatchesTorchCpuGenerator) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  Reference ref = load();
  for (uint64_t seed : kSeeds) {
    NoiseGenerator g(NoiseSource::kCpu, seed);
    EXPECT_EQ(g.randn({2, 3, 8, 8}), ref.f32(key("torch_cpu", seed, "2x3x8x8", "full"))) << seed;
    EXPECT_EQ(g.randn({2, 3, 8, 8}), ref.f32(key("torch_cpu", seed, "2x3x8x8", "second_draw"))) << seed;
    check_sums(ref, "torch_cpu", seed, "1x4x64x64", NoiseGenerator(NoiseSource::kCpu, seed).randn({1, 4, 64, 64}));
    check_sums(ref, "torch_cpu", seed, "1x16x128x128", NoiseGenerator(NoiseSource::kCpu, seed).randn({1, 16, 128, 128}));
  }
}

TEST(Noise, NamesAndDeterminism) {
  EXPECT_EQ(parse_noise_source("NV"), NoiseSource::kPhilox);
  EXPECT_EQ(parse_noise_source("GPU"), NoiseSource::kPhilox);
  EXPECT_EQ(parse_noise_source("CPU"), NoiseSource::kCpu);
  EXPECT_FALSE(parse_noise_source("quantum"));
  EXPECT_STREQ(noise_source_name(NoiseSource::kPhilox), "philox");
  for (NoiseSource s : {NoiseSource::kCpu, NoiseSource::kPhilox}) {
    NoiseGenerator a(s, 7), b(s, 7), c(s, 8);
    auto x = a.randn({1, 4, 8, 8});
    EXPECT_EQ(x, b.randn({1, 4, 8, 8}));
    EXPECT_NE(x, c.randn({1, 4, 8, 8}));
    EXPECT_NE(x, a.randn({1, 4, 8, 8}));  // the next draw differs
  }
}

}  // namespace
}  // namespace provena
