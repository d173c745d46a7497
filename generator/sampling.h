// Schedules and samplers as plain functions over a denoiser callback (internal to
// generator/: this header includes torch). The k-diffusion samplers follow
// k_diffusion/sampling.py step for step in float32 tensor arithmetic, so their results
// match the reference vectors of ../shared/fixtures/generator.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace provena::sampling {

// D(x, sigma): the denoised estimate for a batch x at noise levels sigma (shape [batch]).
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma)>;
// Fresh standard-normal noise shaped like the latent (from a NoiseGenerator).
using NoiseSampler = std::function<torch::Tensor()>;
// Called at the start of every step with x and the denoised estimate; returning false
// cancels the run (the sampler then returns an undefined tensor).
using StepCallback = std::function<bool(int step, const torch::Tensor& x, const torch::Tensor& denoised)>;

// --- Schedules (float32, n steps, a 0 appended) ------------------------------------------
torch::Tensor karras_sigmas(int n, double sigma_min, double sigma_max, double rho = 7.0);
// Stable Diffusion's scaled-linear betas (0.00085 .. 0.012, 1000 steps): alphas_cumprod
// computed in float64 and stored as float32, as LDM checkpoints hold it.
torch::Tensor sd_alphas_cumprod();
// k-diffusion's DiscreteEpsDDPMDenoiser.get_sigmas(n): timesteps linspace(999, 0, n),
// sigma interpolated in log space (A1111's "discrete"/Automatic schedule).
torch::Tensor discrete_sigmas(const torch::Tensor& alphas_cumprod, int n);
// DDIM's own timesteps (CompVis "uniform": 1, 1 + c, ..., c = T / n) as sigmas, highest
// first. The last step goes to alphas_cumprod[0], not to 0, as in CompVis/A1111 DDIM: the
// schedule ends at that sigma (0.0292 for SD), and the latent DDIM hands to the decoder is
// the final x times sqrt(alphas_cumprod[0]) (x here is variance-exploding, x_vp / sqrt(a)).
torch::Tensor ddim_sigmas(const torch::Tensor& alphas_cumprod, int n);

// --- Samplers for denoisers of x0 = D(x, sigma) (epsilon-prediction models wrapped) ----
// DDIM is run with eta = 0 (A1111's default), where its update, written for
// x_vp = sqrt(a) x0 + sqrt(1 - a) eps, is exactly an Euler step in sigma = sqrt((1 - a) / a);
// with eta > 0 it adds get_ancestral_step's noise, which is DDIM's sigma_t(eta) in that space.
enum class Sampler { kEuler, kEulerAncestral, kHeun, kDpmpp2m, kDpmpp2mSde, kDdim };
// "euler", "euler_ancestral", "heun", "dpmpp_2m", "dpmpp_2m_sde", "ddim"
const char* sampler_name(Sampler s);
// Also A1111's names ("Euler a", "DPM++ 2M", "DPM++ 2M SDE", ...).
bool parse_sampler(std::string_view name, Sampler& out);

torch::Tensor sample(Sampler s, const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas,
                     const NoiseSampler& noise = {}, const StepCallback& callback = {});
// DDIM with a chosen eta (0: deterministic; 1: as stochastic as DDPM).
torch::Tensor sample_ddim(const Denoiser& model, torch::Tensor x, const torch::Tensor& sigmas, double eta,
                          const NoiseSampler& noise = {}, const StepCallback& callback = {});

// --- Flow matching (rectified flow: x_t = (1 - t) x0 + t noise, v = noise - x0) ------------
// diffusers' FlowMatchEulerDiscreteScheduler(shift) sigmas for n steps (0 appended),
// including its second application of the shift in set_timesteps.
torch::Tensor flow_sigmas(int n, double shift = 3.0, int train_timesteps = 1000);
// v(x, t) with t = sigma * 1000, the model's timestep.
using Velocity = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;
torch::Tensor sample_flow_euler(const Velocity& model, torch::Tensor x, const torch::Tensor& sigmas,
                                const StepCallback& callback = {}, int train_timesteps = 1000);

}  // namespace provena::sampling
