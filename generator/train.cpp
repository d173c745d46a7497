#include "generator/train.h"

#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/file_io.h"
#include "core/hash.h"
#include "generator/shapes_dataset.h"
#include "generator/threads.h"
#include "generator/tiny_model.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kCaptionDropout = 0.1;  // empty prompt, so classifier-free guidance works
constexpr int64_t kWarmupSteps = 100;
constexpr int kVocabScenes = 20000;  // captions sampled to collect the vocabulary

uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

tiny::Config make_config(uint64_t seed) {
  tiny::Config c;
  std::set<std::string> words;
  for (int i = 0; i < kVocabScenes; ++i) {
    auto scene = shapes::random_scene(seed, static_cast<uint64_t>(i));
    for (const std::string& caption : {shapes::caption_en(scene), shapes::caption_zh(scene),
                                       shapes::random_caption(scene, seed, static_cast<uint64_t>(i))})
      for (auto& w : tiny::split_caption(caption)) words.insert(w);
  }
  c.vocab = {"<pad>", "<unk>", "<bos>"};
  c.vocab.insert(c.vocab.end(), words.begin(), words.end());
  return c;
}

// Warm-up, then a cosine from the full rate to a tenth over the run's steps, or over its
// time when `lr_follows_clock` (elapsed: seconds since this process started training).
double learning_rate(const TrainOptions& o, int64_t step, double elapsed) {
  if (step < kWarmupSteps) return o.learning_rate * static_cast<double>(step + 1) / kWarmupSteps;
  double p = static_cast<double>(step - kWarmupSteps) / static_cast<double>(std::max<int64_t>(1, o.steps - kWarmupSteps));
  if (o.lr_follows_clock && o.max_seconds > 0) p = std::max(p, elapsed / o.max_seconds);
  return o.learning_rate * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * std::min(1.0, p))));
}

struct Batch {
  torch::Tensor images;   // B x 3 x R x R in [-1, 1]
  torch::Tensor tokens;   // B x max_tokens
  torch::Tensor objects;  // B x 1 x R x R: object weight factors (tiny::training_loss); only with object_weight
};

// Batch `step`, a pure function of (seed, step). Each sample depends only on its own index,
// so the batch renders in parallel.
Batch make_batch(const tiny::Config& c, const TrainOptions& o, int64_t step) {
  const int r = c.resolution;
  const size_t pixels = static_cast<size_t>(r) * r * 3, width = static_cast<size_t>(c.max_tokens);
  const bool masks = c.object_weight > 0;
  std::vector<uint8_t> rgb(pixels * static_cast<size_t>(o.batch));
  std::vector<float> mask(masks ? pixels / 3 * static_cast<size_t>(o.batch) : 0);
  std::vector<int64_t> ids(width * static_cast<size_t>(o.batch));
  at::parallel_for(0, o.batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const uint64_t index = static_cast<uint64_t>(step) * static_cast<uint64_t>(o.batch) + static_cast<uint64_t>(b);
      auto scene = shapes::random_scene(o.seed, index, c.shape_weights, c.size_weights);
      std::vector<uint8_t> covered;
      auto image = shapes::render(scene, r, r, masks ? &covered : nullptr);
      std::copy(image.begin(), image.end(), rgb.begin() + static_cast<ptrdiff_t>(pixels * b));
      if (masks) {
        auto f = object_loss_factors(covered, c.object_balance);
        std::copy(f.begin(), f.end(), mask.begin() + static_cast<ptrdiff_t>(pixels / 3 * b));
      }
      bool drop = static_cast<double>(mix(o.seed ^ mix(index)) >> 11) * 0x1.0p-53 < kCaptionDropout;
      auto t = tiny::tokenize(c, drop ? std::string() : shapes::random_caption(scene, o.seed, index, {c.unsized_means_medium, c.position_optional, c.short_caption_percent}));
      std::copy(t.begin(), t.end(), ids.begin() + static_cast<ptrdiff_t>(width * b));
    }
  });
  Batch out;
  out.images = (torch::from_blob(rgb.data(), {o.batch, r, r, 3}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat32) / 127.5 - 1).contiguous();
  out.tokens = torch::from_blob(ids.data(), {o.batch, c.max_tokens}, torch::kLong).clone();
  if (masks) {
    auto m = torch::from_blob(mask.data(), {o.batch, 1, r, r}, torch::kFloat32);
    out.objects = torch::max_pool2d(m, {3, 3}, {1, 1}, {1, 1});  // grown by a pixel: the rims count too
  }
  return out;
}

