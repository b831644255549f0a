#include "sambench/run/bench.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures/run_folders.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/report/csv.h"
#include "sambench/run/eval.h"

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
  // Every figure of the median repeat is the median of the repeats' figures, recomputed here.
  auto median_of = [&](auto get) {
    std::vector<double> values;
    for (const auto& r : result.repeats) values.push_back(static_cast<double>(get(r)));
    std::sort(values.begin(), values.end());
    return values[1];  // three repeats: the middle one
  };
  EXPECT_EQ(m.wall_s, median_of([](const BenchRepeat& r) { return r.wall_s; }));
  EXPECT_EQ(m.load_s, median_of([](const BenchRepeat& r) { return r.load_s; }));
  EXPECT_EQ(m.loop_s, median_of([](const BenchRepeat& r) { return r.loop_s; }));
  EXPECT_EQ(m.write_s, median_of([](const BenchRepeat& r) { return r.write_s; }));
  EXPECT_EQ(m.images, median_of([](const BenchRepeat& r) { return r.images; }));
  EXPECT_EQ(m.prompts, median_of([](const BenchRepeat& r) { return r.prompts; }));
  EXPECT_EQ(m.overhead_share, median_of([](const BenchRepeat& r) { return r.overhead_share; }));
  for (const auto& [stage, seconds] : m.stages) {
    EXPECT_EQ(seconds, median_of([&](const BenchRepeat& r) { return r.stages.at(stage); })) << stage;
  }
  // Each repeat evaluates the same images with the same stages, and its figures add up: the
  // wall time is load, loop and writing; the writing after the loop is part of the "write"
  // stage; the overhead is the loop's share outside the encoder and decoder.
  for (const auto& r : result.repeats) {
    EXPECT_EQ(r.images, m.images);
    EXPECT_EQ(r.prompts, m.prompts);
    EXPECT_EQ(bench_stages(r), bench_stages(m));
    EXPECT_NEAR(r.wall_s, r.load_s + r.loop_s + r.write_s, 1e-9);
    EXPECT_GE(r.stages.at("write"), r.write_s);
    EXPECT_DOUBLE_EQ(r.overhead_share, (r.loop_s - r.stages.at("encode") - r.stages.at("decode")) / r.loop_s);
    // Per repeat the loop holds encode, decode and more on one thread, so the share is positive.
    EXPECT_GT(r.overhead_share, 0.0);
    EXPECT_LT(r.overhead_share, 1.0);
  }
  EXPECT_GT(result.peak_rss_mib, 10.0);

  json j = to_json(result);
  EXPECT_EQ(j["repeats"].size(), 3u);
  EXPECT_GT(j["median"]["images_per_s"].get<double>(), 0.0);
  EXPECT_NE(bench_table(result).find("images/s"), std::string::npos);
  EXPECT_EQ(j["context"]["precision"], "fp32");
  EXPECT_NE(bench_table(result).find("encoder precision fp32"), std::string::npos);
  EXPECT_TRUE(j["peak_gpu_mib"].is_null());  // a CPU run has no GPU memory to report
}

// A demo dataset of `images` in `dir`, timed with the stand-in (--model none) on one thread.
Config stand_in_config(const testing::TempDir& dir, int images, const std::string& name, const std::string& output) {
  make_demo_dataset(dir / "data", {images, 0});
  Config c;
  c.name = name;
  c.dataset = {{"adapter", "folder"}, {"root", "data"}, {"classes", {{"1", "disk"}, {"2", "box"}, {"3", "crescent"}}}};
  c.dataset_base = dir.path();
  c.model.path = kStandInModel;
  c.model.device = "cpu";
  c.run.output = dir / output;
  c.run.threads = 1;
  return c;
}

// --model none: no model loads; the masks are the truth shifted by a few pixels, so the
// overlaps are high but not perfect, and no encoder time is counted.
TEST(Bench, StandInModelTimesTheHarnessAlone) {
  testing::TempDir dir;
  Config c = stand_in_config(dir, 2, "bench_stand_in", "bench");
  BenchResult result = run_bench(c, {0, 1});
  const BenchRepeat& m = result.median;
  EXPECT_EQ(m.images, 2);
  EXPECT_FALSE(m.stages.count("encode"));
  for (const char* stage : {"read", "preprocess", "prompt", "upscale", "metrics"}) {
    ASSERT_TRUE(m.stages.count(stage)) << stage;
    EXPECT_GT(m.stages.at(stage), 0.0) << stage;
  }
  CsvTable rows = CsvTable::read(dir / "bench" / "per_instance.csv");
  ASSERT_GT(rows.rows(), 2u);
  for (size_t r = 0; r < rows.rows(); ++r) {
    double dice = std::stod(rows.at(r, "dice")), hd95 = std::stod(rows.at(r, "hd95"));
    EXPECT_GT(dice, 0.5) << r;
    EXPECT_LT(dice, 1.0) << r;
    EXPECT_GT(hd95, 0.0) << r;
    EXPECT_LT(hd95, 20.0) << r;  // a few pixels, and the low-res frame's rounding
  }
  json summary = json::parse(read_file(dir / "bench" / "summary.json"));
  EXPECT_EQ(summary["model"]["path"], "none");
  // Only bench takes "none" for the stand-in: eval looks for a model file of that name.
  EXPECT_THROW(run_eval(c), std::exception);
}

// The stand-in's masks are upscaled by its finish step, on the metric workers when there are
// some: every file but timings.json is the same as with every stage on one thread.
TEST(Bench, StandInOnWorkersWritesWhatOneThreadWrites) {
  testing::TempDir dir;
  Config c = stand_in_config(dir, 6, "bench_stand_in_workers", "run");
  EvalOptions options;
  options.stand_in_model = true;
  options.overwrite = true;
  auto run_with = [&](int workers) {
    c.run.prefetch = workers;
    c.run.metric_workers = workers;
    run_eval(c, options);
    return testing::files_of(c.run.output);
  };
  const testing::FolderFiles one_thread = run_with(0);
  ASSERT_TRUE(one_thread.count("per_instance.csv"));
  EXPECT_EQ(testing::differing_files(run_with(3), one_thread), std::vector<std::string>{});
}

TEST(Bench, StagesComeInPipelineOrder) {
  BenchRepeat r;
  r.stages = {{"decode", 1}, {"encode", 2}, {"read", 3}, {"zeta", 4}};
  EXPECT_EQ(bench_stages(r), (std::vector<std::string>{"read", "encode", "decode", "zeta"}));
}

}  // namespace
}  // namespace sambench
