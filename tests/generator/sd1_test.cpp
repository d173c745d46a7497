// The SD 1.x family's modules against the reference outputs of transformers/diffusers
// (../shared/fixtures/generator, section C of its README).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.h"
#include "generator/noise.h"
#include "generator/pipeline.h"
#include "generator/sd1/clip_text_model.h"
#include "generator/sd1/denoiser.h"
#include "generator/sd1/ldm_layout.h"
#include "generator/sd1/prompt_weights.h"
#include "generator/sd1/sd1_model.h"
#include "tests/test_util.h"
#include "generator/sd1/unet.h"
#include "generator/sd1/vae.h"
#include "generator/sd1/weights.h"
#include "tests/generator/fixtures.h"

namespace provena::sd1 {
namespace {

using testing::generator_fixture;

torch::Tensor expected(const SafetensorsFile& f, const std::string& name) {
  const TensorInfo* t = f.find(name);
  EXPECT_NE(t, nullptr) << name;
  if (!t) return {};
  auto raw = f.raw(*t);
  EXPECT_TRUE(raw);
  if (t->dtype == DType::kI64 || t->dtype == DType::kU8) {
    auto out = torch::empty(t->shape, t->dtype == DType::kI64 ? torch::kLong : torch::kUInt8);
    std::memcpy(out.data_ptr(), raw->data(), raw->size());
    return out;
  }
  auto v = f.read_f32(*t);
  return torch::tensor(*v, torch::kFloat32).reshape(t->shape);
}

// Within the README's tolerance for model outputs (atol 1e-5, rtol 1e-4; the 4-step
// pipeline about 1e-4).
void expect_close(const torch::Tensor& got, const torch::Tensor& want, const std::string& what, double atol = 1e-5) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const double worst = ((got - want).abs() - 1e-4 * want.abs()).max().item<double>();
  EXPECT_LE(worst, atol) << what << ": max |difference| " << (got - want).abs().max().item<double>();
}

void check_text_encoder(ClipTextModel& m, const SafetensorsFile& ref) {
  torch::NoGradGuard no_grad;
  for (const std::string which : {"a", "b", "empty"}) {
    auto ids = expected(ref, "text_encoder/input_ids_" + which);
    auto out = m->forward(ids);
    expect_close(out.last_hidden_state, expected(ref, "text_encoder/last_hidden_state_" + which), "last_hidden_state_" + which);
    expect_close(out.pooled, expected(ref, "text_encoder/pooler_output_" + which), "pooler_output_" + which);
    expect_close(torch::stack(out.hidden_states), expected(ref, "text_encoder/hidden_states_" + which), "hidden_states_" + which);
    expect_close(m->encode(ids, 2), expected(ref, "text_encoder/penultimate_final_ln_" + which), "clip skip 2, " + which);
  }
}

TEST(Sd1ClipText, DiffusersFolderMatchesTransformers) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  const std::string dir = generator_fixture("tiny_sd_diffusers/text_encoder");
  auto config = clip_text_config_from_json(*read_file(dir + "/config.json"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->hidden, 32);
  EXPECT_EQ(config->heads, 4);
  EXPECT_EQ(config->eos_id, 999);
  auto weights = SafetensorsFile::open(dir + "/model.safetensors");
  ASSERT_TRUE(weights) << weights.error().message;
  ClipTextModel m(*config);
  auto st = load_module(*m, *weights, "text_model.");
  ASSERT_TRUE(st) << st.error().message;
  auto ref = SafetensorsFile::open(generator_fixture("tiny_sd_expected.safetensors"));
  ASSERT_TRUE(ref) << ref.error().message;
  check_text_encoder(m, *ref);
}

TEST(Sd1ClipText, LdmSingleFileLoadsWithShapesAndAHeadCount) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto weights = SafetensorsFile::open(generator_fixture("tiny_sdlayout_ldm.safetensors"));
  ASSERT_TRUE(weights) << weights.error().message;
  const std::string prefix = "cond_stage_model.transformer.text_model.";
  auto config = clip_text_config_from_shapes(*weights, prefix, 4);  // heads: from the config beside the file
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->layers, 2);
  EXPECT_EQ(config->intermediate, 37);
  EXPECT_EQ(config->vocab, 1000);
  config->eos_id = 999;
  ClipTextModel m(*config);
  auto st = load_module(*m, *weights, prefix);
  ASSERT_TRUE(st) << st.error().message;
  auto ref = SafetensorsFile::open(generator_fixture("tiny_sdlayout_expected.safetensors"));
  ASSERT_TRUE(ref) << ref.error().message;
  check_text_encoder(m, *ref);
}

