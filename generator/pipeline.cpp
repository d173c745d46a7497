#include "generator/pipeline.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <tuple>
#include <vector>

#include "core/file_io.h"
#include "core/hash.h"
#include "generator/model_family.h"
#include "generator/sampling.h"
#include "generator/tiny_model.h"

namespace provena {

namespace {

// The GPU's name and the CUDA runtime's version, from the CUDA runtime that a CUDA libtorch
// has loaded, looked up by symbol: no CUDA header is needed to build (a torch wheel's CUDA
// headers are spread over several pip packages). Empty where no runtime is loaded.
std::pair<std::string, std::string> cuda_runtime_info(int device) {
  std::string name, version;
  using GetVersion = int (*)(int*);
  if (auto get = reinterpret_cast<GetVersion>(dlsym(RTLD_DEFAULT, "cudaRuntimeGetVersion"))) {
    int v = 0;
    if (get(&v) == 0 && v > 0) version = std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  }
  // cudaDeviceProp begins with `char name[256]`; the rest of it (about 1 KB) is not read.
  using GetProperties = int (*)(void*, int);
  auto props = reinterpret_cast<GetProperties>(dlsym(RTLD_DEFAULT, "cudaGetDeviceProperties_v2"));
  if (!props) props = reinterpret_cast<GetProperties>(dlsym(RTLD_DEFAULT, "cudaGetDeviceProperties"));
  if (props) {
    std::vector<char> buffer(16384, 0);
    if (props(buffer.data(), device) == 0) name.assign(buffer.data(), strnlen(buffer.data(), 256));
  }
  return {name, version};
}

// The embedded default model: flow-matching Euler at its native size.
class TinyFlow : public ModelFamily {
 public:
  tiny::Model model{nullptr};
  ModelInfo model_info;
  const ModelInfo& info() const override { return model_info; }
  torch::Dtype to(torch::Device device, torch::Dtype) override {
    model->to(device);
    return torch::kFloat32;  // small enough that fp32 costs nothing, and exact across devices
  }
  Status check(const GenerateOptions& o) const override;
  Result<std::vector<Image>> generate(const GenerateOptions& o, torch::Device dev, GenerationStats* stats) override;
};

}  // namespace

Result<std::unique_ptr<ModelFamily>> load_tiny_flow(const std::string& dir) {
  auto config_text = read_file(dir + "/model.json");
  if (!config_text) return make_error(dir + ": not a model folder (" + config_text.error().message + ")");
  auto config = tiny::config_from_json(*config_text);
  if (!config) return make_error(dir + "/model.json: " + config.error().message);
  auto weights = read_file(dir + "/model.safetensors");
  if (!weights) return weights.error();
  auto f = std::make_unique<TinyFlow>();
  f->model_info.sha256 = Sha256::hex(weights->data(), weights->size());
  if (auto expected = read_file(dir + "/model.sha256")) {
    if (expected->substr(0, 64) != f->model_info.sha256)
      return make_error(dir + "/model.safetensors: sha256 " + f->model_info.sha256 + " differs from model.sha256");
  }
  f->model = tiny::Model(*config);
  if (auto st = tiny::load_weights(f->model, *weights, dir + "/model.safetensors"); !st) return st.error();
  f->model->eval();
  f->model_info.name = std::filesystem::path(dir).filename().string();
  if (f->model_info.name.empty()) f->model_info.name = std::filesystem::path(dir).parent_path().filename().string();
  f->model_info.family = "tiny-flow";
  f->model_info.parameters = tiny::parameter_count(f->model);
  f->model_info.resolution = config->resolution;
  f->model_info.guidance = config->guidance;
  return std::unique_ptr<ModelFamily>(std::move(f));
}

struct Pipeline::Impl {
  std::unique_ptr<ModelFamily> family;
  torch::Device device{torch::kCPU};
  torch::Dtype dtype = torch::kFloat32;
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;
const ModelInfo& Pipeline::model() const { return impl_->family->info(); }

namespace {

// The device and weight precision the options ask for, checked before any loading.
Result<std::pair<torch::Device, torch::Dtype>> placement(const LoadOptions& o) {
  if (o.device != "cpu" && o.device != "auto" && o.device != "cuda") return make_error("unknown device '" + o.device + "'");
  if (o.device == "cuda" && !torch::cuda::is_available()) return make_error("--device cuda: no CUDA device available");
  if (o.precision != "auto" && o.precision != "fp32" && o.precision != "fp16" && o.precision != "bf16")
    return make_error("unknown precision '" + o.precision + "' (auto, fp32, fp16, bf16)");
  const bool cuda = o.device == "cuda" || (o.device == "auto" && torch::cuda::is_available());
  if (o.precision == "fp16" && !cuda) return make_error("precision fp16 needs a CUDA device (bf16 or fp32 run on the CPU)");
  const torch::Dtype dtype = o.precision == "fp16" || (o.precision == "auto" && cuda) ? torch::kHalf
                             : o.precision == "bf16"                                 ? torch::kBFloat16
                                                                                     : torch::kFloat32;
  return std::make_pair(cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU), dtype);
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::load(const std::string& path, const LoadOptions& options) {
  try {
    if (auto place = placement(options); !place) return place.error();  // before a long load
    std::error_code ec;
    const bool tiny_flow = std::filesystem::exists(path + "/model.json", ec);
    const bool sd1 = !tiny_flow && (std::filesystem::exists(path + "/unet", ec) || path.find(".safetensors") != std::string::npos ||
                                    path.find(".ckpt") != std::string::npos);
    auto family = tiny_flow || !sd1 ? load_tiny_flow(path) : load_sd1(path, options.sha256);
    if (!family) return family.error();
    return placed(std::move(*family), options);
  } catch (const std::exception& e) {
    return make_error(path + ": cannot load the model: " + e.what());
  }
}

Result<std::unique_ptr<Pipeline>> Pipeline::placed(std::unique_ptr<ModelFamily> family, const LoadOptions& options) {
  auto place = placement(options);
  if (!place) return place.error();
  auto impl = std::make_unique<Impl>();
  impl->family = std::move(family);
  impl->device = place->first;
  impl->dtype = impl->family->to(impl->device, place->second);
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Result<std::unique_ptr<Pipeline>> Pipeline::random_sd15(const LoadOptions& options, uint64_t seed) {
  try {
    if (auto place = placement(options); !place) return place.error();
    auto family = provena::random_sd15(seed);
    if (!family) return family.error();
    return placed(std::move(*family), options);
  } catch (const std::exception& e) {
    return make_error(std::string("random SD 1.5: ") + e.what());
  }
}

Status Pipeline::check(const GenerateOptions& o) const { return impl_->family->check(o); }

Result<std::vector<Image>> Pipeline::generate(const GenerateOptions& o, GenerationStats* stats) {
  if (o.steps < 1 || o.steps > 1000) return make_error("steps must be 1..1000");
  if (o.batch < 1 || o.batch > 64) return make_error("batch must be 1..64");
  const auto start = std::chrono::steady_clock::now();
  GenerationStats local;
  GenerateOptions resolved = o;
  if (resolved.cfg < 0) resolved.cfg = impl_->family->info().guidance;
  (stats ? stats : &local)->cfg = resolved.cfg;
  auto images = impl_->family->generate(resolved, impl_->device, stats ? stats : &local);
  if (!images || !stats) return images;
  const auto dev = impl_->device;
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats->device = dev.is_cuda() ? "cuda" : "cpu";
  if (dev.is_cuda()) std::tie(stats->gpu_name, stats->cuda_version) = cuda_runtime_info(dev.has_index() ? dev.index() : 0);
  stats->torch_version = TORCH_VERSION;
  stats->precision = impl_->dtype == torch::kHalf ? "fp16" : impl_->dtype == torch::kBFloat16 ? "bf16" : "fp32";
  return images;
}

Status TinyFlow::check(const GenerateOptions& o) const {
  if (!o.sampler.empty() && o.sampler != "Euler" && o.sampler != "euler" && o.sampler != "flow_euler")
    return make_error("sampler " + o.sampler + ": the tiny-flow model samples with Euler only");
  if (!o.schedule.empty() && o.schedule != "flow")
    return make_error("schedule " + o.schedule + ": the tiny-flow model uses its flow schedule only");
  const int r = model->config.resolution;
  if ((o.width && o.width != r) || (o.height && o.height != r))
    return make_error("size: " + model_info.name + " makes " + std::to_string(r) + "x" + std::to_string(r) + " images");
  return Ok{};
}

Result<std::vector<Image>> TinyFlow::generate(const GenerateOptions& o, torch::Device dev, GenerationStats* stats) {
  if (auto st = check(o); !st) return st.error();
  const int r = model->config.resolution;
  stats->sampler = "Euler";
  stats->schedule = "flow";
  try {
    torch::NoGradGuard no_grad;
    auto& m = model;
    const auto& c = m->config;
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
    return images;
  } catch (const std::exception& e) {
    return make_error(std::string("generation failed: ") + e.what());
  }
}

}  // namespace provena