// AdamW's moments on `device`: a checkpoint keeps them on the CPU, so a run saved on a GPU
// resumes on a machine without one and the other way round.
void move_optimizer_state(torch::optim::AdamW& opt, torch::Device device) {
  for (auto& item : opt.state()) {
    auto& s = static_cast<torch::optim::AdamWParamState&>(*item.second);
    s.exp_avg(s.exp_avg().to(device));
    s.exp_avg_sq(s.exp_avg_sq().to(device));
    if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(device));
  }
}

Result<torch::Device> training_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name != "auto" && name != "cuda") return make_error("training: unknown device '" + name + "' (auto, cpu, cuda)");
  if (torch::cuda::is_available()) return torch::Device(torch::kCUDA, 0);
  if (name == "cuda") return make_error("training: --device cuda but no CUDA device is available");
  return torch::Device(torch::kCPU);
}

// The decay of the weights' moving average at `step`: o.ema_decay, but lower while few steps
// have passed ((1 + step) / (10 + step)), so the average does not hold on to the initial weights.
double ema_decay_at(const TrainOptions& o, int64_t step) {
  return std::min(o.ema_decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
}

void copy_buffers(tiny::Model& to, tiny::Model& from) {
  auto target = to->buffers(), source = from->buffers();
  for (size_t i = 0; i < target.size(); ++i) target[i].copy_(source[i]);
}

// ema = d ema + (1 - d) model, parameter by parameter; buffers are copied.
void update_ema(tiny::Model& ema, tiny::Model& model, double decay) {
  torch::NoGradGuard no_grad;
  auto target = ema->parameters(), source = model->parameters();
  for (size_t i = 0; i < target.size(); ++i) target[i].mul_(decay).add_(source[i].detach(), 1 - decay);
  copy_buffers(ema, model);
}

void copy_weights(tiny::Model& to, tiny::Model& from) {
  torch::NoGradGuard no_grad;
  auto target = to->parameters(), source = from->parameters();
  for (size_t i = 0; i < target.size(); ++i) target[i].copy_(source[i]);
  copy_buffers(to, from);
}

Status save_checkpoint(const std::string& dir, tiny::Model& model, tiny::Model* ema, torch::optim::AdamW& opt,
                       const tiny::Config& c, int64_t step, const TrainOptions& o, double loss) {
  std::map<std::string, std::string> meta = {{"step", std::to_string(step)}, {"seed", std::to_string(o.seed)}};
  if (auto st = write_file_atomic(dir + "/weights.safetensors", tiny::save_weights(model, meta)); !st) return st;
  if (ema != nullptr) {
    if (auto st = write_file_atomic(dir + "/ema.safetensors", tiny::save_weights(*ema, meta)); !st) return st;
  } else {
    fs::remove(dir + "/ema.safetensors");  // resumed without one: an old average would be exported
  }
  if (auto st = write_file_atomic(dir + "/config.json", tiny::config_to_json(c)); !st) return st;
  const torch::Device device = model->parameters().front().device();
  move_optimizer_state(opt, torch::kCPU);
  torch::save(opt, dir + "/optimizer.pt.tmp");
  move_optimizer_state(opt, device);
  fs::rename(dir + "/optimizer.pt.tmp", dir + "/optimizer.pt");
  json state = {{"step", step}, {"steps", o.steps}, {"seed", o.seed}, {"batch", o.batch}, {"loss", loss}};
  if (ema != nullptr) state["ema_decay"] = o.ema_decay;
  return write_file_atomic(dir + "/state.json", state.dump(1));
}

}  // namespace

std::vector<float> object_loss_factors(const std::vector<uint8_t>& covered, double balance) {
  std::array<int, 256> pixels{};
  for (uint8_t k : covered) ++pixels[k];
  const double reference = static_cast<double>(covered.size()) / 16;
  std::array<float, 256> factor{};
  for (size_t k = 1; k < factor.size(); ++k)
    if (pixels[k] > 0) factor[k] = static_cast<float>(std::pow(reference / pixels[k], balance));
  std::vector<float> out(covered.size());
  for (size_t i = 0; i < covered.size(); ++i) out[i] = factor[covered[i]];
  return out;
}