TEST(Sd1ClipText, MissingAndMisshapenWeightsAreNamed) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto weights = SafetensorsFile::open(generator_fixture("tiny_sd_diffusers/text_encoder/model.safetensors"));
  ASSERT_TRUE(weights);
  ClipTextConfig c;
  c.vocab = 1000, c.hidden = 32, c.layers = 3, c.heads = 4, c.intermediate = 37;
  ClipTextModel three_layers(c);
  auto st = load_module(*three_layers, *weights, "text_model.");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("missing text_model.encoder.layers.2."), std::string::npos) << st.error().message;
  c.layers = 2, c.intermediate = 40;
  ClipTextModel wider(c);
  st = load_module(*wider, *weights, "text_model.");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("wrong shape"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("mlp.fc1.weight"), std::string::npos) << st.error().message;
  EXPECT_FALSE(clip_text_config_from_shapes(*weights, "cond_stage_model.transformer.text_model."));
}

// A UNet and a VAE against diffusers' outputs (C.3).
void check_outputs(UNet& unet, Vae& vae, const SafetensorsFile& expected_file, const std::string& folder);

// The UNet and the VAE of a diffusers folder.
void check_unet_and_vae(const std::string& folder, const std::string& expected_file) {
  const std::string dir = generator_fixture(folder);
  auto ref = SafetensorsFile::open(generator_fixture(expected_file));
  ASSERT_TRUE(ref) << ref.error().message;
  auto uc = unet_config_from_json(*read_file(dir + "/unet/config.json"));
  ASSERT_TRUE(uc) << uc.error().message;
  UNet unet(*uc);
  auto uw = SafetensorsFile::open(dir + "/unet/diffusion_pytorch_model.safetensors");
  ASSERT_TRUE(uw) << uw.error().message;
  auto st = load_module(*unet, *uw, "");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(unet->named_parameters().size(), uw->tensors().size());  // every tensor has its place
  auto vc = vae_config_from_json(*read_file(dir + "/vae/config.json"));
  ASSERT_TRUE(vc) << vc.error().message;
  Vae vae(*vc);
  auto vw = SafetensorsFile::open(dir + "/vae/diffusion_pytorch_model.safetensors");
  ASSERT_TRUE(vw) << vw.error().message;
  st = load_module(*vae, *vw, "");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(vae->named_parameters().size(), vw->tensors().size());
  check_outputs(unet, vae, *ref, folder);
}

void check_outputs(UNet& unet, Vae& vae, const SafetensorsFile& expected_file, const std::string& folder) {
  const SafetensorsFile* ref = &expected_file;
  torch::NoGradGuard no_grad;
  auto latents = expected(*ref, "unet/latents_seed3");
  auto ctx_a = expected(*ref, "text_encoder/last_hidden_state_a");
  expect_close(unet->forward(latents, torch::tensor({999.0f}), ctx_a), expected(*ref, "unet/out_t999_a"), folder + " unet t=999");
  expect_close(unet->forward(latents, torch::tensor(500.0f), ctx_a), expected(*ref, "unet/out_t500_a"), folder + " unet t=500");
  auto batch = torch::cat({latents, -0.5 * latents});
  auto ctx = torch::cat({ctx_a, expected(*ref, "text_encoder/last_hidden_state_b")});
  expect_close(unet->forward(batch, torch::tensor(500.0f), ctx), expected(*ref, "unet/out_t500_batch2"), folder + " unet batch 2");
  expect_close(vae->decode(expected(*ref, "vae/decode_in_seed4")), expected(*ref, "vae/decode_out"), folder + " vae decode");
  auto [mean, logvar] = vae->encode(expected(*ref, "vae/encode_in_seed5"));
  expect_close(mean, expected(*ref, "vae/encode_mean"), folder + " vae encode mean");
  expect_close(logvar, expected(*ref, "vae/encode_logvar"), folder + " vae encode logvar");
}

TEST(Sd1Modules, UNetAndVaeMatchDiffusers) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  check_unet_and_vae("tiny_sd_diffusers", "tiny_sd_expected.safetensors");
}

