#include "generator/tiny_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_io.h"
#include "core/hash.h"
#include "generator/pipeline.h"
#include "generator/safetensors.h"
#include "generator/train.h"
#include "tests/test_util.h"

namespace provena {
namespace {

tiny::Config small_config() {
  tiny::Config c;
  c.resolution = 32;
  c.ch0 = 16;
  c.ch1 = 32;
  c.ch2 = 48;
  c.text_dim = 32;
  c.text_layers = 1;
  c.heads = 2;
  c.max_tokens = 8;
  c.vocab = {"<pad>", "<unk>", "<bos>", "a", "red", "circle", "红", "色"};
  return c;
}

// A model folder with freshly initialized weights (no training needed to test the plumbing).
std::string make_model_dir(const testing::TempDir& dir, uint64_t seed = 3) {
  torch::manual_seed(seed);
  tiny::Model m(small_config());
  // Non-zero output weights, so that the velocity (and the image) depends on the input.
  {
    torch::NoGradGuard g;
    m->out_conv->weight.normal_(0, 0.05);
  }
  const std::string bytes = tiny::save_weights(m, {});
  const std::string d = dir / "tiny-test";
  std::filesystem::create_directories(d);
  EXPECT_TRUE(write_file_atomic(d + "/model.safetensors", bytes));
  EXPECT_TRUE(write_file_atomic(d + "/model.json", tiny::config_to_json(small_config())));
  EXPECT_TRUE(write_file_atomic(d + "/model.sha256", Sha256::hex(bytes.data(), bytes.size()) + "  model.safetensors\n"));
  return d;
}

TEST(TinyModel, TokenizerSplitsWordsAndCjkCharacters) {
  EXPECT_EQ(tiny::split_caption("A small Red circle, at top-left!"),
            (std::vector<std::string>{"a", "small", "red", "circle", "at", "top", "left"}));
  EXPECT_EQ(tiny::split_caption("蓝色背景，红色小圆"),
            (std::vector<std::string>{"蓝", "色", "背", "景", "红", "色", "小", "圆"}));
  auto c = small_config();
  EXPECT_EQ(tiny::tokenize(c, "a red CIRCLE"), (std::vector<int64_t>{2, 3, 4, 5, 0, 0, 0, 0}));
  EXPECT_EQ(tiny::tokenize(c, "a blue circle 红色"), (std::vector<int64_t>{2, 3, 1, 5, 6, 7, 0, 0}));
  EXPECT_EQ(tiny::tokenize(c, "a a a a a a a a a a")[7], 3);  // cut at max_tokens
  EXPECT_EQ(tiny::tokenize(c, ""), (std::vector<int64_t>{2, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(TinyModel, ConfigAndWeightsRoundTrip) {
  auto c = small_config();
  auto parsed = tiny::config_from_json(tiny::config_to_json(c));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->vocab, c.vocab);
  EXPECT_EQ(parsed->ch1, 32);
  EXPECT_EQ(parsed->ch2, 48);
  EXPECT_EQ(parsed->shift, 3.0);
  EXPECT_EQ(parsed->train_shift, 12.0);
  EXPECT_EQ(parsed->train_mix, 0.0);
  c.train_mix = 0.5;
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->train_mix, 0.5);
  EXPECT_TRUE(parsed->shape_weights.empty());
  c.shape_weights = {1, 2, 1, 3, 1, 1, 2, 0};
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->shape_weights, c.shape_weights);
  for (std::vector<int> bad : {std::vector<int>{1, 2, 3}, std::vector<int>(8, 0), std::vector<int>{1, 1, 1, -1, 1, 1, 1, 1},
                               std::vector<int>{1, 1, 1, 1001, 1, 1, 1, 1}}) {
    c.shape_weights = bad;
    auto refused = tiny::config_from_json(tiny::config_to_json(c));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("shape_weights"), std::string::npos) << refused.error().message;
  }
  c.shape_weights.clear();
  EXPECT_TRUE(parsed->size_weights.empty());
  c.size_weights = {3, 2, 0};
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->size_weights, c.size_weights);
  for (std::vector<int> bad : {std::vector<int>(8, 1), std::vector<int>(3, 0), std::vector<int>{1, -1, 1}}) {
    c.size_weights = bad;
    auto refused = tiny::config_from_json(tiny::config_to_json(c));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("size_weights"), std::string::npos) << refused.error().message;
  }
  c.size_weights.clear();
  EXPECT_FALSE(parsed->unsized_means_medium);
  c.unsized_means_medium = true;
  EXPECT_TRUE(tiny::config_from_json(tiny::config_to_json(c))->unsized_means_medium);
  c.unsized_means_medium = false;
  EXPECT_FALSE(parsed->position_optional);
  c.position_optional = true;
  EXPECT_TRUE(tiny::config_from_json(tiny::config_to_json(c))->position_optional);
  c.position_optional = false;
  EXPECT_EQ(parsed->short_caption_percent, 10);
  c.short_caption_percent = 40;
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->short_caption_percent, 40);
  c.short_caption_percent = 101;
  EXPECT_FALSE(tiny::config_from_json(tiny::config_to_json(c)));
  c.short_caption_percent = 10;
  EXPECT_FALSE(tiny::config_from_json("{\"family\":\"sd1\"}"));
  EXPECT_FALSE(tiny::config_from_json(R"({"family":"tiny-flow","resolution":30,"patch":4})"));
  torch::manual_seed(1);
  tiny::Model a(c);
  torch::manual_seed(2);
  tiny::Model b(c);
  auto x = torch::randn({2, 3, 32, 32});
  auto t = torch::tensor({100.0f, 900.0f});
  auto tokens = torch::tensor(tiny::tokenize(c, "a red circle")).unsqueeze(0).repeat({2, 1});
  torch::NoGradGuard g;
  auto [ctx, pad] = a->encode_text(tokens);
  auto va = a->forward(x, t, ctx, pad);
  EXPECT_EQ(va.sizes(), x.sizes());
  ASSERT_TRUE(tiny::load_weights(b, tiny::save_weights(a, {{"k", "v"}}), "a"));
  auto [ctx_b, pad_b] = b->encode_text(tokens);
  EXPECT_TRUE(torch::equal(b->forward(x, t, ctx_b, pad_b), va));
  auto bigger = c;
  bigger.ch0 = 64;
  tiny::Model other(bigger);
  auto st = tiny::load_weights(other, tiny::save_weights(a, {}), "a.safetensors");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("wrong shape"), std::string::npos) << st.error().message;
  EXPECT_GT(tiny::parameter_count(a), 10000);
}

