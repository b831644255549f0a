#include "sambench/run/bench.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/data/demo_data.h"

namespace sambench {
namespace {

using nlohmann::json;

TEST(Bench, MediansOfTheRepeatsWithEveryStage) {
  testing::TempDir dir;
  make_demo_dataset(dir / "data", {2, 0});
  Config c;
  c.name = "bench_test";
  c.dataset = {{"adapter", "folder"}, {"root", "data"}, {"classes", {{"1", "disk"}, {"2", "box"}, {"3", "crescent"}}}};
  c.dataset_base = dir.path();
  c.model.path = testing::small_model();
  c.model.device = "cpu";
  c.run.output = dir / "bench";
  c.run.threads = 1;
  BenchResult result = run_bench(c, {1, 3});
  ASSERT_EQ(result.repeats.size(), 3u);
  const BenchRepeat& m = result.median;
  EXPECT_EQ(m.images, 2);
  EXPECT_GT(m.prompts, 2);
  for (const char* stage : {"read", "preprocess", "encode", "prompt", "decode", "upscale", "metrics", "write"}) {
    ASSERT_TRUE(m.stages.count(stage)) << stage;
    EXPECT_GT(m.stages.at(stage), 0.0) << stage;
  }
  // The median lies between the repeats' extremes.
  double lo = 1e9, hi = 0;
  for (const auto& r : result.repeats) lo = std::min(lo, r.stages.at("encode")), hi = std::max(hi, r.stages.at("encode"));
  EXPECT_GE(m.stages.at("encode"), lo);
  EXPECT_LE(m.stages.at("encode"), hi);
  // Per repeat the loop holds encode, decode and more on one thread, so the share is positive.
  for (const auto& r : result.repeats) {
    EXPECT_GT(r.overhead_share, 0.0);
    EXPECT_LT(r.overhead_share, 1.0);
  }
  lo = 1e9, hi = 0;
  for (const auto& r : result.repeats) lo = std::min(lo, r.overhead_share), hi = std::max(hi, r.overhead_share);
  EXPECT_GE(m.overhead_share, lo);
  EXPECT_LE(m.overhead_share, hi);
  EXPECT_GT(result.peak_rss_mib, 10.0);

  json j = to_json(result);
  EXPECT_EQ(j["repeats"].size(), 3u);
  EXPECT_GT(j["median"]["images_per_s"].get<double>(), 0.0);
  EXPECT_NE(bench_table(result).find("images/s"), std::string::npos);
  EXPECT_EQ(j["context"]["precision"], "fp32");
  EXPECT_NE(bench_table(result).find("encoder precision fp32"), std::string::npos);
  EXPECT_TRUE(j["peak_gpu_mib"].is_null());  // a CPU run has no GPU memory to report
}

TEST(Bench, StagesComeInPipelineOrder) {
  BenchRepeat r;
  r.stages = {{"decode", 1}, {"encode", 2}, {"read", 3}, {"zeta", 4}};
  EXPECT_EQ(bench_stages(r), (std::vector<std::string>{"read", "encode", "decode", "zeta"}));
}

}  // namespace
}  // namespace sambench
