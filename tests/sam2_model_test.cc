// SAM 2.1 through the whole harness: a seeded random sam2.1_hiera_tiny export (ctest's
// export_sam2_tiny_model) on the demo data, with every prompt mode and mask policy, the bf16
// encoder, and fine-tuning of its decoder. Random weights: these show that everything runs and
// is recorded, not how good SAM 2.1 is (parity: sam2_parity_test.cc).

#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/report/csv.h"
#include "sambench/run/eval.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path sam2_model() { return testing::test_assets() / "sam2_tiny.pt"; }

class Sam2EvalTest : public ::testing::Test {
 protected:
  void SetUp() override { make_demo_dataset(dir_ / "data", {2, 0}); }

  Config config(const std::string& output) const {
    Config c = testing::demo_config(dir_.path(), "sam2_eval");
    c.model.path = sam2_model();
    c.run.output = dir_ / output;
    return c;
  }

  // The prompt (mode/policy) values of per_instance.csv, each with its row count, and every Dice
  // a number in [0, 1].
  static std::map<std::string, size_t> rows_per_set(const fs::path& run) {
    const CsvTable table = CsvTable::read(run / "per_instance.csv");
    std::map<std::string, size_t> sets;
    for (size_t r = 0; r < table.rows(); ++r) {
      ++sets[table.at(r, "prompt")];
      const double dice = table.number(r, "dice");
      EXPECT_TRUE(dice >= 0 && dice <= 1) << table.at(r, "prompt") << ": " << dice;
    }
    return sets;
  }

  testing::TempDir dir_;
};

TEST_F(Sam2EvalTest, EveryPromptModeAndMaskPolicyRuns) {
  Config c = config("modes");
  c.prompt = parse_prompt_modes(json::array({"centroid", "centroid_inside", "interior",
                                             json{{"mode", "box"}, {"margin", 5}},
                                             json{{"mode", "box_point"}, {"margin", 0}},
                                             json{{"mode", "points"}, {"k", 2}, {"negatives", 1}, {"ring", 5}}}));
  c.mask_policy = parse_mask_policy_names(json::array({"best_score", "single", "oracle"}));
  run_eval(c);
  const std::map<std::string, size_t> sets = rows_per_set(c.run.output);
  ASSERT_EQ(sets.size(), 6u * 3u);
  const size_t instances = sets.begin()->second;
  EXPECT_GT(instances, 3u);
  for (const auto& [name, rows] : sets) EXPECT_EQ(rows, instances) << name;
  const json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(summary["status"], "complete");
  EXPECT_EQ(summary["model"]["metadata"]["model_type"], "sam2.1_hiera_tiny");

  // The iterative mode feeds its kept low-res logits back; everything mode decodes a grid.
  Config more = config("iterative_everything");
  more.prompt = parse_prompt_modes(json::array({json{{"mode", "iterative"}, {"start", "centroid"}, {"rounds", 2}},
                                                json{{"mode", "everything"}, {"points_per_side", 4}}}));
  run_eval(more);
  const std::map<std::string, size_t> more_sets = rows_per_set(more.run.output);
  EXPECT_EQ(more_sets.size(), 3u);  // two rounds and everything
  for (const auto& [name, rows] : more_sets) EXPECT_EQ(rows, instances) << name;
  // Everything mode with SAM2AutomaticMaskGenerator's defaults, as summary.json states them.
  const json more_summary = json::parse(read_file(more.run.output / "summary.json"));
  const std::string everything = more_summary["prompts"].back()["description"].get<std::string>();
  EXPECT_NE(everything.find("predicted IoU > 0.8 (pred_iou_thresh)"), std::string::npos) << everything;
}

TEST_F(Sam2EvalTest, Bf16EncoderRunsAndIsRecorded) {
  Config fp32 = config("fp32");
  fp32.run.limit = 1;
  run_eval(fp32);
  Config bf16 = config("bf16");
  bf16.run.limit = 1;
  bf16.model.precision = "bf16";
  EXPECT_EQ(run_eval(bf16).images, 1);
  EXPECT_EQ(rows_per_set(bf16.run.output), rows_per_set(fp32.run.output));
  EXPECT_EQ(json::parse(read_file(bf16.run.output / "summary.json"))["model"]["precision"], "bf16");
}

}  // namespace
}  // namespace sambench