TEST(Pipeline, SameSeedSamePixelsOnEveryRun) {
  testing::TempDir dir;
  auto p = Pipeline::load(make_model_dir(dir), "cpu");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->model().family, "tiny-flow");
  EXPECT_EQ((*p)->model().resolution, 32);
  GenerateOptions o;
  o.prompt = "a red circle";
  o.seed = 42;
  o.steps = 3;
  int progress_calls = 0;
  o.progress = [&](int, int) { return ++progress_calls, true; };
  GenerationStats stats;
  auto a = (*p)->generate(o, &stats);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].width, 32);
  EXPECT_EQ((*a)[0].pixels.size(), 32u * 32 * 3);
  EXPECT_EQ(progress_calls, 3);
  EXPECT_EQ(stats.device, "cpu");
  EXPECT_EQ(stats.cfg, 2.0);  // no cfg asked: the model's default (model.json "guidance")
  EXPECT_EQ((*p)->model().guidance, 2.0);
  auto again = (*p)->generate(o);
  EXPECT_EQ((*again)[0].pixels, (*a)[0].pixels);
  o.cfg = 2.0;
  EXPECT_EQ((*(*p)->generate(o))[0].pixels, (*a)[0].pixels);
  o.cfg = 4.0;
  EXPECT_NE((*(*p)->generate(o, &stats))[0].pixels, (*a)[0].pixels);
  EXPECT_EQ(stats.cfg, 4.0);
  o.cfg = -1;
  o.seed = 43;
  EXPECT_NE((*(*p)->generate(o))[0].pixels, (*a)[0].pixels);
  // Image 1 of a batch from seed 42 is image 0 from seed 43 (noise per image, on the CPU).
  o.seed = 42;
  o.batch = 2;
  auto batch = (*p)->generate(o);
  ASSERT_TRUE(batch);
  o.seed = 43;
  o.batch = 1;
  auto single = (*p)->generate(o);
  int max_diff = 0;
  for (size_t i = 0; i < (*single)[0].pixels.size(); ++i)
    max_diff = std::max(max_diff, std::abs(int((*batch)[1].pixels[i]) - int((*single)[0].pixels[i])));
  EXPECT_LE(max_diff, 1);
  o.noise = NoiseSource::kPhilox;
  EXPECT_NE((*(*p)->generate(o))[0].pixels, (*single)[0].pixels);
  o.progress = [](int step, int) { return step < 2; };
  auto cancelled = (*p)->generate(o);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().message, "cancelled");
}

