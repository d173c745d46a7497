#include "importers/comfyui.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/file_io.h"
#include "core/png.h"

namespace provena {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A plain text-to-image API graph, in the shape ComfyUI writes.
json basic_graph() {
  return json::parse(R"({
    "3": {"class_type": "KSampler", "inputs": {"seed": 47447417949230, "steps": 9, "cfg": 1.5,
          "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0, "model": ["10", 0],
          "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
    "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "style.safetensors", "strength_model": 1.0,
           "strength_clip": 1.0, "model": ["4", 0], "clip": ["4", 1]}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 832, "height": 1216, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat\n", "clip": ["10", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["10", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
  })");
}

Result<Record> read_graph(const json& g) { return read_comfyui_prompt_graph(g.dump()); }

TEST(ComfyTolerant, ReplacesBareNonFiniteNumbersOnly) {
  EXPECT_EQ(comfyui_json_tolerant(R"({"a": NaN, "b": [Infinity, -Infinity], "c": 1})"),
            R"({"a": null, "b": [null, null], "c": 1})");
  // Inside strings (including escaped quotes) nothing changes.
  std::string s = R"({"t": "NaN \" Infinity -Infinity", "u": "\\", "v": NaN})";
  EXPECT_EQ(comfyui_json_tolerant(s), R"({"t": "NaN \" Infinity -Infinity", "u": "\\", "v": null})");
  EXPECT_EQ(comfyui_json_tolerant("[NaN,NaN]"), "[null,null]");
  // Not a token of its own: left for the JSON parser to reject.
  EXPECT_EQ(comfyui_json_tolerant("[NaNx, xNaN]"), "[NaNx, xNaN]");
  EXPECT_EQ(comfyui_json_tolerant(""), "");
  EXPECT_EQ(comfyui_json_tolerant("\"unterminated NaN"), "\"unterminated NaN");
  // The repair is skipped only where nothing could need it.
  EXPECT_TRUE(comfyui_json_needs_repair(R"({"a": NaN})"));
  EXPECT_TRUE(comfyui_json_needs_repair("[-Infinity]"));
  EXPECT_FALSE(comfyui_json_needs_repair(R"({"a": 1.5, "text": "nan inf"})"));
}

TEST(ComfyGraph, ReadsBasicGraph) {
  auto r = read_graph(basic_graph());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool, "comfyui");
  EXPECT_EQ(r->prompt, "a cat\n");
  EXPECT_EQ(r->negative_prompt, "");
  EXPECT_EQ(r->seed, 47447417949230);
  EXPECT_EQ(r->steps, 9);
  EXPECT_EQ(r->cfg_scale, 1.5);
  EXPECT_EQ(r->sampler, "euler");
  EXPECT_EQ(r->scheduler, "simple");
  EXPECT_EQ(r->model, "base.safetensors");
  EXPECT_EQ(r->requested_width, 832);
  EXPECT_EQ(r->requested_height, 1216);
}

TEST(ComfyGraph, ToleratesNaNInTheGraph) {
  std::string text = basic_graph().dump();
  text.replace(text.find("1.5"), 3, "NaN");  // cfg
  text.insert(text.size() - 1, R"(,"99": {"class_type": "Foo", "inputs": {}, "is_changed": [NaN]})");
  auto r = read_comfyui_prompt_graph(text);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->cfg_scale.has_value());
  EXPECT_EQ(r->seed, 47447417949230);
}

TEST(ComfyGraph, FollowsTheFinalPassOfAHiresGraph) {
  json g = basic_graph();
  g["20"] = {{"class_type", "LatentUpscale"},
             {"inputs", {{"samples", {"3", 0}}, {"width", 1600}, {"height", 2400}}}};
  g["21"] = {{"class_type", "KSampler"},
             {"inputs", {{"seed", 7}, {"steps", 12}, {"cfg", 4.0}, {"sampler_name", "dpmpp_2m"},
                         {"scheduler", "karras"}, {"denoise", 0.5}, {"model", {"4", 0}},
                         {"positive", {"22", 0}}, {"negative", {"7", 0}}, {"latent_image", {"20", 0}}}}};
  g["22"] = {{"class_type", "CLIPTextEncode"}, {"inputs", {{"text", "second pass"}, {"clip", {"4", 1}}}}};
  g["23"] = {{"class_type", "VAEDecode"}, {"inputs", {{"samples", {"21", 0}}, {"vae", {"4", 2}}}}};
  g["24"] = {{"class_type", "SaveImage"}, {"inputs", {{"images", {"23", 0}}}}};
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->seed, 7);
  EXPECT_EQ(r->steps, 12);
  EXPECT_EQ(r->prompt, "second pass");
  EXPECT_EQ(r->model, "base.safetensors");
  // The requested size is the first pass's empty latent, as A1111's "Size:".
  EXPECT_EQ(r->requested_width, 832);
}

