#include "generator/noise.h"

#include <torch/torch.h>

#include <cmath>

namespace provena {

const char* noise_source_name(NoiseSource s) { return s == NoiseSource::kCpu ? "cpu" : "philox"; }

std::optional<NoiseSource> parse_noise_source(std::string_view name) {
  if (name == "cpu" || name == "CPU") return NoiseSource::kCpu;
  if (name == "philox" || name == "NV" || name == "GPU") return NoiseSource::kPhilox;
  return std::nullopt;
}

std::vector<float> philox_randn(uint64_t seed, size_t n, uint64_t call) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  // Both constants are exact float32 values; the arithmetic is float64 as numpy does it.
  constexpr double kA = 2.3283064365386963e-10, kB = 1.462918119976564e-09;
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t c0 = static_cast<uint32_t>(call), c1 = 0, c2 = static_cast<uint32_t>(i), c3 = 0;
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = uint64_t(c0) * kM0, p1 = uint64_t(c2) * kM1;
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0, n1 = static_cast<uint32_t>(p1);
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1, n3 = static_cast<uint32_t>(p0);
      c0 = n0, c1 = n1, c2 = n2, c3 = n3;
      if (round < 9) k0 += kW0, k1 += kW1;
    }
    const double u = c0 * kA + kA / 2, v = c1 * kB + kB / 2;
    out[i] = static_cast<float>(std::sqrt(-2.0 * std::log(u)) * std::sin(v));
  }
  return out;
}

struct NoiseGenerator::TorchState {
  at::Generator gen;
};

NoiseGenerator::NoiseGenerator(NoiseSource source, uint64_t seed) : source_(source), seed_(seed) {
  if (source == NoiseSource::kCpu) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    torch_ = std::make_unique<TorchState>(TorchState{gen});
  }
}
NoiseGenerator::~NoiseGenerator() = default;
NoiseGenerator::NoiseGenerator(NoiseGenerator&&) noexcept = default;
NoiseGenerator& NoiseGenerator::operator=(NoiseGenerator&&) noexcept = default;

std::vector<float> NoiseGenerator::randn(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  if (source_ == NoiseSource::kPhilox) return philox_randn(seed_, n, calls_++);
  ++calls_;
  torch::Tensor t = torch::randn(shape, torch_->gen, torch::TensorOptions().dtype(torch::kFloat32));
  t = t.contiguous();
  const float* p = t.data_ptr<float>();
  return std::vector<float>(p, p + n);
}

}  // namespace provena