TEST(Pipeline, RefusesTamperedOrMissingModels) {
  testing::TempDir dir;
  const std::string d = make_model_dir(dir);
  ASSERT_TRUE(write_file_atomic(d + "/model.sha256", std::string(64, '0') + "  model.safetensors\n"));
  auto p = Pipeline::load(d, "cpu");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("differs from model.sha256"), std::string::npos);
  auto missing = Pipeline::load(dir / "nowhere", "cpu");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("not a model folder"), std::string::npos);
}

// Parts added to a trained model with zero-initialized outputs — top-level attention
// (attn0) and the full-resolution head (fine): the grown model gives the same output until
// training moves them; the config says what it has.
TEST(TinyModel, GrownPartsStartAsTheModelWithoutThem) {
  auto c = small_config();
  torch::manual_seed(1);
  tiny::Model plain(c);
  {
    torch::NoGradGuard g;
    plain->out_conv->weight.normal_(0, 0.05);
  }
  EXPECT_FALSE(tiny::config_from_json(tiny::config_to_json(c))->attn0);
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->fine, 0);
  const std::string weights = tiny::save_weights(plain, {});
  auto x = torch::randn({2, 3, 32, 32});
  auto t = torch::tensor({100.0f, 900.0f});
  auto tokens = torch::tensor(tiny::tokenize(c, "a red circle")).unsqueeze(0).repeat({2, 1});
  for (const bool attention : {true, false}) {
    SCOPED_TRACE(attention ? "attn0" : "fine");
    auto grown_config = c;
    if (attention) grown_config.attn0 = true;
    else grown_config.fine = 8;
    auto parsed = tiny::config_from_json(tiny::config_to_json(grown_config));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->attn0, attention);
    EXPECT_EQ(parsed->fine, attention ? 0 : 8);
    tiny::Model grown(grown_config);
    EXPECT_FALSE(tiny::load_weights(grown, weights, "plain"));  // the new parts are missing
    ASSERT_TRUE(tiny::load_weights(grown, weights, "plain", /*allow_missing=*/true));
    EXPECT_GT(tiny::parameter_count(grown), tiny::parameter_count(plain));
    torch::NoGradGuard g;
    auto [ctx, pad] = plain->encode_text(tokens);
    auto expected = plain->forward(x, t, ctx, pad);
    EXPECT_TRUE(torch::allclose(grown->forward(x, t, ctx, pad), expected));
    if (attention) grown->a0->cross_attn->out_proj->weight.normal_(0, 0.1);
    else grown->fine_out->weight.normal_(0, 0.1);
    EXPECT_FALSE(torch::allclose(grown->forward(x, t, ctx, pad), expected));
  }
  auto odd = c;
  odd.fine = 12;  // not a multiple of the group norm's 8 groups
  EXPECT_FALSE(tiny::config_from_json(tiny::config_to_json(odd)));
}