TEST(ComfyGraph, ReadsACustomSamplerGraph) {
  json g = json::parse(R"({
    "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
    "2": {"class_type": "ModelSamplingFlux", "inputs": {"model": ["1", 0], "max_shift": 1.15}},
    "3": {"class_type": "CLIPTextEncode", "inputs": {"text": ["11", 0], "clip": ["9", 0]}},
    "4": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["3", 0]}},
    "5": {"class_type": "BasicGuider", "inputs": {"model": ["2", 0], "conditioning": ["4", 0]}},
    "6": {"class_type": "RandomNoise", "inputs": {"noise_seed": ["12", 0]}},
    "7": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
    "8": {"class_type": "BasicScheduler", "inputs": {"scheduler": "beta", "steps": 28, "denoise": 1.0, "model": ["2", 0]}},
    "9": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5.safetensors", "clip_name2": "clip_l.safetensors"}},
    "10": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["6", 0], "guider": ["5", 0],
           "sampler": ["7", 0], "sigmas": ["8", 0], "latent_image": ["13", 0]}},
    "11": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a lighthouse"}},
    "12": {"class_type": "PrimitiveInt", "inputs": {"value": 1234}},
    "13": {"class_type": "EmptySD3LatentImage", "inputs": {"width": ["14", 0], "height": 768, "batch_size": 1}},
    "14": {"class_type": "PrimitiveInt", "inputs": {"value": 1344}},
    "15": {"class_type": "VAEDecode", "inputs": {"samples": ["10", 0], "vae": ["16", 0]}},
    "16": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}},
    "17": {"class_type": "SaveImage", "inputs": {"images": ["15", 0], "filename_prefix": "x"}}
  })");
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "a lighthouse");
  EXPECT_FALSE(r->negative_prompt.has_value());
  EXPECT_EQ(r->seed, 1234);
  EXPECT_EQ(r->steps, 28);
  EXPECT_FALSE(r->cfg_scale.has_value());  // BasicGuider has no CFG
  EXPECT_EQ(r->sampler, "euler");
  EXPECT_EQ(r->scheduler, "beta");
  EXPECT_EQ(r->model, "flux1-dev.safetensors");
  EXPECT_EQ(r->requested_width, 1344);
  EXPECT_EQ(r->requested_height, 768);
}

TEST(ComfyGraph, ZeroedNegativeIsAbsentAndAdvancedControlNetKeepsRoles) {
  json g = basic_graph();
  g["30"] = {{"class_type", "ControlNetApplyAdvanced"},
             {"inputs", {{"positive", {"6", 0}}, {"negative", {"31", 0}}, {"control_net", {"32", 0}},
                         {"image", {"33", 0}}, {"strength", 1.0}}}};
  g["31"] = {{"class_type", "ConditioningZeroOut"}, {"inputs", {{"conditioning", {"6", 0}}}}};
  g["32"] = {{"class_type", "ControlNetLoader"}, {"inputs", {{"control_net_name", "cn.safetensors"}}}};
  g["33"] = {{"class_type", "LoadImage"}, {"inputs", {{"image", "pose.png"}}}};
  g["3"]["inputs"]["positive"] = {"30", 0};
  g["3"]["inputs"]["negative"] = {"30", 1};
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "a cat\n");
  EXPECT_FALSE(r->negative_prompt.has_value());
}

