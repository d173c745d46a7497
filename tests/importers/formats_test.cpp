// Formats with no public sample file in ../shared/corpus, built here from their
// documented layouts (../shared/FORMATS.md), plus container variants the corpus lacks.
#include <gtest/gtest.h>
#include <zlib.h>

#include "core/png.h"
#include "importers/importer.h"
#include "importers/json_util.h"
#include "tests/test_util.h"

namespace provena {
namespace {

using testing::insert_before_iend;
using testing::make_image;
using testing::png_chunk;

Record read_png(const std::vector<PngTextOut>& texts, const std::string& expect_tool) {
  auto bytes = encode_png(make_image(8, 8, 1), texts);
  EXPECT_TRUE(bytes);
  auto r = read_image_metadata(*bytes);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return {};
  EXPECT_EQ(r->record.tool, expect_tool);
  return r->record;
}

TEST(Formats, EasyDiffusionSnakeCaseKeysAreNotAComfyGraph) {
  Record r = read_png({{"prompt", "a castle on a hill"}, {"negative_prompt", "fog"}, {"seed", "42"},
                       {"use_stable_diffusion_model", "sd-v1-5"}, {"sampler_name", "euler_a"},
                       {"num_inference_steps", "25"}, {"guidance_scale", "7.5"}, {"width", "512"}, {"height", "768"}},
                      "easydiffusion");
  EXPECT_EQ(r.prompt, "a castle on a hill");
  EXPECT_EQ(r.negative_prompt, "fog");
  EXPECT_EQ(r.seed, 42);
  EXPECT_EQ(r.steps, 25);
  EXPECT_EQ(r.cfg_scale, 7.5);
  EXPECT_EQ(r.sampler, "euler_a");
  EXPECT_EQ(r.model, "sd-v1-5");
  EXPECT_EQ(r.requested_height, 768);
}

TEST(Formats, EasyDiffusionLabelledKeys) {
  Record r = read_png({{"Prompt", "a boat"}, {"Negative Prompt", ""}, {"Seed", "7"}, {"Steps", "30"},
                       {"Guidance Scale", "6"}, {"Stable Diffusion model", "sd-xl"}},
                      "easydiffusion");
  EXPECT_EQ(r.prompt, "a boat");
  EXPECT_EQ(r.negative_prompt, "");
  EXPECT_EQ(r.steps, 30);
  EXPECT_EQ(r.model, "sd-xl");
}

TEST(Formats, ZImageWebUi) {
  Record r = read_png({{"zimage_params",
                        R"({"prompt": "一只猫", "seed": 123, "width": 1024, "height": 1024, "steps": 9, "guidance_scale": 0.0,
                            "model": "Z-Image-Turbo", "quantization": "bf16", "generated_at": "2026-01-01T00:00:00",
                            "generator": "Z-Image WebUI"})"}},
                      "zimage");
  EXPECT_EQ(r.prompt, "一只猫");
  EXPECT_EQ(r.seed, 123);
  EXPECT_EQ(r.steps, 9);
  EXPECT_EQ(r.cfg_scale, 0.0);
  EXPECT_EQ(r.model, "Z-Image-Turbo");
}

TEST(Formats, MidjourneyDescription) {
  Record r = read_png({{"Description", "a lighthouse at dawn --ar 4:5 --v 6 --seed 991 Job ID: 1234-abcd"},
                       {"Author", "someone"}, {"Creation Time", "2025-05-05T05:05:05Z"}},
                      "midjourney");
  EXPECT_EQ(r.prompt, "a lighthouse at dawn");
  EXPECT_EQ(r.seed, 991);
  EXPECT_EQ(r.created_at, "2025-05-05T05:05:05Z");
  bool has_ar = false;
  for (const auto& [k, v] : r.extra) has_ar = has_ar || (k == "--ar" && v == "4:5");
  EXPECT_TRUE(has_ar);
}

TEST(Formats, StableDiffusionCppRawUtf8TextRightAfterIhdr) {
  Record r = read_png({{"parameters",
                        "猫 on a mat\nNegative prompt: ugly\nSteps: 20, CFG scale: 7.0, Guidance: 3.5, Seed: 42, "
                        "Size: 512x512, Model: sd15.safetensors, RNG: cuda, Sampler: euler_a karras, "
                        "Version: stable-diffusion.cpp"}},
                      "sdcpp");
  EXPECT_EQ(r.prompt, "猫 on a mat");
  EXPECT_EQ(r.sampler, "euler_a karras");
  EXPECT_EQ(r.model, "sd15.safetensors");
}

TEST(Formats, InvokeAiV2AndDream) {
  Record v2 = read_png({{"sd-metadata", R"({"model_weights": "stable-diffusion-1.5", "model_hash": "cc6cb27103",
      "app_id": "invoke-ai/InvokeAI", "app_version": "2.3.0",
      "image": {"prompt": [{"prompt": "a red barn [blurry, dark]", "weight": 1.0}], "steps": 50, "cfg_scale": 7.5,
                "seed": 2980747362, "width": 512, "height": 768, "sampler": "k_lms"}})"}},
                       "invokeai");
  EXPECT_EQ(v2.prompt, "a red barn");
  EXPECT_EQ(v2.negative_prompt, "blurry, dark");
  EXPECT_EQ(v2.seed, 2980747362LL);
  EXPECT_EQ(v2.model, "stable-diffusion-1.5");
  Record dream = read_png({{"Dream", "\"a red barn [blurry]\" -s 50 -S 2980747362 -W 512 -H 768 -C 5 -A k_lms"}}, "invokeai");
  EXPECT_EQ(dream.prompt, "a red barn");
  EXPECT_EQ(dream.negative_prompt, "blurry");
  EXPECT_EQ(dream.steps, 50);
  EXPECT_EQ(dream.seed, 2980747362LL);
  EXPECT_EQ(dream.cfg_scale, 5.0);
  EXPECT_EQ(dream.sampler, "k_lms");
  EXPECT_EQ(dream.requested_width, 512);
}

TEST(Formats, FooocusA1111SchemeAndRuinedFooocus) {
  Record a = read_png({{"parameters", "a fox\nNegative prompt: bad\nSteps: 30, Sampler: dpmpp_2m_sde_gpu, Seed: 5, CFG scale: 4"},
                       {"fooocus_scheme", "a1111"}},
                      "fooocus");
  EXPECT_EQ(a.prompt, "a fox");
  EXPECT_EQ(a.seed, 5);
  Record ruined = read_png({{"parameters", R"({"Prompt": "a wolf", "Negative": "", "steps": 30, "cfg": 8.0,
      "seed": 77, "sampler_name": "dpmpp_2m", "scheduler": "karras", "base_model_name": "sdxl.safetensors",
      "software": "RuinedFooocus"})"}},
                           "ruined-fooocus");
  EXPECT_EQ(ruined.prompt, "a wolf");
  EXPECT_EQ(ruined.seed, 77);
  EXPECT_EQ(ruined.model, "sdxl.safetensors");
}

TEST(Formats, GimpCommentIsNotNovelAi) {
  Record r = read_png({{"Comment", "{\"looks\": \"like json\"}"}, {"Software", "GIMP 2.10"}}, "none");
  EXPECT_FALSE(r.prompt);
}

TEST(Formats, ComfyUiGraphInAnimatedPngCompChunk) {
  auto base = encode_png(make_image(8, 8, 2), {});
  ASSERT_TRUE(base);
  std::string graph = R"({"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 4, "cfg": 1.5,
    "sampler_name": "euler", "scheduler": "simple", "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
    "latent_image": ["5", 0]}}, "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 480, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a comf cat", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
    "9": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["8", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}}})";
  auto r = read_image_metadata(insert_before_iend(*base, png_chunk("comf", "prompt" + std::string(1, '\0') + graph)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "comfyui");
  EXPECT_EQ(r->record.prompt, "a comf cat");
  EXPECT_EQ(r->record.seed, 5);
  EXPECT_EQ(r->record.model, "m.safetensors");
  EXPECT_EQ(r->record.requested_width, 640);
}

