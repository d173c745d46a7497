#include "generator/sampling.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace provena::sampling {
namespace {

torch::Tensor append_zero(const torch::Tensor& t) { return torch::cat({t, t.new_zeros({1})}); }

// (x - denoised) / sigma, sigma broadcast over the batch.
torch::Tensor to_d(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& denoised) {
  return (x - denoised) / sigma.reshape({-1, 1, 1, 1});
}

bool report(const StepCallback& cb, int i, const torch::Tensor& x, const torch::Tensor& denoised) {
  return !cb || cb(i, x, denoised);
}

torch::Tensor euler(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, const StepCallback& cb) {
  auto s_in = x.new_ones({x.size(0)});
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto sigma_hat = sigmas[i] * 1.0;  // churn off: gamma = 0
    auto denoised = model(x, sigma_hat * s_in);
    auto d = to_d(x, sigma_hat, denoised);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    x = x + d * (sigmas[i + 1] - sigma_hat);
  }
  return x;
}

torch::Tensor euler_ancestral(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas,
                              const NoiseSampler& noise, const StepCallback& cb) {
  auto s_in = x.new_ones({x.size(0)});
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto denoised = model(x, sigmas[i] * s_in);
    // get_ancestral_step, eta = 1
    auto from = sigmas[i], to = sigmas[i + 1];
    auto sigma_up = torch::minimum(to, (to.pow(2) * (from.pow(2) - to.pow(2)) / from.pow(2)).pow(0.5));
    auto sigma_down = (to.pow(2) - sigma_up.pow(2)).pow(0.5);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    auto d = to_d(x, from, denoised);
    x = x + d * (sigma_down - from);
    if (to.item<float>() > 0) x = x + noise() * sigma_up;
  }
  return x;
}

torch::Tensor ddim(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, double eta,
                   const NoiseSampler& noise, const StepCallback& cb) {
  auto s_in = x.new_ones({x.size(0)});
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto from = sigmas[i], to = sigmas[i + 1];
    auto denoised = model(x, from * s_in);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    auto eps = to_d(x, from, denoised);
    if (eta == 0) {
      x = denoised + eps * to;
      continue;
    }
    auto sigma_up = torch::minimum(to, eta * (to.pow(2) * (from.pow(2) - to.pow(2)) / from.pow(2)).pow(0.5));
    x = denoised + eps * (to.pow(2) - sigma_up.pow(2)).pow(0.5);
    if (to.item<float>() > 0) x = x + noise() * sigma_up;
  }
  return x;
}

torch::Tensor heun(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, const StepCallback& cb) {
  auto s_in = x.new_ones({x.size(0)});
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto sigma_hat = sigmas[i] * 1.0;
    auto denoised = model(x, sigma_hat * s_in);
    auto d = to_d(x, sigma_hat, denoised);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    auto dt = sigmas[i + 1] - sigma_hat;
    if (sigmas[i + 1].item<float>() == 0) {
      x = x + d * dt;
    } else {
      auto x2 = x + d * dt;
      auto denoised2 = model(x2, sigmas[i + 1] * s_in);
      auto d2 = to_d(x2, sigmas[i + 1], denoised2);
      x = x + (d + d2) / 2 * dt;
    }
  }
  return x;
}

torch::Tensor dpmpp_2m(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, const StepCallback& cb) {
  auto s_in = x.new_ones({x.size(0)});
  auto t_fn = [](const torch::Tensor& sigma) { return sigma.log().neg(); };
  auto sigma_fn = [](const torch::Tensor& t) { return t.neg().exp(); };
  torch::Tensor old_denoised;
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto denoised = model(x, sigmas[i] * s_in);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    auto t = t_fn(sigmas[i]), t_next = t_fn(sigmas[i + 1]);
    auto h = t_next - t;
    if (!old_denoised.defined() || sigmas[i + 1].item<float>() == 0) {
      x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised;
    } else {
      auto h_last = t - t_fn(sigmas[i - 1]);
      auto r = h_last / h;
      auto denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised;
      x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised_d;
    }
    old_denoised = denoised;
  }
  return x;
}

torch::Tensor dpmpp_2m_sde(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas,
                           const NoiseSampler& noise, const StepCallback& cb) {
  // eta = 1, s_noise = 1, solver_type = midpoint (k-diffusion's defaults)
  auto s_in = x.new_ones({x.size(0)});
  torch::Tensor old_denoised, h_last;
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto denoised = model(x, sigmas[i] * s_in);
    if (!report(cb, static_cast<int>(i), x, denoised)) return {};
    if (sigmas[i + 1].item<float>() == 0) {
      x = denoised;
    } else {
      auto t = -sigmas[i].log(), s = -sigmas[i + 1].log();
      auto h = s - t;
      auto eta_h = 1.0 * h;
      x = sigmas[i + 1] / sigmas[i] * (-eta_h).exp() * x + (-h - eta_h).expm1().neg() * denoised;
      if (old_denoised.defined()) {
        auto r = h_last / h;
        x = x + 0.5 * (-h - eta_h).expm1().neg() * (1 / r) * (denoised - old_denoised);
      }
      x = x + noise() * sigmas[i + 1] * (-2 * eta_h).expm1().neg().sqrt();
      h_last = h;
    }
    old_denoised = denoised;
  }
  return x;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

torch::Tensor karras_sigmas(int n, double sigma_min, double sigma_max, double rho) {
  auto ramp = torch::linspace(0, 1, n, torch::kFloat32);
  const double min_inv_rho = std::pow(sigma_min, 1 / rho), max_inv_rho = std::pow(sigma_max, 1 / rho);
  return append_zero((max_inv_rho + ramp * (min_inv_rho - max_inv_rho)).pow(rho));
}