Status train_tiny(const TrainOptions& o) {
  try {
    if (!(o.ema_decay >= 0 && o.ema_decay < 1))
      return make_error("training: the moving average's decay must be in [0, 1), not " + std::to_string(o.ema_decay));
    use_compute_threads(o.threads);
    auto device = training_device(o.device);
    if (!device) return device.error();
    fs::create_directories(o.checkpoint_dir);
    tiny::Config config;
    int64_t step = 0;
    const bool resume = fs::exists(o.checkpoint_dir + "/state.json");
    // init_from: a checkpoint folder, or an exported model (assets/tiny-flow's layout).
    const bool exported = !o.init_from.empty() && !fs::exists(o.init_from + "/config.json") &&
                          fs::exists(o.init_from + "/model.json");
    const std::string init_config = o.init_from + (exported ? "/model.json" : "/config.json");
    const std::string init_weights = o.init_from + (exported ? "/model.safetensors" : "/weights.safetensors");
    if (resume) {
      auto cfg_text = read_file(o.checkpoint_dir + "/config.json");
      if (!cfg_text) return cfg_text.error();
      auto cfg = tiny::config_from_json(*cfg_text);
      if (!cfg) return cfg.error();
      config = *cfg;
      auto state_text = read_file(o.checkpoint_dir + "/state.json");
      if (!state_text) return state_text.error();
      json state = json::parse(*state_text, nullptr, false);
      if (!state.is_object() || state.value("seed", uint64_t(0)) != o.seed || state.value("batch", 0) != o.batch)
        return make_error(o.checkpoint_dir + ": checkpoint of another run (seed/batch differ)");
      step = state.value("step", int64_t(0));
    } else if (!o.init_from.empty()) {
      auto cfg_text = read_file(init_config);
      if (!cfg_text) return cfg_text.error();
      auto cfg = tiny::config_from_json(*cfg_text);
      if (!cfg) return cfg.error();
      config = *cfg;
      config.attn0 = config.attn0 || o.attn0;
      if (o.fine > 0) config.fine = o.fine;
    } else {
      config = make_config(o.seed);
      if (o.ch0 > 0) config.ch0 = o.ch0;
      if (o.ch1 > 0) config.ch1 = o.ch1;
      if (o.ch2 > 0) config.ch2 = o.ch2;
      if (o.patch > 0) config.patch = o.patch;
      config.attn0 = o.attn0;
      config.fine = o.fine;
      if (o.edm_sigma_data >= 0) config.edm_sigma_data = o.edm_sigma_data;
    }
    if (!resume) {  // a fresh run, from scratch or from another checkpoint: its training choices
      if (o.train_mix >= 0) config.train_mix = o.train_mix;
      if (o.edge_weight >= 0) config.edge_weight = o.edge_weight;
      if (o.object_weight >= 0) config.object_weight = o.object_weight;
      if (o.object_balance >= 0) config.object_balance = o.object_balance;
      if (o.snr_weight >= 0) config.snr_weight = o.snr_weight;
      if (!o.shape_weights.empty()) config.shape_weights = o.shape_weights;
      if (!o.size_weights.empty()) config.size_weights = o.size_weights;
      if (o.unsized_means_medium) config.unsized_means_medium = true;
      if (o.position_optional) config.position_optional = true;
      if (o.short_caption_percent >= 0) config.short_caption_percent = o.short_caption_percent;
      if (auto problem = tiny::shape_weights_error(config.shape_weights)) return make_error("training: " + *problem);
      if (auto problem = tiny::size_weights_error(config.size_weights)) return make_error("training: " + *problem);
      if (config.short_caption_percent > 100)
        return make_error("training: --short-captions must be 0..100, not " + std::to_string(config.short_caption_percent));
    }
    torch::manual_seed(o.seed);
    tiny::Model model(config);
    if (resume) {
      auto bytes = read_file(o.checkpoint_dir + "/weights.safetensors");
      if (!bytes) return bytes.error();
      if (auto st = tiny::load_weights(model, *bytes, o.checkpoint_dir + "/weights.safetensors"); !st) return st;
    } else if (!o.init_from.empty()) {
      auto bytes = read_file(init_weights);
      if (!bytes) return bytes.error();
      if (auto st = tiny::load_weights(model, *bytes, init_weights, /*allow_missing=*/true); !st)
        return st;
    }
    model->to(*device);
    // The weights' moving average (o.ema_decay > 0): starts as the weights, or resumes.
    std::optional<tiny::Model> ema;
    if (o.ema_decay > 0) {
      ema.emplace(config);
      const std::string saved = o.checkpoint_dir + "/ema.safetensors";
      if (resume && fs::exists(saved)) {  // loaded on the CPU, as the weights above
        auto bytes = read_file(saved);
        if (!bytes) return bytes.error();
        if (auto st = tiny::load_weights(*ema, *bytes, saved); !st) return st;
        (*ema)->to(*device);
      } else {
        (*ema)->to(*device);
        copy_weights(*ema, model);
      }
      for (auto& p : (*ema)->parameters()) p.requires_grad_(false);
    }
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(o.learning_rate).weight_decay(0.01));
    if (resume && fs::exists(o.checkpoint_dir + "/optimizer.pt")) {
      torch::load(opt, o.checkpoint_dir + "/optimizer.pt");
      move_optimizer_state(opt, *device);
    }
    model->train();
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    double loss_sum = 0;
    int loss_n = 0;
    int64_t first_step = step;
    double last_loss = 0;
    while (step < o.steps) {
      const double lr = learning_rate(o, step, elapsed());
      for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      Batch batch = make_batch(config, o, step);
      auto gen = at::make_generator<at::CPUGeneratorImpl>(mix(o.seed * 1000003ull + static_cast<uint64_t>(step)));
      auto noise = torch::randn(batch.images.sizes(), gen).to(*device);
      auto x0 = batch.images.to(*device);
      auto tokens = batch.tokens.to(*device);
      auto objects = batch.objects.defined() ? batch.objects.to(*device) : torch::Tensor();
      auto t = torch::sigmoid(torch::randn({o.batch}, gen));  // logit-normal timesteps,
      auto shifted = config.train_shift * t / (1 + (config.train_shift - 1) * t);  // towards noise (tiny_model.h)
      t = config.train_mix > 0 ? torch::where(torch::rand({o.batch}, gen) < config.train_mix, t, shifted) : shifted;
      t = t.to(*device);
      auto tt = t.reshape({-1, 1, 1, 1});
      auto xt = (1 - tt) * x0 + tt * noise;
      auto [ctx, pad] = model->encode_text(tokens);
      auto v = model->forward(xt, t * 1000, ctx, pad);
      auto loss = tiny::training_loss(v, x0, t, config, objects);  // x0-prediction, see tiny_model.h
      opt.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      if (ema) update_ema(*ema, model, ema_decay_at(o, step));
      ++step;
      loss_sum += loss.item<double>();
      ++loss_n;
      const bool out_of_time = o.max_seconds > 0 && elapsed() > o.max_seconds;
      if (step % 20 == 0 || step == o.steps || out_of_time) {
        last_loss = loss_sum / loss_n;
        if (o.progress)
          o.progress({step, o.steps, last_loss, lr, static_cast<double>((step - first_step) * o.batch) / elapsed(),
                      elapsed()});
        loss_sum = 0;
        loss_n = 0;
      }
      if (step % o.checkpoint_every == 0 || step == o.steps || out_of_time)
        if (auto st = save_checkpoint(o.checkpoint_dir, model, ema ? &*ema : nullptr, opt, config, step, o, last_loss); !st) return st;
      if (out_of_time) break;
    }
    return Ok{};
  } catch (const std::exception& e) {
    return make_error(std::string("training: ") + e.what());
  }
}