TEST(ComfyGraph, SwitchFallsBackWhenTheSelectedTextIsGenerated) {
  json g = basic_graph();
  g["6"]["inputs"]["text"] = {"40", 0};
  g["40"] = {{"class_type", "ComfySwitchNode"},
             {"inputs", {{"switch", {"41", 0}}, {"on_true", {"42", 0}}, {"on_false", {"43", 0}}}}};
  g["41"] = {{"class_type", "PrimitiveBoolean"}, {"inputs", {{"value", true}}}};
  g["42"] = {{"class_type", "TextGenerate"}, {"inputs", {{"prompt", {"43", 0}}, {"clip", {"4", 1}}}}};
  g["43"] = {{"class_type", "PrimitiveStringMultiline"}, {"inputs", {{"value", "user text"}}}};
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "user text");

  // With a plain string on the selected side, that side wins.
  g["44"] = {{"class_type", "PrimitiveString"}, {"inputs", {{"value", "chosen"}}}};
  g["40"]["inputs"]["on_true"] = {"44", 0};
  r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "chosen");
}

TEST(ComfyGraph, ZeroedHalfOfACombinedNegativeKeepsTheOtherHalfsText) {
  // The SD3 example pattern: zero for most of the schedule, the real negative early on.
  json g = basic_graph();
  g["7"]["inputs"]["text"] = "lowres";
  g["60"] = {{"class_type", "ConditioningZeroOut"}, {"inputs", {{"conditioning", {"7", 0}}}}};
  g["61"] = {{"class_type", "ConditioningSetTimestepRange"},
             {"inputs", {{"conditioning", {"60", 0}}, {"start", 0.1}, {"end", 1.0}}}};
  g["62"] = {{"class_type", "ConditioningSetTimestepRange"},
             {"inputs", {{"conditioning", {"7", 0}}, {"start", 0.0}, {"end", 0.1}}}};
  g["63"] = {{"class_type", "ConditioningCombine"},
             {"inputs", {{"conditioning_1", {"61", 0}}, {"conditioning_2", {"62", 0}}}}};
  g["3"]["inputs"]["negative"] = {"63", 0};
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->negative_prompt, "lowres");
}

TEST(ComfyGraph, PromptsGivenAsTextToALoaderAndValuesFromSelectorNodes) {
  // Efficient Loader style: the loader takes both prompts as text and outputs them encoded;
  // Image Saver style selector nodes feed the sampler's settings.
  json g = json::parse(R"json({
    "1": {"class_type": "Efficient Loader", "inputs": {"ckpt_name": "eff.safetensors",
          "positive": "pos text", "negative": ["9", 0], "empty_latent_width": 512}},
    "9": {"class_type": "String Literal", "inputs": {"string": "neg text"}},
    "2": {"class_type": "KSampler (Efficient)", "inputs": {"model": ["1", 0], "positive": ["1", 1],
          "negative": ["1", 2], "seed": ["3", 0], "steps": ["4", 0], "cfg": ["5", 0],
          "sampler_name": ["6", 0], "scheduler": "karras", "latent_image": ["1", 3]}},
    "3": {"class_type": "Seed Generator", "inputs": {"seed": 99}},
    "4": {"class_type": "Int Literal", "inputs": {"int": 30}},
    "5": {"class_type": "Cfg Literal", "inputs": {"float": 7.5}},
    "6": {"class_type": "Sampler Selector", "inputs": {"sampler_name": "dpmpp_2m_sde"}},
    "7": {"class_type": "Image Saver", "inputs": {"images": ["2", 5], "seed_value": ["3", 0],
          "steps": ["4", 0], "cfg": ["5", 0], "sampler_name": ["6", 0], "modelname": "x"}}
  })json");
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "pos text");
  EXPECT_EQ(r->negative_prompt, "neg text");
  EXPECT_EQ(r->model, "eff.safetensors");
  EXPECT_EQ(r->seed, 99);
  EXPECT_EQ(r->steps, 30);
  EXPECT_EQ(r->cfg_scale, 7.5);
  EXPECT_EQ(r->sampler, "dpmpp_2m_sde");
}

TEST(ComfyGraph, StringIdsAndNoOutputNode) {
  json g = json::parse(R"({
    "Sampler": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 2, "cfg": 3, "sampler_name": "euler",
                "scheduler": "normal", "model": ["Ckpt", 0], "positive": ["Pos", 0], "negative": ["Neg", 0]}},
    "Ckpt": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.ckpt"}},
    "Pos": {"class_type": "CLIPTextEncode", "inputs": {"text": "p"}},
    "Neg": {"class_type": "CLIPTextEncode", "inputs": {"text": "n"}}
  })");
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "p");
  EXPECT_EQ(r->negative_prompt, "n");
  EXPECT_EQ(r->model, "m.ckpt");
  EXPECT_EQ(r->seed, 1);
}