torch::Tensor sd_alphas_cumprod() {
  auto betas = torch::linspace(std::sqrt(0.00085), std::sqrt(0.012), 1000, torch::kFloat64).pow(2);
  return torch::cumprod(1 - betas, 0).to(torch::kFloat32);
}

torch::Tensor discrete_sigmas(const torch::Tensor& alphas_cumprod, int n) {
  auto sigmas_all = ((1 - alphas_cumprod) / alphas_cumprod).pow(0.5);
  auto log_sigmas = sigmas_all.log();
  const double t_max = static_cast<double>(sigmas_all.size(0) - 1);
  auto t = torch::linspace(t_max, 0, n, torch::kFloat32);
  auto low = t.floor().to(torch::kLong), high = t.ceil().to(torch::kLong);
  auto w = t.frac();
  auto log_sigma = (1 - w) * log_sigmas.index({low}) + w * log_sigmas.index({high});
  return append_zero(log_sigma.exp());
}

torch::Tensor ddim_sigmas(const torch::Tensor& alphas_cumprod, int n) {
  const int64_t total = alphas_cumprod.size(0);
  const int64_t c = std::max<int64_t>(1, total / std::max(1, n));
  auto t = torch::arange(0, total, c, torch::kLong).slice(0, 0, n) + 1;
  auto sigmas = ((1 - alphas_cumprod) / alphas_cumprod).pow(0.5);
  return torch::cat({sigmas.index({t}).flip(0), sigmas.slice(0, 0, 1)});
}

const char* sampler_name(Sampler s) {
  switch (s) {
    case Sampler::kEuler: return "euler";
    case Sampler::kEulerAncestral: return "euler_ancestral";
    case Sampler::kHeun: return "heun";
    case Sampler::kDpmpp2m: return "dpmpp_2m";
    case Sampler::kDpmpp2mSde: return "dpmpp_2m_sde";
    case Sampler::kDdim: return "ddim";
  }
  return "?";
}

bool parse_sampler(std::string_view name, Sampler& out) {
  // A1111 names carry the schedule too ("DPM++ 2M Karras"); the schedule is read separately.
  std::string n = lower(name);
  for (const char* suffix : {" karras", " exponential"})
    if (n.size() > std::strlen(suffix) && n.compare(n.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      n.resize(n.size() - std::strlen(suffix));
  struct Alias { const char* name; Sampler s; };
  static constexpr Alias kAliases[] = {
      {"euler", Sampler::kEuler},         {"euler a", Sampler::kEulerAncestral}, {"euler_ancestral", Sampler::kEulerAncestral},
      {"heun", Sampler::kHeun},           {"dpm++ 2m", Sampler::kDpmpp2m},       {"dpmpp_2m", Sampler::kDpmpp2m},
      {"dpm++ 2m sde", Sampler::kDpmpp2mSde}, {"dpmpp_2m_sde", Sampler::kDpmpp2mSde},
      {"ddim", Sampler::kDdim},
  };
  for (const auto& a : kAliases)
    if (n == a.name) {
      out = a.s;
      return true;
    }
  return false;
}

torch::Tensor sample(Sampler s, const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas,
                     const NoiseSampler& noise, const StepCallback& callback) {
  torch::NoGradGuard no_grad;
  switch (s) {
    case Sampler::kEuler: return euler(model, std::move(x), sigmas, callback);
    case Sampler::kEulerAncestral: return euler_ancestral(model, std::move(x), sigmas, noise, callback);
    case Sampler::kHeun: return heun(model, std::move(x), sigmas, callback);
    case Sampler::kDpmpp2m: return dpmpp_2m(model, std::move(x), sigmas, callback);
    case Sampler::kDpmpp2mSde: return dpmpp_2m_sde(model, std::move(x), sigmas, noise, callback);
    case Sampler::kDdim: return ddim(model, std::move(x), sigmas, 0.0, noise, callback);
  }
  return {};
}

torch::Tensor sample_ddim(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, double eta,
                          const NoiseSampler& noise, const StepCallback& callback) {
  torch::NoGradGuard no_grad;
  return ddim(model, std::move(x), sigmas, eta, noise, callback);
}

torch::Tensor flow_sigmas(int n, double shift, int train_timesteps) {
  // At construction (float32): s = linspace(1, T, T) reversed / T, shifted.
  auto t = torch::linspace(1, train_timesteps, train_timesteps, torch::kFloat32).flip(0);
  auto s = t / static_cast<float>(train_timesteps);
  s = shift * s / (1 + (shift - 1) * s);
  const double sigma_max = s[0].item<float>(), sigma_min = s[-1].item<float>();
  // set_timesteps(n): numpy linspace in float64, shifted again, then float32.
  auto ts = torch::linspace(sigma_max * train_timesteps, sigma_min * train_timesteps, n, torch::kFloat64);
  auto s2 = ts / train_timesteps;
  s2 = shift * s2 / (1 + (shift - 1) * s2);
  return append_zero(s2.to(torch::kFloat32));
}

torch::Tensor sample_flow_euler(const Velocity& model, torch::Tensor x, const torch::Tensor& sigmas,
                                const StepCallback& callback, int train_timesteps) {
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) {
    auto t = (sigmas[i] * static_cast<float>(train_timesteps)).expand({x.size(0)});
    auto v = model(x, t);
    if (callback && !callback(static_cast<int>(i), x, x - sigmas[i] * v)) return {};
    x = x + (sigmas[i + 1] - sigmas[i]) * v;
  }
  return x;
}

}  // namespace provena::sampling
