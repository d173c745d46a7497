// The SD 1.x sampling glue (internal to generator/): the epsilon-predicting UNet wrapped
// as the x0 denoiser the samplers take (k-diffusion's DiscreteEpsDDPMDenoiser), with
// classifier-free guidance; and latents to pixels through the VAE.
#pragma once

#include <torch/torch.h>

#include "generator/sampling.h"
#include "generator/sd1/unet.h"
#include "generator/sd1/vae.h"

namespace provena::sd1 {

// k-diffusion's sigma_to_t: the (fractional) training timestep of each sigma, by
// interpolating log sigma over the model's table.
torch::Tensor sigma_to_t(const torch::Tensor& sigma, const torch::Tensor& alphas_cumprod);

struct Conditioning {
  // (1 or B, 77*k, dim) text encoder outputs, k may differ between the two; uncond unused when cfg == 1.
  torch::Tensor cond, uncond;
  double cfg = 7.0;
};

// D(x, sigma) = x - sigma * eps, eps = uncond + cfg * (cond - uncond) from the UNet at
// input x / sqrt(sigma^2 + 1) and timestep t(sigma). `timesteps`, when defined, gives the
// timestep of each value of `sigmas` (a scheduler's own pairs, e.g. diffusers' integer
// timesteps); other sigmas go through sigma_to_t.
sampling::Denoiser eps_denoiser(UNet unet, Conditioning conditioning, torch::Tensor alphas_cumprod,
                                torch::Tensor sigmas = {}, torch::Tensor timesteps = {});

// Latents -> RGB bytes (B, H, W, 3): divided by the VAE's scaling factor, decoded,
// mapped from [-1, 1] and rounded.
torch::Tensor decode_to_uint8(Vae vae, const torch::Tensor& latents);

}  // namespace provena::sd1