// ---- hostile input -------------------------------------------------------------------

TEST(ComfyHostile, RefusesLinkCycles) {
  json g = basic_graph();
  g["6"]["inputs"]["text"] = {"50", 0};
  g["50"] = {{"class_type", "StringConcatenate"}, {"inputs", {{"string_a", {"51", 0}}, {"string_b", "x"}}}};
  g["51"] = {{"class_type", "StringConcatenate"}, {"inputs", {{"string_a", {"50", 0}}, {"string_b", "y"}}}};
  auto r = read_graph(g);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cycle"), std::string::npos) << r.error().message;

  json self = basic_graph();
  self["10"]["inputs"]["model"] = {"10", 0};
  EXPECT_FALSE(read_graph(self));
}

TEST(ComfyHostile, DanglingLinksLeaveFieldsAbsent) {
  json g = basic_graph();
  g["3"]["inputs"]["positive"] = {"404", 0};
  g["3"]["inputs"]["model"] = {"", 0};
  g["3"]["inputs"]["seed"] = {"missing", 7};
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->prompt.has_value());
  EXPECT_FALSE(r->model.has_value());
  EXPECT_FALSE(r->seed.has_value());
  EXPECT_EQ(r->negative_prompt, "");
  EXPECT_EQ(r->steps, 9);
}

TEST(ComfyHostile, RefusesDeepNestingWithoutRecursing) {
  const size_t depth = 100000;
  std::string deep = R"({"1": {"class_type": "KSampler", "inputs": {"x": )";
  deep += std::string(depth, '[') + std::string(depth, ']') + "}}}";
  auto start = std::chrono::steady_clock::now();
  auto r = read_comfyui_prompt_graph(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nested"), std::string::npos) << r.error().message;
  auto w = read_comfyui_workflow(std::string(depth, '{') + std::string(depth, '}'));
  EXPECT_FALSE(w);
  std::string objects;
  for (size_t i = 0; i < depth; ++i) objects += R"({"a":)";
  objects += "1" + std::string(depth, '}');
  EXPECT_FALSE(read_comfyui_prompt_graph(objects));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ComfyHostile, WrongTypesYieldAbsentFieldsNotCrashes) {
  json g = basic_graph();
  auto& in = g["3"]["inputs"];
  in["seed"] = "not a number";
  in["steps"] = json::array({1, 2, 3});
  in["cfg"] = json::object({{"a", 1}});
  in["sampler_name"] = 42;
  in["scheduler"] = nullptr;
  g["6"]["inputs"]["text"] = 12;
  g["4"]["inputs"]["ckpt_name"] = json::array();
  g["5"]["inputs"]["width"] = -5;
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->seed.has_value());
  EXPECT_FALSE(r->steps.has_value());
  EXPECT_FALSE(r->cfg_scale.has_value());
  EXPECT_FALSE(r->sampler.has_value());
  EXPECT_FALSE(r->scheduler.has_value());
  EXPECT_FALSE(r->prompt.has_value());
  EXPECT_FALSE(r->model.has_value());
  EXPECT_FALSE(r->requested_width.has_value());

  // Numbers written as strict decimal text are read; seeds beyond int64 are absent.
  json h = basic_graph();
  h["3"]["inputs"]["seed"] = "123";
  h["3"]["inputs"]["steps"] = 20.0;
  h["3"]["inputs"]["cfg"] = "6.5";
  auto r2 = read_graph(h);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->seed, 123);
  EXPECT_EQ(r2->steps, 20);
  EXPECT_EQ(r2->cfg_scale, 6.5);
  h["3"]["inputs"]["seed"] = 18446744073709551615ull;
  auto r3 = read_graph(h);
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_FALSE(r3->seed.has_value());

  // Nodes of the wrong shape are skipped; a graph without nodes is an error.
  EXPECT_FALSE(read_comfyui_prompt_graph(R"({"1": 5, "2": {"class_type": 3}, "3": []})"));
  EXPECT_FALSE(read_comfyui_prompt_graph("[1,2,3]"));
  EXPECT_FALSE(read_comfyui_prompt_graph("not json"));
  EXPECT_FALSE(read_comfyui_prompt_graph(""));
  json odd = basic_graph();
  odd["3"]["inputs"] = "no inputs object";
  EXPECT_TRUE(read_graph(odd));
  json odd2 = basic_graph();
  odd2["6"]["inputs"]["text"] = {{"6", 0}, 1};
  odd2["3"]["inputs"]["latent_image"] = {nullptr, "x"};
  EXPECT_TRUE(read_graph(odd2));
}