TEST(Sd1Modules, UNetAndVaeMatchDiffusersInTheSd1Layout) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  check_unet_and_vae("tiny_sdlayout_diffusers", "tiny_sdlayout_expected.safetensors");
}

// Four Euler steps with guidance 5 through the eps denoiser, then the VAE: diffusers'
// StableDiffusionPipeline loop step for step (C.4).
TEST(Sd1Pipeline, FourEulerStepsWithGuidanceMatchDiffusers) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  const std::string dir = generator_fixture("tiny_sd_diffusers");
  auto ref = SafetensorsFile::open(generator_fixture("tiny_sd_expected.safetensors"));
  ASSERT_TRUE(ref);
  torch::NoGradGuard no_grad;
  ClipTextModel text(*clip_text_config_from_json(*read_file(dir + "/text_encoder/config.json")));
  ASSERT_TRUE(load_module(*text, *SafetensorsFile::open(dir + "/text_encoder/model.safetensors"), "text_model."));
  UNet unet(*unet_config_from_json(*read_file(dir + "/unet/config.json")));
  ASSERT_TRUE(load_module(*unet, *SafetensorsFile::open(dir + "/unet/diffusion_pytorch_model.safetensors"), ""));
  Vae vae(*vae_config_from_json(*read_file(dir + "/vae/config.json")));
  ASSERT_TRUE(load_module(*vae, *SafetensorsFile::open(dir + "/vae/diffusion_pytorch_model.safetensors"), ""));

  Conditioning c;
  c.cond = text->forward(expected(*ref, "text_encoder/input_ids_a")).last_hidden_state;
  c.uncond = text->forward(expected(*ref, "text_encoder/input_ids_empty")).last_hidden_state;
  c.cfg = 5.0;
  // The initial noise is torch's CPU randn for seed 42: what our "cpu" noise source draws.
  auto noise = expected(*ref, "pipeline/noise_seed42");
  NoiseGenerator g(NoiseSource::kCpu, 42);
  EXPECT_TRUE(torch::equal(torch::tensor(g.randn({1, 4, 8, 8})).reshape({1, 4, 8, 8}), noise));
  auto sigmas = expected(*ref, "pipeline/sigmas");
  auto timesteps = expected(*ref, "pipeline/timesteps").to(torch::kFloat32);
  auto x = noise * sigmas[0];
  expect_close(x, expected(*ref, "pipeline/latents_init"), "latents_init");
  auto denoise = eps_denoiser(unet, c, sampling::sd_alphas_cumprod(), sigmas, timesteps);
  auto per_step = expected(*ref, "pipeline/latents_per_step");
  auto final = sampling::sample(sampling::Sampler::kEuler, denoise, x, sigmas, {},
                                [&](int step, const torch::Tensor& xs, const torch::Tensor&) {
                                  if (step > 0) expect_close(xs, per_step[step - 1], "latents after step " + std::to_string(step), 1e-4);
                                  return true;
                                });
  expect_close(final, expected(*ref, "pipeline/latents_final"), "latents_final", 1e-4);
  auto pixels = decode_to_uint8(vae, final);
  auto want = expected(*ref, "pipeline/image_uint8_nhwc");
  ASSERT_EQ(pixels.sizes(), want.sizes());
  EXPECT_LE((pixels.to(torch::kInt) - want.to(torch::kInt)).abs().max().item<int>(), 1);
}

TEST(Sd1Pipeline, SigmaToTInvertsTheTable) {
  auto ac = sampling::sd_alphas_cumprod();
  auto table = ((1 - ac) / ac).pow(0.5);
  auto t = sigma_to_t(table.index({torch::tensor({999, 500, 0})}), ac);
  EXPECT_NEAR(t[0].item<float>(), 999, 1e-3);
  EXPECT_NEAR(t[1].item<float>(), 500, 1e-3);
  EXPECT_NEAR(t[2].item<float>(), 0, 1e-3);
  // Between two entries, t is interpolated in log sigma.
  auto mid = (table[100].log() + table[101].log()) / 2;
  EXPECT_NEAR(sigma_to_t(mid.exp().unsqueeze(0), ac)[0].item<float>(), 100.5, 1e-3);
}

