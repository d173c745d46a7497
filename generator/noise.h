// Noise sources: where the initial latent noise (and an ancestral sampler's fresh
// noise) comes from. Named and recorded with every image, and always drawn on the CPU
// and then moved, so a seed gives the same noise on every device.
//   cpu     the torch CPU generator's randn stream (what ComfyUI and diffusers' CPU
//           generator give; A1111 "RNG: CPU")
//   philox  A1111's "NV" source: torch CUDA's randn reproduced on the CPU (Philox4x32-10
//           + Box-Muller, modules/rng_philox.py); A1111 "RNG: NV" and its GPU default
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace provena {

enum class NoiseSource { kCpu, kPhilox };

const char* noise_source_name(NoiseSource s);  // "cpu", "philox"
// Also A1111's infotext names: "CPU" -> cpu, "NV" and "GPU" -> philox.
std::optional<NoiseSource> parse_noise_source(std::string_view name);

// n values of A1111's NV generator: call number `call` (0 for the first randn on a fresh
// Generator(seed)), element i from the Philox counter (call, 0, i, 0) and key = seed.
std::vector<float> philox_randn(uint64_t seed, size_t n, uint64_t call = 0);

// A seeded stream of standard-normal float32 tensors (row-major), draw after draw.
class NoiseGenerator {
 public:
  NoiseGenerator(NoiseSource source, uint64_t seed);
  ~NoiseGenerator();
  NoiseGenerator(NoiseGenerator&&) noexcept;
  NoiseGenerator& operator=(NoiseGenerator&&) noexcept;
  std::vector<float> randn(const std::vector<int64_t>& shape);
  NoiseSource source() const { return source_; }

 private:
  struct TorchState;  // the torch CPU generator, kept out of this header
  NoiseSource source_;
  uint64_t seed_;
  uint64_t calls_ = 0;
  std::unique_ptr<TorchState> torch_;
};

}  // namespace provena
