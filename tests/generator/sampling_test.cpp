#include "generator/sampling.h"

#include <gtest/gtest.h>

#include "generator/safetensors.h"
#include "tests/generator/fixtures.h"

namespace provena {
namespace {

using namespace provena::sampling;

class SamplerVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    PROVENA_NEED_GENERATOR_FIXTURES();
    auto f = SafetensorsFile::open(testing::generator_fixture("sampler_vectors.safetensors"));
    ASSERT_TRUE(f) << f.error().message;
    file_ = std::make_unique<SafetensorsFile>(std::move(*f));
  }
  torch::Tensor get(const std::string& name) {
    const TensorInfo* t = file_->find(name);
    EXPECT_TRUE(t) << name;
    if (!t) return {};
    auto v = file_->read_f32(*t);
    return torch::tensor(*v, torch::kFloat32).reshape(t->shape);
  }
  std::unique_ptr<SafetensorsFile> file_;
};

// The fixtures' toy denoiser: D(x, sigma) = x / (sigma^2 + 1) + 0.1 tanh(x).
torch::Tensor toy(const torch::Tensor& x, const torch::Tensor& sigma) {
  auto s = sigma.reshape({-1, 1, 1, 1});
  return x * (1 / (s.pow(2) + 1)) + 0.1 * torch::tanh(x);
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, const std::string& what, double atol = 1e-5) {
  ASSERT_TRUE(a.defined()) << what;
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  double diff = (a - b).abs().max().item<double>();
  EXPECT_LE(diff, atol + 1e-4 * b.abs().max().item<double>()) << what << ": max difference " << diff;
}

TEST_F(SamplerVectors, Schedules) {
  expect_close(karras_sigmas(10, 0.0292, 14.6146), get("schedule/karras_n10"), "karras", 1e-6);
  auto ac = sd_alphas_cumprod();
  EXPECT_TRUE(torch::equal(ac, get("schedule/alphas_cumprod_f32")));
  expect_close(discrete_sigmas(ac, 10), get("schedule/discrete_n10"), "discrete", 1e-6);
}

TEST_F(SamplerVectors, KDiffusionSamplersStepByStep) {
  const std::pair<const char*, Sampler> samplers[] = {
      {"sample_euler", Sampler::kEuler},       {"sample_euler_ancestral", Sampler::kEulerAncestral},
      {"sample_heun", Sampler::kHeun},         {"sample_dpmpp_2m", Sampler::kDpmpp2m},
      {"sample_dpmpp_2m_sde", Sampler::kDpmpp2mSde},
  };
  for (const char* schedule : {"karras", "discrete"}) {
    auto sigmas = get(std::string("schedule/") + schedule + "_n10");
    for (const auto& [name, s] : samplers) {
      const std::string key = std::string("sampler/") + schedule + "/" + name;
      auto x0 = get("init/randn_seed1_1x4x8x8") * sigmas[0];
      auto gen = at::make_generator<at::CPUGeneratorImpl>(7);  // the fixtures' noise_sampler
      int model_calls = 0;
      std::vector<torch::Tensor> xs, ds;
      auto out = sample(
          s,
          [&](const torch::Tensor& x, const torch::Tensor& sigma) {
            ++model_calls;
            return toy(x, sigma);
          },
          x0, sigmas, [&] { return torch::randn({1, 4, 8, 8}, gen); },
          [&](int, const torch::Tensor& x, const torch::Tensor& d) {
            xs.push_back(x.clone());
            ds.push_back(d.clone());
            return true;
          });
      expect_close(out, get(key + "/final"), key);
      expect_close(torch::stack(xs), get(key + "/callback_x"), key + " callback x");
      expect_close(torch::stack(ds), get(key + "/callback_denoised"), key + " callback denoised");
      EXPECT_EQ(model_calls, s == Sampler::kHeun ? 19 : 10) << key;
    }
  }
}

TEST_F(SamplerVectors, FlowMatchingEuler) {
  for (int n : {8, 9}) {
    const std::string key = "flow/shift3_n" + std::to_string(n);
    auto sigmas = flow_sigmas(n, 3.0);
    expect_close(sigmas, get(key + "/sigmas"), key + " sigmas", 1e-7);
    std::vector<torch::Tensor> traj;
    auto x0 = get("init/randn_seed1_1x4x8x8") * sigmas[0];
    std::vector<float> ts;
    auto out = sample_flow_euler(
        [&](const torch::Tensor& x, const torch::Tensor& t) {
          ts.push_back(t[0].item<float>());
          return -x + 0.5 * torch::sin(x);
        },
        x0, sigmas,
        [&](int, const torch::Tensor& x, const torch::Tensor&) {
          traj.push_back(x.clone());
          return true;
        });
    traj.push_back(out);
    expect_close(out, get(key + "/final"), key);
    expect_close(torch::stack(traj), get(key + "/trajectory"), key + " trajectory");
    expect_close(torch::tensor(ts), get(key + "/timesteps"), key + " timesteps", 1e-4);
  }
}

