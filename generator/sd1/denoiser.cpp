#include "generator/sd1/denoiser.h"

namespace provena::sd1 {

torch::Tensor sigma_to_t(const torch::Tensor& sigma, const torch::Tensor& alphas_cumprod) {
  auto log_sigmas = ((1 - alphas_cumprod) / alphas_cumprod).pow(0.5).log().to(sigma.device());
  auto log_sigma = sigma.log();
  auto dists = log_sigma.unsqueeze(0) - log_sigmas.unsqueeze(1);  // (T, n)
  auto low_idx = dists.ge(0).cumsum(0).argmax(0).clamp_max(log_sigmas.size(0) - 2);
  auto high_idx = low_idx + 1;
  auto low = log_sigmas.index({low_idx}), high = log_sigmas.index({high_idx});
  auto w = ((low - log_sigma) / (low - high)).clamp(0, 1);
  return ((1 - w) * low_idx + w * high_idx).view(sigma.sizes());
}

sampling::Denoiser eps_denoiser(UNet unet, Conditioning c, torch::Tensor alphas_cumprod, torch::Tensor sigmas,
                                torch::Tensor timesteps) {
  // The UNet may run in half precision; the sampler's latents stay float32.
  const auto dtype = unet->conv_in->weight.scalar_type();
  if (c.cond.defined()) c.cond = c.cond.to(dtype);
  if (c.uncond.defined()) c.uncond = c.uncond.to(dtype);
  return [unet, c, alphas_cumprod, sigmas, timesteps, dtype](const torch::Tensor& x, const torch::Tensor& sigma) mutable {
    // The timestep of this sigma: the scheduler's own where it pairs one, else interpolated.
    torch::Tensor t;
    if (timesteps.defined()) {
      auto s = sigma.to(torch::kCPU);
      t = torch::empty_like(s);
      for (int64_t i = 0; i < s.size(0); ++i) {
        auto hit = (sigmas.to(torch::kCPU) == s[i]).nonzero();
        t[i] = hit.size(0) > 0 ? timesteps.to(torch::kCPU)[hit[0][0]] : sigma_to_t(s[i].unsqueeze(0), alphas_cumprod)[0];
      }
      t = t.to(x.device());
    } else {
      t = sigma_to_t(sigma, alphas_cumprod);
    }
    auto scale = sigma.view({-1, 1, 1, 1});
    auto input = (x / (scale.pow(2) + 1).sqrt()).to(dtype);
    const int64_t b = x.size(0);
    auto expand = [&](const torch::Tensor& ctx) { return ctx.size(0) == b ? ctx : ctx.expand({b, -1, -1}); };
    torch::Tensor eps;
    if (c.cfg == 1.0 || !c.uncond.defined()) {
      eps = unet->forward(input, t, expand(c.cond));
    } else {
      torch::Tensor eps_uncond, eps_cond;
      if (c.cond.size(1) == c.uncond.size(1)) {
        auto parts = unet->forward(torch::cat({input, input}), torch::cat({t, t}), torch::cat({expand(c.uncond), expand(c.cond)}))
                         .chunk(2);
        eps_uncond = parts[0], eps_cond = parts[1];
      } else {  // contexts of different lengths cannot share a batch
        eps_uncond = unet->forward(input, t, expand(c.uncond));
        eps_cond = unet->forward(input, t, expand(c.cond));
      }
      eps = eps_uncond.to(x.scalar_type()) + c.cfg * (eps_cond.to(x.scalar_type()) - eps_uncond.to(x.scalar_type()));
    }
    return x - scale * eps.to(x.scalar_type());
  };
}

torch::Tensor decode_to_uint8(Vae vae, const torch::Tensor& latents) {
  auto image = vae->decode(latents / vae->config.scaling_factor);
  auto unit = (image / 2 + 0.5).clamp(0, 1);
  return (unit.permute({0, 2, 3, 1}) * 255).round().to(torch::kUInt8);
}

}  // namespace provena::sd1