// The same weights as an LDM single file: names mapped by index arithmetic over configs
// inferred from the shapes (heads and norm groups given, as the config beside a
// checkpoint gives them), every tensor used, the same outputs.
TEST(Sd1Modules, LdmSingleFileLoadsTheSameUNetAndVae) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto file = SafetensorsFile::open(generator_fixture("tiny_sdlayout_ldm.safetensors"));
  ASSERT_TRUE(file) << file.error().message;
  auto uc = unet_config_from_ldm(*file, 8, 8);
  ASSERT_TRUE(uc) << uc.error().message;
  auto reference = *unet_config_from_json(*read_file(generator_fixture("tiny_sdlayout_diffusers/unet/config.json")));
  EXPECT_EQ(uc->block_out, reference.block_out);
  EXPECT_EQ(uc->layers_per_block, reference.layers_per_block);
  EXPECT_EQ(uc->down_attention, reference.down_attention);
  EXPECT_EQ(uc->up_attention, reference.up_attention);
  EXPECT_EQ(uc->cross_attention_dim, reference.cross_attention_dim);
  EXPECT_EQ(uc->transformer_layers, 1);
  EXPECT_FALSE(uc->linear_projection);
  auto vc = vae_config_from_ldm(*file, 8);
  ASSERT_TRUE(vc) << vc.error().message;
  auto vref = *vae_config_from_json(*read_file(generator_fixture("tiny_sdlayout_diffusers/vae/config.json")));
  EXPECT_EQ(vc->block_out, vref.block_out);
  EXPECT_EQ(vc->layers_per_block, vref.layers_per_block);

  std::set<std::string> used;
  auto mapped = [&](const std::string& prefix, const std::string& ldm) {
    std::string full = ldm.empty() ? "(no LDM name)" : prefix + ldm;
    used.insert(full);
    return full;
  };
  UNet unet(*uc);
  auto st = load_module(*unet, *file, "", [&](const std::string& n) { return mapped(kLdmUNetPrefix, unet_ldm_name(*uc, n)); });
  ASSERT_TRUE(st) << st.error().message;
  Vae vae(*vc);
  st = load_module(*vae, *file, "", [&](const std::string& n) { return mapped(kLdmVaePrefix, vae_ldm_name(*vc, n)); });
  ASSERT_TRUE(st) << st.error().message;
  size_t unet_and_vae = 0;
  for (const auto& t : file->tensors())
    if (t.name.rfind(kLdmUNetPrefix, 0) == 0 || t.name.rfind(kLdmVaePrefix, 0) == 0) ++unet_and_vae;
  EXPECT_EQ(used.size(), unet_and_vae);  // one tensor per parameter, none left over
  auto ref = SafetensorsFile::open(generator_fixture("tiny_sdlayout_expected.safetensors"));
  ASSERT_TRUE(ref);
  check_outputs(unet, vae, *ref, "tiny_sdlayout_ldm");

  EXPECT_FALSE(unet_config_from_ldm(*file, 7, 8));  // 16 channels do not split into 7 heads
  auto text_only = SafetensorsFile::open(generator_fixture("tiny_sd_diffusers/text_encoder/model.safetensors"));
  auto none = unet_config_from_ldm(*text_only, 8, 8);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no Stable Diffusion UNet"), std::string::npos);
}

// The tiny diffusers fixture with the tiny vocabulary.
Result<std::unique_ptr<Model>> load_tiny_sd(const ::provena::testing::TempDir& tmp) {
  LoadOptions lo;
  lo.tokenizer = ::provena::testing::tiny_clip_tokenizer(tmp);
  return Model::load(generator_fixture("tiny_sd_diffusers"), lo);
}

// The largest difference between two images' pixel values.
int max_pixel_diff(const Image& x, const Image& y) {
  int worst = 0;
  for (size_t i = 0; i < x.pixels.size(); ++i) worst = std::max(worst, std::abs(int(x.pixels[i]) - int(y.pixels[i])));
  return worst;
}

// Peak signal-to-noise ratio between two images of the same size, in dB.
double psnr_db(const Image& x, const Image& y) {
  double sq = 0;
  for (size_t i = 0; i < x.pixels.size(); ++i) {
    const double d = double(x.pixels[i]) - double(y.pixels[i]);
    sq += d * d;
  }
  return 10 * std::log10(255.0 * 255.0 / std::max(sq / static_cast<double>(x.pixels.size()), 1e-9));
}