TEST(ComfyHostile, RefusesAbsurdNodeCountsAndStaysFastOnWideGraphs) {
  std::string big = "{";
  for (int i = 0; i < 20000; ++i) {
    if (i) big += ",";
    big += "\"" + std::to_string(i) + R"(":{"class_type":"SaveImage","inputs":{}})";
  }
  big += "}";
  EXPECT_FALSE(read_comfyui_prompt_graph(big));

  // Many outputs over one long chain: bounded by the outputs examined and the walk budget.
  json g = basic_graph();
  for (int i = 0; i < 3000; ++i) {
    g["c" + std::to_string(i)] = {{"class_type", "ImageInvert"},
                                  {"inputs", {{"image", {i ? "c" + std::to_string(i - 1) : "8", 0}}}}};
    g["s" + std::to_string(i)] = {{"class_type", "PreviewImage"},
                                  {"inputs", {{"images", {"c" + std::to_string(i), 0}}}}};
  }
  auto start = std::chrono::steady_clock::now();
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->seed, 47447417949230);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ComfyHostile, DiamondsOfSwitchesStayBounded) {
  // Every switch's two branches lead to the same next switch: 2^200 paths without a budget.
  json g = basic_graph();
  g["6"]["inputs"]["text"] = {"w0", 0};
  for (int i = 0; i < 200; ++i) {
    std::string next = i + 1 < 200 ? "w" + std::to_string(i + 1) : "gen";
    g["w" + std::to_string(i)] = {{"class_type", "Any Switch"},
                                  {"inputs", {{"any_01", {next, 0}}, {"any_02", {next, 0}}}}};
  }
  g["gen"] = {{"class_type", "TextGenerate"}, {"inputs", {{"prompt", "x"}, {"clip", {"4", 1}}}}};
  auto start = std::chrono::steady_clock::now();
  auto r = read_graph(g);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->prompt.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// ---- the UI graph --------------------------------------------------------------------

TEST(ComfyWorkflow, ReadsPositionalWidgetsThroughReroutesPrimitivesAndBypass) {
  // LiteGraph layout: links are [id, origin, origin_slot, target, target_slot, type].
  json wf = json::parse(R"({
    "last_node_id": 12, "last_link_id": 12, "version": 0.4,
    "nodes": [
      {"id": 3, "type": "KSampler", "mode": 0,
       "inputs": [{"name": "model", "type": "MODEL", "link": 1},
                  {"name": "positive", "type": "CONDITIONING", "link": 2},
                  {"name": "negative", "type": "CONDITIONING", "link": 3},
                  {"name": "latent_image", "type": "LATENT", "link": 4},
                  {"name": "seed", "type": "INT", "link": 9, "widget": {"name": "seed"}}],
       "widgets_values": [1, "randomize", 25, 6.5, "dpmpp_2m", "karras", 1]},
      {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "widgets_values": ["sdxl.safetensors"]},
      {"id": 5, "type": "EmptyLatentImage", "mode": 0, "widgets_values": [1024, 768, 1]},
      {"id": 6, "type": "CLIPTextEncode", "mode": 0,
       "inputs": [{"name": "clip", "type": "CLIP", "link": 5}], "widgets_values": ["a fox"]},
      {"id": 7, "type": "CLIPTextEncode", "mode": 0,
       "inputs": [{"name": "clip", "type": "CLIP", "link": 6}], "widgets_values": ["blurry"]},
      {"id": 8, "type": "VAEDecode", "mode": 0,
       "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}]},
      {"id": 9, "type": "SaveImage", "mode": 0,
       "inputs": [{"name": "images", "type": "IMAGE", "link": 10}], "widgets_values": ["ComfyUI"]},
      {"id": 10, "type": "PrimitiveNode", "mode": 0, "outputs": [{"type": "INT", "links": [9]}],
       "widgets_values": [987654321, "fixed"]},
      {"id": 11, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 11}]},
      {"id": 12, "type": "ModelSamplingDiscrete", "mode": 4,
       "inputs": [{"name": "model", "type": "MODEL", "link": 12}], "widgets_values": ["eps", false]},
      {"id": 13, "type": "Note", "mode": 0, "widgets_values": ["just a note"]}
    ],
    "links": [[1, 12, 0, 3, 0, "MODEL"], [2, 6, 0, 3, 1, "CONDITIONING"], [3, 7, 0, 3, 2, "CONDITIONING"],
              [4, 5, 0, 3, 3, "LATENT"], [5, 4, 1, 6, 0, "CLIP"], [6, 4, 1, 7, 0, "CLIP"],
              [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 10, 0, 3, 4, "INT"],
              [10, 11, 0, 9, 0, "IMAGE"], [11, 8, 0, 11, 0, "IMAGE"], [12, 4, 0, 12, 0, "MODEL"]]
  })");
  auto r = read_comfyui_workflow(wf.dump());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool, "comfyui");
  EXPECT_EQ(r->prompt, "a fox");
  EXPECT_EQ(r->negative_prompt, "blurry");
  EXPECT_EQ(r->seed, 987654321);  // the primitive's value wins over the stale widget value
  EXPECT_EQ(r->steps, 25);
  EXPECT_EQ(r->cfg_scale, 6.5);
  EXPECT_EQ(r->sampler, "dpmpp_2m");
  EXPECT_EQ(r->scheduler, "karras");
  EXPECT_EQ(r->model, "sdxl.safetensors");
  EXPECT_EQ(r->requested_width, 1024);
  EXPECT_EQ(r->requested_height, 768);
}

