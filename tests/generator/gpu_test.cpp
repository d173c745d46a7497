// On a CUDA device (label `gpu`; skipped without one): the embedded model gives the same
// picture on the GPU as on the CPU for a seed (noise is drawn on the CPU), and the GPU is
// deterministic run to run. scripts/gpu-check.sh runs these on a lent GPU machine.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "generator/pipeline.h"

namespace provena {
namespace {

constexpr double kMinCpuGpuPsnr = 40;  // dB: "near" in reproduction terms

double psnr(const Image& a, const Image& b) {
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = double(a.pixels[i]) - double(b.pixels[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.pixels.size());
  return mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse);
}

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
  const std::string model_ = std::string(PROVENA_SOURCE_DIR) + "/assets/tiny-flow";
};

TEST_F(Gpu, SameSeedSamePictureOnCpuAndGpu) {
  auto cpu = Pipeline::load(model_, "cpu");
  auto gpu = Pipeline::load(model_, "cuda");
  ASSERT_TRUE(cpu) << cpu.error().message;
  ASSERT_TRUE(gpu) << gpu.error().message;
  GenerateOptions o;
  o.prompt = "a large red circle at top left on a blue background";
  o.batch = 4;
  o.seed = 42;
  GenerationStats stats;
  auto a = (*cpu)->generate(o);
  auto b = (*gpu)->generate(o, &stats);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(stats.device, "cuda");
  EXPECT_FALSE(stats.gpu_name.empty());
  EXPECT_FALSE(stats.cuda_version.empty());
  std::printf("GPU %s, CUDA runtime %s, torch %s\n", stats.gpu_name.c_str(), stats.cuda_version.c_str(),
              stats.torch_version.c_str());
  for (size_t i = 0; i < a->size(); ++i) {
    const double p = psnr((*a)[i], (*b)[i]);
    std::printf("image %zu: CPU<->GPU PSNR %.1f dB\n", i, p);
    EXPECT_GE(p, kMinCpuGpuPsnr);
  }
}

TEST_F(Gpu, DeterministicRunToRun) {
  auto gpu = Pipeline::load(model_, "cuda");
  ASSERT_TRUE(gpu) << gpu.error().message;
  GenerateOptions o;
  o.prompt = "黑色背景中间的白色大圆环";
  o.seed = 7;
  auto a = (*gpu)->generate(o);
  auto b = (*gpu)->generate(o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)[0].pixels, (*b)[0].pixels);
}

}  // namespace
}  // namespace provena