// DDIM as CompVis writes it, in variance-preserving space with an epsilon model, against
// sample_ddim's sigma-space form: the same trajectory, for eta 0 and 1.
TEST(Sampling, DdimMatchesTheCompVisUpdate) {
  const auto ac = sd_alphas_cumprod();
  const int n = 10;
  const auto sigmas = ddim_sigmas(ac, n);
  ASSERT_EQ(sigmas.size(0), n + 1);
  auto sigma_at = [&](int64_t t) { return std::sqrt((1 - ac[t].item<double>()) / ac[t].item<double>()); };
  EXPECT_NEAR(sigmas[0].item<double>(), sigma_at(901), 1e-5);  // timesteps 1, 101, ..., 901
  EXPECT_NEAR(sigmas[n - 1].item<double>(), sigma_at(1), 1e-6);
  EXPECT_NEAR(sigmas[n].item<double>(), sigma_at(0), 1e-6);  // ends at alphas_cumprod[0], not 0

  for (double eta : {0.0, 1.0}) {
    auto gen_a = at::make_generator<at::CPUGeneratorImpl>(7), gen_b = at::make_generator<at::CPUGeneratorImpl>(7);
    auto x0 = torch::randn({1, 4, 8, 8}, at::make_generator<at::CPUGeneratorImpl>(1));
    auto ours = sample_ddim(toy, x0 * sigmas[0], sigmas, eta, [&] { return torch::randn({1, 4, 8, 8}, gen_a); });
    // CompVis: x_prev = sqrt(a_prev) pred_x0 + sqrt(1 - a_prev - s_t^2) eps + s_t noise.
    std::vector<int64_t> t;
    for (int i = n - 1; i >= 0; --i) t.push_back(i * (1000 / n) + 1);
    auto x = x0 * sigmas[0] * std::sqrt(ac[t[0]].item<double>());
    for (size_t i = 0; i < t.size(); ++i) {
      const double a = ac[t[i]].item<double>(), a_prev = ac[i + 1 < t.size() ? t[i + 1] : 0].item<double>();
      const double sigma = std::sqrt((1 - a) / a);
      auto x_ve = x / std::sqrt(a);
      auto eps = (x_ve - toy(x_ve, torch::full({1}, sigma))) / sigma;
      auto pred_x0 = (x - std::sqrt(1 - a) * eps) / std::sqrt(a);
      const double s_t = eta * std::sqrt((1 - a_prev) / (1 - a)) * std::sqrt(1 - a / a_prev);
      x = std::sqrt(a_prev) * pred_x0 + std::sqrt(1 - a_prev - s_t * s_t) * eps;
      if (eta > 0) x = x + s_t * torch::randn({1, 4, 8, 8}, gen_b);
    }
    expect_close(ours * std::sqrt(ac[0].item<double>()), x, "ddim eta " + std::to_string(eta), 1e-4);
  }
}

TEST(Sampling, NamesAndCancellation) {
  Sampler s;
  ASSERT_TRUE(parse_sampler("Euler a", s));
  EXPECT_EQ(s, Sampler::kEulerAncestral);
  ASSERT_TRUE(parse_sampler("DPM++ 2M Karras", s));
  EXPECT_EQ(s, Sampler::kDpmpp2m);
  ASSERT_TRUE(parse_sampler("dpmpp_2m_sde", s));
  EXPECT_EQ(s, Sampler::kDpmpp2mSde);
  ASSERT_TRUE(parse_sampler("DDIM", s));
  EXPECT_EQ(s, Sampler::kDdim);
  EXPECT_STREQ(sampler_name(Sampler::kDdim), "ddim");
  EXPECT_FALSE(parse_sampler("LMS", s));
  int steps = 0;
  auto out = sample(Sampler::kEuler, toy, torch::ones({1, 4, 8, 8}), karras_sigmas(10, 0.03, 14.6), {},
                    [&](int i, const torch::Tensor&, const torch::Tensor&) { return ++steps, i < 3; });
  EXPECT_FALSE(out.defined());
  EXPECT_EQ(steps, 4);
}

}  // namespace
}  // namespace provena