// Stealth pnginfo in the RGB least significant bits, plain text (no gzip).
TEST(Formats, StealthRgbInfo) {
  std::string payload = "a hidden prompt\nSteps: 12, Seed: 99, CFG scale: 6";
  std::string bits_src = "stealth_rgbinfo";
  uint32_t nbits = static_cast<uint32_t>(payload.size() * 8);
  for (int i = 3; i >= 0; --i) bits_src.push_back(static_cast<char>(nbits >> (8 * i)));
  bits_src += payload;
  Image img = make_image(64, 64, 3, 3);
  size_t bit = 0, total = bits_src.size() * 8;
  for (int x = 0; x < img.width && bit < total; ++x)
    for (int y = 0; y < img.height && bit < total; ++y)
      for (int c = 0; c < 3 && bit < total; ++c, ++bit) {
        uint8_t b = (static_cast<uint8_t>(bits_src[bit / 8]) >> (7 - bit % 8)) & 1;
        uint8_t& px = img.pixels[(size_t(y) * img.width + x) * 3 + c];
        px = static_cast<uint8_t>((px & 0xFE) | b);
      }
  auto bytes = encode_png(img, {});
  ASSERT_TRUE(bytes);
  auto r = read_image_metadata(*bytes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->record.tool, "a1111");
  EXPECT_EQ(r->record.prompt, "a hidden prompt");
  EXPECT_EQ(r->record.seed, 99);
}