TEST(Sd1Model, GeneratesFromADiffusersFolderDeterministically) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  ::provena::testing::TempDir tmp;
  auto m = load_tiny_sd(tmp);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->layout(), "diffusers");
  GenerateOptions o;
  o.prompt = "a red fox";
  o.negative = "blurred";
  o.seed = 5;
  o.steps = 4;
  o.cfg = 5;
  o.width = o.height = 16;  // the tiny VAE upsamples 2x: 8x8 latents
  int calls = 0;
  o.progress = [&](int, int) { return ++calls, true; };
  auto a = (*m)->generate(o);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].width, 16);
  EXPECT_EQ(calls, 4);
  auto again = (*m)->generate(o);
  EXPECT_EQ((*again)[0].pixels, (*a)[0].pixels);  // same seed, same picture
  o.batch = 2;
  auto two = (*m)->generate(o);
  ASSERT_TRUE(two && two->size() == 2u);
  // Image i of a batch is the image of seed + i alone (within float noise of batching).
  EXPECT_LE(max_pixel_diff((*two)[0], (*a)[0]), 1);
  EXPECT_GT(max_pixel_diff((*two)[1], (*a)[0]), 1);
  o.batch = 1;
  o.prompt = "a blue owl";
  EXPECT_GT(max_pixel_diff((*(*m)->generate(o))[0], (*a)[0]), 1);  // the prompt matters
  for (auto sampler : {sampling::Sampler::kDpmpp2m, sampling::Sampler::kEulerAncestral, sampling::Sampler::kDdim}) {
    o.sampler = sampler;
    o.karras = sampler == sampling::Sampler::kDpmpp2m;
    auto r = (*m)->generate(o);
    ASSERT_TRUE(r) << sampling::sampler_name(sampler) << ": " << r.error().message;
  }
  o.width = 15;
  EXPECT_FALSE((*m)->generate(o));
  // Prompts longer than 75 tokens become several 77-token windows, as in A1111.
  std::string long_prompt;
  for (int i = 0; i < 40; ++i) long_prompt += "a b ";
  EXPECT_EQ((*m)->encode_prompt(long_prompt, 1).size(1), 154);
  EXPECT_EQ((*m)->encode_prompt("a BREAK b", 2).size(1), 154);
  // A long prompt against a short negative: the two run apart.
  o.width = o.height = 16;
  o.prompt = long_prompt;
  ASSERT_TRUE((*m)->generate(o));
  // Emphasis scales the tokens' encodings; the window's mean stays.
  auto plain = (*m)->encode_prompt("a red fox", 1), strong = (*m)->encode_prompt("a (red:1.5) fox", 1);
  EXPECT_NEAR(plain.mean().item<double>(), strong.mean().item<double>(), 1e-5);
  EXPECT_GT((plain - strong).abs().max().item<double>(), 1e-3);
}

// A1111's ImageRNG: one noise stream per image (seed + i) that the ancestral step noise
// continues, or restarts at seed + i + ENSD. So an Euler a image is the same alone and in
// a batch, and ENSD changes Euler a but not Euler.
TEST(Sd1Model, AncestralStepNoiseIsPerImageAndHonoursEnsd) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  ::provena::testing::TempDir tmp;
  auto m = load_tiny_sd(tmp);
  ASSERT_TRUE(m) << m.error().message;
  GenerateOptions o;
  o.prompt = "a red fox";
  o.steps = 4;
  o.width = o.height = 16;
  o.noise = NoiseSource::kPhilox;
  o.sampler = sampling::Sampler::kEulerAncestral;
  o.seed = 11;
  o.batch = 2;
  auto pair = (*m)->generate(o);
  ASSERT_TRUE(pair && pair->size() == 2u);
  o.batch = 1;
  o.seed = 12;
  auto second_alone = (*m)->generate(o);
  ASSERT_TRUE(second_alone);
  EXPECT_LE(max_pixel_diff((*pair)[1], (*second_alone)[0]), 1);

  o.ensd = 31337;
  auto with_ensd = (*m)->generate(o);
  ASSERT_TRUE(with_ensd);
  EXPECT_GT(max_pixel_diff((*with_ensd)[0], (*second_alone)[0]), 1);
  o.seed = 11;
  o.batch = 2;
  auto pair_ensd = (*m)->generate(o);
  ASSERT_TRUE(pair_ensd && pair_ensd->size() == 2u);
  EXPECT_LE(max_pixel_diff((*pair_ensd)[1], (*with_ensd)[0]), 1);

  o.batch = 1;
  o.sampler = sampling::Sampler::kEuler;  // no step noise: ENSD has nothing to change
  auto euler_ensd = (*m)->generate(o);
  o.ensd = 0;
  auto euler = (*m)->generate(o);
  ASSERT_TRUE(euler && euler_ensd);
  EXPECT_EQ((*euler)[0].pixels, (*euler_ensd)[0].pixels);
}