Status export_tiny(const std::string& checkpoint_dir, const std::string& out_dir) {
  try {
    // The moving average when the run kept one: what a sampler should use.
    const std::string weights_path =
        checkpoint_dir + (fs::exists(checkpoint_dir + "/ema.safetensors") ? "/ema.safetensors" : "/weights.safetensors");
    auto weights = read_file(weights_path);
    if (!weights) return weights.error();
    auto config_text = read_file(checkpoint_dir + "/config.json");
    if (!config_text) return config_text.error();
    auto config = tiny::config_from_json(*config_text);
    if (!config) return config.error();
    auto state_text = read_file(checkpoint_dir + "/state.json");
    auto state = json::parse(state_text ? *state_text : std::string("{}"), nullptr, false);
    tiny::Model model(*config);
    if (auto st = tiny::load_weights(model, *weights, weights_path); !st) return st;
    // Half precision: the shipped model stays under 16 MB; generation computes in float32.
    std::map<std::string, std::string> meta = {{"family", "tiny-flow"}};
    if (state.is_object()) meta["trained_steps"] = std::to_string(state.value("step", int64_t(0)));
    const std::string half = tiny::save_weights(model, meta, true);
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (auto st = write_file_atomic(out_dir + "/model.safetensors", half); !st) return st;
    if (auto st = write_file_atomic(out_dir + "/model.json", *config_text); !st) return st;
    return write_file_atomic(out_dir + "/model.sha256", Sha256::hex(half.data(), half.size()) + "  model.safetensors\n");
  } catch (const std::exception& e) {
    return make_error(std::string("export: ") + e.what());
  }
}

}  // namespace provena