TEST(ComfyWorkflow, StripsCommentsFromPromptBoxesAsTheFrontendDoes) {
  json wf = json::parse(R"({
    "nodes": [
      {"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}],
       "widgets_values": [5, "fixed", 20, 7, "euler", "normal", 1]},
      {"id": 2, "type": "CLIPTextEncode", "widgets_values": ["a /* hidden */cat, // note\r\nsmiling/* open"]}
    ],
    "links": [[1, 2, 0, 1, 1, "CONDITIONING"]]
  })");
  auto r = read_comfyui_workflow(wf.dump());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "a cat, \r\nsmiling/* open");
}

TEST(ComfyWorkflow, ReadsObjectLinksAndRefusesGarbage) {
  json wf = json::parse(R"({
    "nodes": [
      {"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}],
       "widgets_values": [5, true, 20, 7, "euler", "normal", 1]},
      {"id": 2, "type": "CLIPTextEncode", "widgets_values": ["hello"]}
    ],
    "links": [{"id": 1, "origin_id": 2, "origin_slot": 0, "target_id": 1, "target_slot": 0, "type": "CONDITIONING"}]
  })");
  auto r = read_comfyui_workflow(wf.dump());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "hello");
  EXPECT_EQ(r->seed, 5);
  EXPECT_EQ(r->steps, 20);  // the old boolean "random seed after every gen" widget is skipped

  EXPECT_FALSE(read_comfyui_workflow("{}"));
  EXPECT_FALSE(read_comfyui_workflow(R"({"nodes": 3})"));
  EXPECT_FALSE(read_comfyui_workflow("[]"));
  EXPECT_FALSE(read_comfyui_workflow("{\"nodes\": [NaN"));
  // Links that point nowhere, reroute loops and junk entries are tolerated.
  json junk = json::parse(R"({
    "nodes": [{"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "link": 7}, {"name": "model", "link": 8}, 5],
               "widgets_values": "x"},
              {"id": 2, "type": "Reroute", "inputs": [{"name": "", "link": 9}]},
              {"id": 3, "type": "Reroute", "inputs": [{"name": "", "link": 8}]}, 17, {"id": null}],
    "links": [[7, 99, 0, 1, 0, "CONDITIONING"], [8, 2, 0, 1, 1, "MODEL"], [9, 3, 0, 2, 0, "MODEL"], "x", [1]]
  })");
  auto j = read_comfyui_workflow(junk.dump());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_FALSE(j->prompt.has_value());
  EXPECT_FALSE(j->model.has_value());
}