// Half precision: the text encoder and UNet in bfloat16 (fp16 is for GPUs; the CPU runs
// bf16), the sampler and VAE in float32. The picture stays close to the fp32 one.
TEST(Sd1Model, RunsInBfloat16CloseToFloat32) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  ::provena::testing::TempDir tmp;
  auto m = load_tiny_sd(tmp);
  ASSERT_TRUE(m) << m.error().message;
  GenerateOptions o;
  o.prompt = "a red fox";
  o.steps = 4;
  o.width = o.height = 16;
  o.seed = 2;
  auto full = (*m)->generate(o);
  ASSERT_TRUE(full) << full.error().message;
  (*m)->to(torch::kCPU, torch::kBFloat16);
  EXPECT_EQ((*m)->unet->conv_in->weight.scalar_type(), torch::kBFloat16);
  EXPECT_EQ((*m)->vae->decoder->parameters()[0].scalar_type(), torch::kFloat32);
  auto half = (*m)->generate(o);
  ASSERT_TRUE(half) << half.error().message;
  ASSERT_EQ((*full)[0].pixels.size(), (*half)[0].pixels.size());
  const int worst = max_pixel_diff((*full)[0], (*half)[0]);
  EXPECT_GT(worst, 0);  // it did run in lower precision
  EXPECT_GT(psnr_db((*full)[0], (*half)[0]), 25) << "max diff " << worst;
  // A vocabulary that is not the model's says so instead of indexing out of range.
  LoadOptions wrong;
  wrong.tokenizer = generator_fixture("bpe_simple_vocab_16e6.txt.gz");
  auto mismatched = Model::load(generator_fixture("tiny_sd_diffusers"), wrong);
  ASSERT_TRUE(mismatched) << mismatched.error().message;
  o.prompt = "a photograph of an astronaut";
  auto refused = (*mismatched)->generate(o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("does not belong to this model"), std::string::npos) << refused.error().message;
}

TEST(Sd1Model, LoadsASingleFileWithItsConfigBeside) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  ::provena::testing::TempDir tmp;
  const std::string ckpt = tmp / "tiny.safetensors";
  std::filesystem::create_symlink(generator_fixture("tiny_sdlayout_ldm.safetensors"), ckpt);
  LoadOptions lo;
  lo.tokenizer = ::provena::testing::tiny_clip_tokenizer(tmp);
  auto without = Model::load(ckpt, lo);  // SD 1.x's 32 norm groups do not fit 16 channels
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().message.find("config beside the checkpoint"), std::string::npos) << without.error().message;
  ASSERT_TRUE(write_file_atomic(tmp / "tiny.json", R"({"unet": {"attention_head_dim": 8, "norm_num_groups": 8},
    "vae": {"norm_num_groups": 8}, "text_encoder": {"num_attention_heads": 4}})"));
  auto m = Model::load(ckpt, lo);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->layout(), "ldm");
  GenerateOptions o;
  o.prompt = "a red fox";
  o.steps = 3;
  o.width = o.height = 64;  // a 4-level VAE: 8x8 latents
  auto img = (*m)->generate(o);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ((*img)[0].width, 64);

  // The same weights from the diffusers folder make the same picture.
  auto d = Model::load(generator_fixture("tiny_sdlayout_diffusers"), lo);
  ASSERT_TRUE(d) << d.error().message;
  auto same = (*d)->generate(o);
  ASSERT_TRUE(same);
  EXPECT_EQ((*same)[0].pixels, (*img)[0].pixels);
}