// EDM preconditioning: at noise 0 the input passes through whatever the weights; at
// full noise the input does not reach the output through the skip (only through F).
TEST(TinyModel, EdmPreconditioningPassesTheInputAtLowNoise) {
  auto c = small_config();
  c.edm_sigma_data = 0.5;
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(c))->edm_sigma_data, 0.5);
  EXPECT_EQ(tiny::config_from_json(tiny::config_to_json(small_config()))->edm_sigma_data, 0.0);
  torch::manual_seed(4);
  tiny::Model m(c);
  {
    torch::NoGradGuard g;
    m->out_conv->weight.normal_(0, 0.05);
  }
  torch::NoGradGuard g;
  auto tokens = torch::tensor(tiny::tokenize(c, "a red circle"), torch::kLong).unsqueeze(0);
  auto [ctx, pad] = m->encode_text(tokens);
  auto x = torch::randn({1, 3, 32, 32});
  auto at0 = m->forward(x, torch::zeros({1}), ctx, pad);
  EXPECT_TRUE(torch::allclose(at0, x, 1e-5, 1e-6));
  auto at_half = m->forward(x, torch::full({1}, 500.0), ctx, pad);
  EXPECT_FALSE(torch::allclose(at_half, x, 1e-3, 1e-3));
  // Without it, the output is F itself: no pass-through at noise 0.
  torch::manual_seed(4);
  tiny::Model plain(small_config());
  {
    torch::NoGradGuard g2;
    plain->out_conv->weight.normal_(0, 0.05);
  }
  EXPECT_FALSE(torch::allclose(plain->forward(x, torch::zeros({1}), ctx, pad), x, 1e-3, 1e-3));
}

// The loss's weights: edges count 1 + edge_weight, objects 1 + object_weight, low-noise
// samples up to snr_weight.
TEST(Training, LossWeighsLowNoiseSamplesEdgesAndObjects) {
  tiny::Config c;
  auto x0 = torch::zeros({2, 3, 8, 8});
  auto pred = torch::zeros({2, 3, 8, 8});
  pred[0].fill_(1);  // only the first sample is wrong
  auto t = torch::tensor({0.1f, 0.9f});
  EXPECT_NEAR(tiny::training_loss(pred, x0, t, c).item<double>(), 0.5, 1e-6);
  c.snr_weight = 5;  // SNR(0.1) = 81 -> 5; SNR(0.9) = 0.012 -> 1
  EXPECT_NEAR(tiny::training_loss(pred, x0, t, c).item<double>(), 5.0 / 6.0, 1e-6);
  EXPECT_NEAR(tiny::training_loss(pred, x0, torch::tensor({0.9f, 0.1f}), c).item<double>(), 1.0 / 6.0, 1e-6);
  c.snr_weight = 0;
  // One edge: the left half white. An error on the edge columns costs more than the same
  // error inside a flat area.
  auto half = torch::zeros({1, 3, 8, 8});
  half.slice(3, 0, 4).fill_(1);
  auto on_edge = half.clone(), off_edge = half.clone();
  on_edge.select(3, 3).add_(0.5);
  off_edge.select(3, 0).add_(0.5);
  auto t1 = torch::tensor({0.5f});
  const double plain_on = tiny::training_loss(on_edge, half, t1, c).item<double>();
  EXPECT_NEAR(plain_on, tiny::training_loss(off_edge, half, t1, c).item<double>(), 1e-6);
  c.edge_weight = 4;
  EXPECT_GT(tiny::training_loss(on_edge, half, t1, c).item<double>(), 2 * plain_on);
  EXPECT_LT(tiny::training_loss(off_edge, half, t1, c).item<double>(), plain_on);
  c.edge_weight = 0;
  // Objects: an error on the masked pixels weighs 1 + object_weight, normalized by the mean
  // weight. 4 of 64 pixels masked, weight 7 there: mean weight (60 + 4 * 7) / 64.
  auto flat = torch::zeros({1, 3, 8, 8});
  auto objects = torch::zeros({1, 1, 8, 8});
  objects.slice(2, 0, 2).slice(3, 0, 2).fill_(1);
  auto in_object = flat.clone(), outside = flat.clone();
  in_object.slice(2, 0, 2).slice(3, 0, 2).fill_(1);
  outside.slice(2, 6, 8).slice(3, 6, 8).fill_(1);
  const double plain = tiny::training_loss(in_object, flat, t1, c, objects).item<double>();
  EXPECT_NEAR(plain, 4.0 / 64, 1e-6);  // object_weight 0: the mask is ignored
  c.object_weight = 6;
  const double mean_w = (60 + 4 * 7) / 64.0;
  EXPECT_NEAR(tiny::training_loss(in_object, flat, t1, c, objects).item<double>(), 7 * plain / mean_w, 1e-6);
  EXPECT_NEAR(tiny::training_loss(outside, flat, t1, c, objects).item<double>(), plain / mean_w, 1e-6);
  EXPECT_NEAR(tiny::training_loss(in_object, flat, t1, c).item<double>(), plain, 1e-6);  // no mask given
}

