#include "importers/sidecar.h"

#include <gtest/gtest.h>

#include "core/record_json.h"

namespace provena {
namespace {

TEST(Sidecar, ReadsTheSeedLayout) {
  auto r = read_json_sidecar(R"({
    "version": "1.0", "model": {"name": "z-image-turbo", "revision": "main"},
    "generation": {"prompt": "一只猫", "negative_prompt": "", "width": 1024, "height": 768,
                   "num_inference_steps": 9, "cfg_scale": 0.0, "seed": 4294967296, "num_images": 1},
    "system": {"device": "cuda", "torch_version": "2.4.0", "python": "3.11"},
    "performance": {"generation_time": 2.5, "memory_usage_mb": 10240.5},
    "created_at": "2026-01-02T03:04:05Z"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool, "json-sidecar");
  EXPECT_EQ(r->prompt, "一只猫");
  EXPECT_EQ(r->negative_prompt, "");
  EXPECT_EQ(r->seed, 4294967296LL);
  EXPECT_EQ(r->steps, 9);
  EXPECT_EQ(r->cfg_scale, 0.0);
  EXPECT_EQ(r->requested_width, 1024);
  EXPECT_EQ(r->model, "z-image-turbo");
  EXPECT_EQ(r->system.device, "cuda");
  EXPECT_EQ(r->performance.seconds, 2.5);
  EXPECT_EQ(r->created_at, "2026-01-02T03:04:05Z");
  EXPECT_FALSE(r->sampler);
}

TEST(Sidecar, ReadsOurOwnRecordAndRefusesOtherJson) {
  Record own;
  own.tool = "provena";
  own.prompt = "own";
  own.seed = 3;
  auto r = read_json_sidecar(record_to_json(own, 2));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->same_fields(own));
  EXPECT_FALSE(read_json_sidecar(R"({"unrelated": true})"));
  EXPECT_FALSE(read_json_sidecar("[1,2,3]"));
  EXPECT_FALSE(read_json_sidecar("not json"));
}

}  // namespace
}  // namespace provena