TEST(Sd1Model, RefusesPicklesAndNamesWhatIsMissing) {
  ::provena::testing::TempDir tmp;
  auto pickle = Model::load(tmp / "model.ckpt");
  ASSERT_FALSE(pickle);
  EXPECT_NE(pickle.error().message.find("refused"), std::string::npos);
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto text_only = Model::load(generator_fixture("tiny_sd_diffusers/text_encoder/model.safetensors"));
  ASSERT_FALSE(text_only);
  EXPECT_NE(text_only.error().message.find("no Stable Diffusion UNet"), std::string::npos) << text_only.error().message;
  auto not_a_folder = Model::load(generator_fixture("tiny_sd_diffusers/unet"));
  ASSERT_FALSE(not_a_folder);
  EXPECT_NE(not_a_folder.error().message.find("text_encoder/config.json is missing"), std::string::npos);
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("HOME", tmp.path().c_str(), 1);  // an empty Hugging Face cache
  ::unsetenv("PROVENA_CLIP_TOKENIZER");
  ::unsetenv("HF_HOME");
  auto no_vocab = Model::load(generator_fixture("tiny_sd_diffusers"));
  ::setenv("HOME", home.c_str(), 1);
  ASSERT_FALSE(no_vocab);
  EXPECT_NE(no_vocab.error().message.find("no CLIP vocabulary"), std::string::npos) << no_vocab.error().message;
}

// The Pipeline picks the family from the path and speaks A1111's sampler names.
TEST(Sd1Model, ThroughThePipeline) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  ::provena::testing::TempDir tmp;
  ::setenv("PROVENA_CLIP_TOKENIZER", ::provena::testing::tiny_clip_tokenizer(tmp).c_str(), 1);
  auto p = Pipeline::load(generator_fixture("tiny_sd_diffusers"), "cpu");
  ::unsetenv("PROVENA_CLIP_TOKENIZER");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->model().family, "sd1");
  EXPECT_EQ((*p)->model().resolution, 16);
  EXPECT_EQ((*p)->model().sha256.size(), 64u);
  ::provena::GenerateOptions o;
  o.prompt = "a red fox";
  o.steps = 3;
  o.sampler = "Euler a Karras";
  EXPECT_FALSE((*p)->check([&] { auto b = o; b.sampler = "LMS"; return b; }()));
  EXPECT_FALSE((*p)->check([&] { auto b = o; b.schedule = "flow"; return b; }()));
  EXPECT_FALSE((*p)->check([&] { auto b = o; b.width = 17; return b; }()));
  ASSERT_TRUE((*p)->check(o));
  GenerationStats stats;
  auto images = (*p)->generate(o, &stats);
  ASSERT_TRUE(images) << images.error().message;
  EXPECT_EQ((*images)[0].width, 16);
  EXPECT_EQ(stats.sampler, "Euler a");
  EXPECT_EQ(stats.schedule, "karras");
  EXPECT_EQ(stats.device, "cpu");
  EXPECT_EQ(stats.precision, "fp32");  // auto on the CPU

  // Precision: bf16 runs on the CPU, fp16 needs CUDA, a known hash is taken as given.
  ::setenv("PROVENA_CLIP_TOKENIZER", ::provena::testing::tiny_clip_tokenizer(tmp).c_str(), 1);
  ::provena::LoadOptions lo;
  lo.device = "cpu";
  lo.precision = "bf16";
  lo.sha256 = std::string(64, 'a');
  auto bf16 = Pipeline::load(generator_fixture("tiny_sd_diffusers"), lo);
  lo.precision = "fp16";
  auto fp16 = Pipeline::load(generator_fixture("tiny_sd_diffusers"), lo);
  lo.precision = "fp8";
  auto fp8 = Pipeline::load(generator_fixture("tiny_sd_diffusers"), lo);
  ::unsetenv("PROVENA_CLIP_TOKENIZER");
  ASSERT_TRUE(bf16) << bf16.error().message;
  EXPECT_EQ((*bf16)->model().sha256, std::string(64, 'a'));
  ASSERT_TRUE((*bf16)->generate(o, &stats));
  EXPECT_EQ(stats.precision, "bf16");
  ASSERT_FALSE(fp16);
  EXPECT_NE(fp16.error().message.find("fp16 needs a CUDA device"), std::string::npos) << fp16.error().message;
  ASSERT_FALSE(fp8);
  EXPECT_NE(fp8.error().message.find("unknown precision 'fp8'"), std::string::npos);
}