// Objects' weight factors: with balance 1 each object gets the same total weight (its
// pixel count times its factor is a sixteenth of the image); with 0 every object pixel is 1.
TEST(Training, ObjectLossFactorsBalanceObjectSizes) {
  std::vector<uint8_t> covered(64 * 64, 0);
  std::fill_n(covered.begin(), 100, 1);         // a small object
  std::fill_n(covered.begin() + 1000, 400, 2);  // a larger one
  auto f = object_loss_factors(covered, 1.0);
  ASSERT_EQ(f.size(), covered.size());
  EXPECT_FLOAT_EQ(f[0], 256.0f / 100);
  EXPECT_FLOAT_EQ(f[1000], 256.0f / 400);
  EXPECT_FLOAT_EQ(f[500], 0.0f);  // off the objects
  EXPECT_FLOAT_EQ(100 * f[0], 400 * f[1000]);
  auto plain = object_loss_factors(covered, 0.0);
  EXPECT_FLOAT_EQ(plain[0], 1.0f);
  EXPECT_FLOAT_EQ(plain[1000], 1.0f);
  EXPECT_FLOAT_EQ(plain[500], 0.0f);
  auto half = object_loss_factors(covered, 0.5);
  EXPECT_FLOAT_EQ(half[0], 1.6f);
}

// A run of one step on a batch of two, on one thread.
TrainOptions one_step_run(const std::string& checkpoint_dir) {
  TrainOptions o;
  o.steps = 1;
  o.batch = 2;
  o.seed = 5;
  o.threads = 1;
  o.checkpoint_dir = checkpoint_dir;
  return o;
}

TEST(Training, RefusesAnUnknownOrMissingDevice) {
  testing::TempDir dir;
  TrainOptions o = one_step_run(dir / "a");
  o.device = "tpu";
  auto st = train_tiny(o);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("unknown device 'tpu'"), std::string::npos);
  if (!torch::cuda::is_available()) {
    o.device = "cuda";
    st = train_tiny(o);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("no CUDA device"), std::string::npos);
  }
}

