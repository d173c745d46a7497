#include "generator/pipeline.h"

#if defined(PROVENA_TORCH_CUDA)
#include <ATen/cuda/CUDAContext.h>  // device properties; only in CUDA builds of libtorch
#endif

#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "core/file_io.h"
#include "core/hash.h"
#include "generator/sampling.h"
#include "generator/tiny_model.h"

namespace provena {

struct Pipeline::Impl {
  tiny::Model model{nullptr};
  ModelInfo info;
  torch::Device device{torch::kCPU};
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;
const ModelInfo& Pipeline::model() const { return impl_->info; }

Result<std::unique_ptr<Pipeline>> Pipeline::load(const std::string& dir, const std::string& device) {
  try {
    auto config_text = read_file(dir + "/model.json");
    if (!config_text) return make_error(dir + ": not a model folder (" + config_text.error().message + ")");
    auto config = tiny::config_from_json(*config_text);
    if (!config) return make_error(dir + "/model.json: " + config.error().message);
    auto weights = read_file(dir + "/model.safetensors");
    if (!weights) return weights.error();
    auto impl = std::make_unique<Impl>();
    impl->info.sha256 = Sha256::hex(weights->data(), weights->size());
    if (auto expected = read_file(dir + "/model.sha256")) {
      if (expected->substr(0, 64) != impl->info.sha256)
        return make_error(dir + "/model.safetensors: sha256 " + impl->info.sha256 + " differs from model.sha256");
    }
    impl->model = tiny::Model(*config);
    if (auto st = tiny::load_weights(impl->model, *weights, dir + "/model.safetensors"); !st) return st.error();
    if (device == "cuda" && !torch::cuda::is_available()) return make_error("--device cuda: no CUDA device available");
    if (device != "cpu" && device != "auto" && device != "cuda") return make_error("unknown device '" + device + "'");
    if (device == "cuda" || (device == "auto" && torch::cuda::is_available())) impl->device = torch::Device(torch::kCUDA, 0);
    impl->model->to(impl->device);
    impl->model->eval();
    impl->info.name = std::filesystem::path(dir).filename().string();
    if (impl->info.name.empty()) impl->info.name = std::filesystem::path(dir).parent_path().filename().string();
    impl->info.family = "tiny-flow";
    impl->info.parameters = tiny::parameter_count(impl->model);
    impl->info.resolution = config->resolution;
    return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
  } catch (const std::exception& e) {
    return make_error(dir + ": cannot load the model: " + e.what());
  }
}

Result<std::vector<Image>> Pipeline::generate(const GenerateOptions& o, GenerationStats* stats) {
  if (o.steps < 1 || o.steps > 1000) return make_error("steps must be 1..1000");
  if (o.batch < 1 || o.batch > 64) return make_error("batch must be 1..64");
  try {
    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    auto& m = impl_->model;
    const auto& c = m->config;
    const int r = c.resolution;
    const auto dev = impl_->device;
    // Noise per image, drawn on the CPU from its own seed, then moved: the same seed gives
    // the same noise on any device and in any batch position.
    std::vector<torch::Tensor> noises;
    for (int i = 0; i < o.batch; ++i) {
      NoiseGenerator g(o.noise, static_cast<uint64_t>(o.seed + i));
      auto v = g.randn({1, 3, r, r});
      noises.push_back(torch::tensor(v, torch::kFloat32).reshape({1, 3, r, r}));
    }
    auto x = torch::cat(noises).to(dev);
    auto cond = torch::tensor(tiny::tokenize(c, o.prompt), torch::kLong).unsqueeze(0).repeat({o.batch, 1});
    auto uncond = torch::tensor(tiny::tokenize(c, o.negative), torch::kLong).unsqueeze(0).repeat({o.batch, 1});
    const bool guided = o.cfg != 1.0;
    auto tokens = (guided ? torch::cat({cond, uncond}) : cond).to(dev);
    auto [ctx, pad] = m->encode_text(tokens);
    auto sigmas = sampling::flow_sigmas(o.steps, c.shift).to(dev);
    bool cancelled = false;
    // The model predicts x0; guidance mixes the two predictions, the sampler wants v.
    auto velocity = [&](const torch::Tensor& xt, const torch::Tensor& t) {
      torch::Tensor x0;
      if (!guided) {
        x0 = m->forward(xt, t, ctx, pad);
      } else {
        auto p = m->forward(torch::cat({xt, xt}), torch::cat({t, t}), ctx, pad).chunk(2);
        x0 = p[1] + o.cfg * (p[0] - p[1]);
      }
      return (xt - x0) / (t / 1000).reshape({-1, 1, 1, 1});
    };
    auto out = sampling::sample_flow_euler(velocity, x, sigmas, [&](int step, const torch::Tensor&, const torch::Tensor&) {
      if (step > 0 && o.progress && !o.progress(step, o.steps)) cancelled = true;
      return !cancelled;
    });
    if (cancelled || !out.defined()) return make_error("cancelled");
    if (o.progress) o.progress(o.steps, o.steps);
    auto pixels = ((out.clamp(-1, 1) + 1) * 127.5).round().to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous().cpu();
    std::vector<Image> images;
    for (int i = 0; i < o.batch; ++i) {
      Image img;
      img.width = r;
      img.height = r;
      img.channels = 3;
      const uint8_t* p = pixels[i].data_ptr<uint8_t>();
      img.pixels.assign(p, p + static_cast<size_t>(r) * r * 3);
      images.push_back(std::move(img));
    }
    if (stats) {
      stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      stats->device = dev.is_cuda() ? "cuda" : "cpu";
#if defined(PROVENA_TORCH_CUDA)
      if (dev.is_cuda()) {
        stats->gpu_name = at::cuda::getCurrentDeviceProperties()->name;
        stats->cuda_version = std::to_string(CUDART_VERSION / 1000) + "." + std::to_string(CUDART_VERSION % 1000 / 10);
      }
#endif
      stats->torch_version = TORCH_VERSION;
    }
    return images;
  } catch (const std::exception& e) {
    return make_error(std::string("generation failed: ") + e.what());
  }
}

}  // namespace provena