TEST(ComfyWorkflow, SubgraphsAreInlinedAndSelfNestingIsBounded) {
  // A subgraph holding the sampler and encoder; its text comes in as a promoted widget and
  // its model through a link from outside (subgraph input node -10, output node -20).
  json wf = json::parse(R"({
    "nodes": [
      {"id": 1, "type": "CheckpointLoaderSimple", "mode": 0, "widgets_values": ["outer.safetensors"]},
      {"id": 2, "type": "sub-1", "mode": 0,
       "inputs": [{"name": "model", "type": "MODEL", "link": 1},
                  {"name": "text", "type": "STRING", "widget": {"name": "text"}, "link": null}],
       "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}],
       "widgets_values": ["promoted prompt"]},
      {"id": 3, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 2}]}
    ],
    "links": [[1, 1, 0, 2, 0, "MODEL"], [2, 2, 0, 3, 0, "IMAGE"]],
    "definitions": {"subgraphs": [{
      "id": "sub-1",
      "inputs": [{"name": "model", "type": "MODEL", "linkIds": [10]}, {"name": "text", "type": "STRING", "linkIds": [11]}],
      "outputs": [{"name": "IMAGE", "type": "IMAGE", "linkIds": [13]}],
      "nodes": [
        {"id": 5, "type": "KSampler", "mode": 0,
         "inputs": [{"name": "model", "type": "MODEL", "link": 10}, {"name": "positive", "type": "CONDITIONING", "link": 12}],
         "widgets_values": [42, "fixed", 8, 2.5, "euler", "simple", 1]},
        {"id": 6, "type": "CLIPTextEncode", "mode": 0,
         "inputs": [{"name": "text", "type": "STRING", "widget": {"name": "text"}, "link": 11}],
         "widgets_values": ["stale default"]},
        {"id": 7, "type": "VAEDecode", "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 14}]}
      ],
      "links": [{"id": 10, "origin_id": -10, "origin_slot": 0, "target_id": 5, "target_slot": 0, "type": "MODEL"},
                {"id": 11, "origin_id": -10, "origin_slot": 1, "target_id": 6, "target_slot": 0, "type": "STRING"},
                {"id": 12, "origin_id": 6, "origin_slot": 0, "target_id": 5, "target_slot": 1, "type": "CONDITIONING"},
                {"id": 14, "origin_id": 5, "origin_slot": 0, "target_id": 7, "target_slot": 0, "type": "LATENT"},
                {"id": 13, "origin_id": 7, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "IMAGE"}]
    }]}
  })");
  auto r = read_comfyui_workflow(wf.dump());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt, "promoted prompt");
  EXPECT_EQ(r->model, "outer.safetensors");
  EXPECT_EQ(r->seed, 42);
  EXPECT_EQ(r->steps, 8);

  // A definition that contains an instance of itself.
  json loop = wf;
  loop["definitions"]["subgraphs"][0]["nodes"].push_back({{"id", 9}, {"type", "sub-1"}, {"mode", 0}});
  auto l = read_comfyui_workflow(loop.dump());
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("nested"), std::string::npos) << l.error().message;
}

// ---- the corpus ----------------------------------------------------------------------

std::optional<std::string> png_text(const std::string& path, const std::string& key) {
  auto bytes = read_file(path);
  if (!bytes) return std::nullopt;
  auto meta = read_png_metadata(*bytes);
  if (!meta) return std::nullopt;
  for (const RawText& t : meta->texts) {
    if (t.key == key) return t.text;
  }
  return std::nullopt;
}

// Compares the fields the golden files hold; returns one line per mismatch.
std::vector<std::string> compare_fields(const Record& r, const json& e) {
  std::vector<std::string> out;
  auto str = [&](const char* key, const std::optional<std::string>& got) {
    const json& want = e.at(key);
    if (want.is_null() ? got.has_value() : (!got || *got != want.get<std::string>())) {
      out.push_back(std::string(key) + ": got " + (got ? json(*got).dump() : "null") + ", want " + want.dump());
    }
  };
  auto num = [&](const char* key, std::optional<double> got) {
    const json& want = e.at(key);
    if (want.is_null() ? got.has_value() : (!got || *got != want.get<double>())) {
      out.push_back(std::string(key) + ": got " + (got ? json(*got).dump() : "null") + ", want " + want.dump());
    }
  };
  str("prompt", r.prompt);
  str("negative_prompt", r.negative_prompt);
  const json& want_seed = e.at("seed");
  if (want_seed.is_null() ? r.seed.has_value() : (!r.seed || *r.seed != want_seed.get<int64_t>())) {
    out.push_back("seed: got " + (r.seed ? std::to_string(*r.seed) : "null") + ", want " + want_seed.dump());
  }
  num("steps", r.steps ? std::optional<double>(*r.steps) : std::nullopt);
  num("cfg_scale", r.cfg_scale);
  str("sampler", r.sampler);
  str("model", r.model);
  return out;
}