TEST(Formats, DrawThingsXmp) {
  std::string xmp =
      R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">)"
      R"(<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" )"
      R"(xmp:CreatorTool="Draw Things"><exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">)"
      R"({&quot;c&quot;:&quot;a paper boat&quot;,&quot;uc&quot;:&quot;rain&quot;,&quot;seed&quot;:314,&quot;steps&quot;:8,)"
      R"(&quot;scale&quot;:4.5,&quot;sampler&quot;:&quot;DPM++ 2M Karras&quot;,&quot;model&quot;:&quot;flux_1_schnell_q8p.ckpt&quot;,)"
      R"(&quot;size&quot;:&quot;768x1024&quot;})"
      R"(</rdf:li></rdf:Alt></exif:UserComment></rdf:Description></rdf:RDF></x:xmpmeta>)";
  Record r = read_png({{"XML:com.adobe.xmp", xmp, PngTextOut::Kind::kITXt}}, "drawthings");
  EXPECT_EQ(r.prompt, "a paper boat");
  EXPECT_EQ(r.negative_prompt, "rain");
  EXPECT_EQ(r.seed, 314);
  EXPECT_EQ(r.cfg_scale, 4.5);
  EXPECT_EQ(r.sampler, "DPM++ 2M Karras");
  EXPECT_EQ(r.requested_width, 768);
  EXPECT_EQ(r.requested_height, 1024);
}

TEST(Formats, XmpDigitalSourceTypeAndAigcLabelOnAnyFile) {
  std::string xmp =
      R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">)"
      R"(<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" )"
      R"(xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" )"
      R"(Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia">)"
      R"(<TC260:AIGC>{&quot;Label&quot;:&quot;1&quot;,&quot;ContentProducer&quot;:&quot;doubao&quot;}</TC260:AIGC>)"
      R"(</rdf:Description></rdf:RDF></x:xmpmeta>)";
  Record r = read_png({{"XML:com.adobe.xmp", xmp, PngTextOut::Kind::kITXt}}, "none");
  EXPECT_EQ(r.digital_source_type, "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  ASSERT_TRUE(r.aigc_label);
  EXPECT_NE(r.aigc_label->find("doubao"), std::string::npos);
}

}  // namespace
}  // namespace provena

namespace provena {
namespace {

TEST(Formats, SizePairs) {
  int w = 0, h = 0;
  EXPECT_TRUE(parse_size_pair("768x1024", w, h));
  EXPECT_EQ(w, 768);
  EXPECT_EQ(h, 1024);
  EXPECT_TRUE(parse_size_pair("(768, 1280)", w, h));
  EXPECT_EQ(h, 1280);
  EXPECT_TRUE(parse_size_pair("1024 x 1024", w, h));
  EXPECT_FALSE(parse_size_pair("99999999999x1", w, h));  // overflow: refused, not UB
  EXPECT_FALSE(parse_size_pair("-5x3", w, h));
  EXPECT_FALSE(parse_size_pair("12", w, h));
  EXPECT_FALSE(parse_size_pair("1x2 trailing", w, h));
}

}  // namespace
}  // namespace provena