// A1111's own examples for parse_prompt_attention (its docstring), and BREAK.
TEST(Sd1Prompt, EmphasisParsesAsA1111Does) {
  using Runs = std::vector<std::pair<std::string, double>>;
  auto near = [](const Runs& got, const Runs& want) {
    EXPECT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
      EXPECT_EQ(got[i].first, want[i].first);
      EXPECT_NEAR(got[i].second, want[i].second, 1e-9) << got[i].first;
    }
  };
  near(parse_prompt_attention("normal text"), {{"normal text", 1.0}});
  near(parse_prompt_attention("an (important) word"), {{"an ", 1.0}, {"important", 1.1}, {" word", 1.0}});
  near(parse_prompt_attention("(unbalanced"), {{"unbalanced", 1.1}});
  near(parse_prompt_attention("\\(literal\\]"), {{"(literal]", 1.0}});
  near(parse_prompt_attention("(unnecessary)(parens)"), {{"unnecessaryparens", 1.1}});
  near(parse_prompt_attention("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."),
       {{"a ", 1.0}, {"house", 1.1 * 1.1 * 1.3}, {" ", 1.1}, {"on", 1.0}, {" a ", 1.1}, {"hill", 0.55},
        {", sun, ", 1.1}, {"sky", 1.1 * 1.1 * 1.1 * 1.1}, {".", 1.1}});
  near(parse_prompt_attention("cat BREAK dog, BREAKfast"), {{"cat", 1.0}, {"BREAK", -1.0}, {"dog, BREAKfast", 1.0}});
  near(parse_prompt_attention("time: 12:30 (x:2)"), {{"time: 12:30 ", 1.0}, {"x", 2.0}});
  near(parse_prompt_attention(""), {{"", 1.0}});
}

TEST(Sd1Prompt, WindowsOf75TokensEndAtACloseComma) {
  PROVENA_NEED_GENERATOR_FIXTURES();
  auto tok = ClipTokenizer::load_clip_bpe_gz(generator_fixture("bpe_simple_vocab_16e6.txt.gz"));
  ASSERT_TRUE(tok) << tok.error().message;
  const int comma = tok->encode(",")[0];
  // 70 words, a comma, 10 more: the first window ends after the comma (within 20 of the end).
  std::string prompt;
  for (int i = 0; i < 70; ++i) prompt += "cat ";
  prompt += ", ";
  for (int i = 0; i < 10; ++i) prompt += "dog ";
  auto w = prompt_windows(*tok, prompt);
  ASSERT_EQ(w.size(), 2u);
  for (const auto& win : w) {
    ASSERT_EQ(win.ids.size(), 77u);
    EXPECT_EQ(win.ids.front(), tok->bos_id());
    EXPECT_EQ(win.ids.back(), tok->eos_id());
  }
  EXPECT_EQ(w[0].ids[71], comma);
  EXPECT_EQ(w[0].ids[72], tok->eos_id());  // padded after the comma
  EXPECT_EQ(w[1].ids[1], tok->encode("dog")[0]);
  // Weights follow the tokens; BREAK starts a window.
  auto b = prompt_windows(*tok, "a (red:1.5) cat BREAK blue");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[0].weights[2], 1.5);
  EXPECT_DOUBLE_EQ(b[0].weights[3], 1.0);
  EXPECT_EQ(b[1].ids[1], tok->encode("blue")[0]);
  EXPECT_EQ(prompt_windows(*tok, "").size(), 1u);
}

TEST(Sd1Modules, ConfigsAreChecked) {
  EXPECT_FALSE(unet_config_from_json("{}"));
  EXPECT_FALSE(unet_config_from_json(R"({"block_out_channels":[32,64],"down_block_types":["CrossAttnDownBlock2D"],
    "up_block_types":["UpBlock2D","CrossAttnUpBlock2D"],"attention_head_dim":8})"));
  auto bad_block = unet_config_from_json(R"({"block_out_channels":[32],"down_block_types":["SimpleCrossAttnDownBlock2D"],
    "up_block_types":["UpBlock2D"],"attention_head_dim":8})");
  ASSERT_FALSE(bad_block);
  EXPECT_NE(bad_block.error().message.find("SimpleCrossAttnDownBlock2D"), std::string::npos);
  EXPECT_FALSE(vae_config_from_json(R"({"block_out_channels":[30],"norm_num_groups":8})"));
}

}  // namespace
}  // namespace provena::sd1