std::vector<fs::path> corpus_pngs(const std::string& tool) {
  std::vector<fs::path> files;
  fs::path dir = fs::path(PROVENA_SHARED_DIR) / "corpus" / tool;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".png") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json load_expected(const fs::path& image) {
  auto text = read_file(image.string() + ".expected.json");
  if (!text) return json();
  return json::parse(*text, nullptr, false);
}

// Reads the `key` chunk of every comfyui corpus PNG with `read` and compares the fields
// with the golden files; prints a summary and expects no mismatch.
void check_corpus_graphs(const char* key, Result<Record> (*read)(std::string_view), const char* label) {
  auto files = corpus_pngs("comfyui");
  if (files.empty()) GTEST_SKIP() << "no corpus at " << PROVENA_SHARED_DIR;
  int checked = 0;
  int mismatches = 0;
  std::ostringstream report;
  for (const fs::path& f : files) {
    auto graph = png_text(f.string(), key);
    if (!graph) continue;
    json expected = load_expected(f);
    ASSERT_TRUE(expected.is_object()) << f;
    ++checked;
    auto r = read(*graph);
    if (!r) {
      report << f.filename().string() << ": error " << r.error().message << "\n";
      ++mismatches;
      continue;
    }
    for (const std::string& m : compare_fields(*r, expected)) {
      report << f.filename().string() << ": " << m << "\n";
      ++mismatches;
    }
  }
  std::cout << "[" << label << "] " << checked << " graphs, " << mismatches << " mismatched fields\n"
            << report.str();
  EXPECT_GT(checked, 0);
  EXPECT_EQ(mismatches, 0) << report.str();
}

TEST(ComfyCorpus, PromptGraphsMatchTheGoldenFiles) {
  check_corpus_graphs("prompt", read_comfyui_prompt_graph, "comfyui corpus");
}

// The UI graph alone, for the same files (the fallback when `prompt` is missing), including
// krea2.png, whose sampler lives in a subgraph with promoted widgets.
TEST(ComfyCorpus, WorkflowFallbackMatchesTheGoldenFiles) {
  check_corpus_graphs("workflow", read_comfyui_workflow, "comfyui corpus, workflow only");
}

// Tools whose own record wins still rely on the embedded graph for what the record lacks
// (corpus README, "Tools that embed both"): TensorArt's seed, Stability Matrix's sampler.
TEST(ComfyCorpus, EmbeddedGraphsOfOtherTools) {
  int checked = 0;
  for (const char* tool : {"tensorart", "stability-matrix", "swarmui"}) {
    for (const fs::path& f : corpus_pngs(tool)) {
      auto prompt = png_text(f.string(), "prompt");
      if (!prompt) continue;
      json expected = load_expected(f);
      ASSERT_TRUE(expected.is_object()) << f;
      auto r = read_comfyui_prompt_graph(*prompt);
      ASSERT_TRUE(r) << f << ": " << r.error().message;
      ++checked;
      EXPECT_EQ(r->tool, "comfyui");
      EXPECT_TRUE(r->prompt.has_value()) << f;
      EXPECT_TRUE(r->model.has_value()) << f;
      EXPECT_EQ(r->steps, expected.at("steps").get<int>()) << f;
      EXPECT_EQ(r->sampler, expected.at("sampler").get<std::string>()) << f;
      if (std::string(tool) != "swarmui") {  // SwarmUI's refiner pass uses seed + 1
        EXPECT_EQ(r->seed, expected.at("seed").get<int64_t>()) << f;
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no corpus at " << PROVENA_SHARED_DIR;
}

}  // namespace
}  // namespace provena