// A fresh run from another run's checkpoint: its configuration (plus attn0) and weights;
// or from an exported model.
TEST(Training, StartsFromAnotherCheckpoint) {
  testing::TempDir dir;
  TrainOptions o = one_step_run(dir / "base");
  ASSERT_TRUE(train_tiny(o));
  auto grown = o;
  grown.checkpoint_dir = dir / "grown";
  grown.init_from = dir / "base";
  grown.attn0 = true;
  grown.train_mix = 0.5;
  grown.edge_weight = 2;  // trains with the edge-weighted loss
  grown.snr_weight = 3;   // and low-noise samples weighted up
  grown.object_weight = 5;  // and the objects' pixels (batches with masks),
  grown.object_balance = 1;  // small objects as much as large ones
  grown.shape_weights = {1, 2, 1, 5, 1, 1, 2, 1};  // and more stars
  grown.size_weights = {2, 1, 1};                   // and small objects
  grown.unsized_means_medium = true;                // and "a red circle" medium
  grown.position_optional = true;                   // and captions without positions
  grown.short_caption_percent = 30;                 // and more short captions
  grown.seed = 7;
  ASSERT_TRUE(train_tiny(grown));
  auto config = tiny::config_from_json(*read_file(dir / "grown/config.json"));
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->attn0);
  EXPECT_EQ(config->train_mix, 0.5);
  EXPECT_EQ(config->edge_weight, 2.0);
  EXPECT_EQ(config->snr_weight, 3.0);
  EXPECT_EQ(config->object_weight, 5.0);
  EXPECT_EQ(config->object_balance, 1.0);
  EXPECT_EQ(config->shape_weights, grown.shape_weights);
  EXPECT_EQ(config->size_weights, grown.size_weights);
  EXPECT_TRUE(config->unsized_means_medium);
  EXPECT_TRUE(config->position_optional);
  EXPECT_EQ(config->short_caption_percent, 30);
  ASSERT_TRUE(export_tiny(dir / "grown", dir / "model"));
  auto p = Pipeline::load(dir / "model", "cpu");
  ASSERT_TRUE(p) << p.error().message;
  GenerateOptions g;
  g.prompt = "a red circle";
  g.steps = 2;
  EXPECT_TRUE((*p)->generate(g));
  // An exported model is a starting point too (the GPU script brings back only that).
  auto again = grown;
  again.init_from = dir / "model";
  again.checkpoint_dir = dir / "again";
  again.attn0 = false;
  again.learning_rate = 1e-12;  // one step that changes nothing: the weights are the model's
  ASSERT_TRUE(train_tiny(again));
  auto before = SafetensorsFile::open(dir / "grown/weights.safetensors");
  auto after = SafetensorsFile::open(dir / "again/weights.safetensors");
  ASSERT_TRUE(before && after);
  auto w0 = before->read_f32("in_conv.weight"), w1 = after->read_f32("in_conv.weight");
  ASSERT_TRUE(w0 && w1);
  ASSERT_EQ(w0->size(), w1->size());
  double worst = 0;
  for (size_t i = 0; i < w0->size(); ++i) worst = std::max(worst, double(std::abs((*w0)[i] - (*w1)[i])));
  EXPECT_LT(worst, 1e-3);  // half precision in the export
  EXPECT_GT(std::abs((*w0)[0]) + std::abs((*w0)[1]), 0);
  auto again_config = tiny::config_from_json(*read_file(dir / "again/config.json"));
  ASSERT_TRUE(again_config);
  EXPECT_TRUE(again_config->attn0);  // the exported model's architecture
  EXPECT_EQ(again_config->shape_weights, grown.shape_weights);  // and training choices
  EXPECT_EQ(again_config->size_weights, grown.size_weights);
  EXPECT_TRUE(again_config->unsized_means_medium);
  EXPECT_TRUE(again_config->position_optional);
  EXPECT_EQ(again_config->short_caption_percent, 30);
  auto odd = again;
  odd.checkpoint_dir = dir / "odd";
  odd.shape_weights = {1, 2, 3};
  auto refused = train_tiny(odd);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("shape_weights"), std::string::npos) << refused.error().message;
  odd.shape_weights.clear();
  odd.size_weights = {1, 0};
  refused = train_tiny(odd);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("size_weights"), std::string::npos) << refused.error().message;
  grown.init_from = dir / "nowhere";
  grown.checkpoint_dir = dir / "other";
  EXPECT_FALSE(train_tiny(grown));
}

// The largest |a - b| over one tensor of two safetensors files.
double max_difference(const std::string& a_path, const std::string& b_path, const std::string& name) {
  auto a = SafetensorsFile::open(a_path), b = SafetensorsFile::open(b_path);
  if (!a || !b) return -1;
  auto x = a->read_f32(name), y = b->read_f32(name);
  if (!x || !y || x->size() != y->size()) return -1;
  double worst = 0;
  for (size_t i = 0; i < x->size(); ++i) worst = std::max(worst, double(std::abs((*x)[i] - (*y)[i])));
  return worst;
}

// --ema: the moving average is saved beside the weights, resumes bit for bit, and is what
// the export ships; a run resumed without it drops the stale average.
TEST(Training, KeepsAMovingAverageThroughAResumeAndExportsIt) {
  testing::TempDir dir;
  TrainOptions o = one_step_run(dir / "a");
  o.steps = 3;
  o.checkpoint_every = 2;
  o.ema_decay = 0.999;
  o.learning_rate = 10;  // steps of 0.1, 0.2, 0.3 in the warm-up: the average visibly lags
  ASSERT_TRUE(train_tiny(o));
  auto b = o;
  b.checkpoint_dir = dir / "b";
  b.steps = 2;
  ASSERT_TRUE(train_tiny(b));
  b.steps = 3;
  ASSERT_TRUE(train_tiny(b));
  EXPECT_EQ(*read_file(dir / "a/ema.safetensors"), *read_file(dir / "b/ema.safetensors"));
  EXPECT_EQ(*read_file(dir / "a/weights.safetensors"), *read_file(dir / "b/weights.safetensors"));
  const std::string name = "in_conv.weight";
  const double lag = max_difference(dir / "a/ema.safetensors", dir / "a/weights.safetensors", name);
  EXPECT_GT(lag, 0.02);
  ASSERT_TRUE(export_tiny(dir / "a", dir / "model"));
  EXPECT_LT(max_difference(dir / "model/model.safetensors", dir / "a/ema.safetensors", name), 2e-3);
  EXPECT_GT(max_difference(dir / "model/model.safetensors", dir / "a/weights.safetensors", name), 0.02);
  auto without = o;
  without.ema_decay = 0;
  without.steps = 4;
  ASSERT_TRUE(train_tiny(without));
  EXPECT_FALSE(std::filesystem::exists(dir / "a/ema.safetensors"));
  ASSERT_TRUE(export_tiny(dir / "a", dir / "plain"));
  EXPECT_LT(max_difference(dir / "plain/model.safetensors", dir / "a/weights.safetensors", name), 2e-3);
  auto odd = o;
  odd.checkpoint_dir = dir / "odd";
  odd.ema_decay = 1;
  auto refused = train_tiny(odd);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("moving average"), std::string::npos) << refused.error().message;
}

TEST(Training, DeterministicAndResumable) {
  testing::TempDir dir;
  TrainOptions o = one_step_run(dir / "a");
  o.steps = 3;
  o.checkpoint_every = 2;
  ASSERT_TRUE(train_tiny(o));
  auto b = o;
  b.checkpoint_dir = dir / "b";
  b.steps = 2;
  double reported_lr = 0;
  b.progress = [&](const TrainProgress& p) { reported_lr = p.learning_rate; };
  ASSERT_TRUE(train_tiny(b));  // stops at 2 ...
  EXPECT_DOUBLE_EQ(reported_lr, o.learning_rate * 2 / 100);  // step 2 of the 100-step warm-up
  b.steps = 3;
  ASSERT_TRUE(train_tiny(b));  // ... and resumes to 3
  EXPECT_EQ(*read_file(dir / "a/weights.safetensors"), *read_file(dir / "b/weights.safetensors"));
  auto other = o;
  other.seed = 6;
  EXPECT_FALSE(train_tiny(other));  // a checkpoint of another run is not resumed
  ASSERT_TRUE(export_tiny(dir / "a", dir / "model"));
  auto p = Pipeline::load(dir / "model", "cpu");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->model().resolution, 64);
}

}  // namespace
}  // namespace provena
