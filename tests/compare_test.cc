#include "sambench/report/compare.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

RunTables run_with(const std::vector<double>& dice, const std::string& set = "centroid") {
  RunTables t;
  t.classes = {{1, "disk"}};
  t.sets = {{set, ""}};
  for (size_t i = 0; i < dice.size(); ++i) {
    InstanceResult r;
    r.image = "img" + std::to_string(i);
    r.case_id = r.image;
    r.result_set = set;
    r.class_label = 1;
    r.class_name = "disk";
    r.instance = 1;
    MetricValues v;
    v.fill(NAN);
    v[0] = dice[i];
    set_metric_values(r, v);
    t.instances.push_back(r);
  }
  return t;
}

TEST(CompareRuns, PairedDifferencesOnSharedInstances) {
  RunTables a = run_with({0.5, 0.6, 0.7, 0.8}), b = run_with({0.6, 0.7, 0.8, 0.9, 0.1});
  auto comparisons = compare_runs(a, b, 500, 0);
  ASSERT_EQ(comparisons.size(), 1u);
  const Comparison& c = comparisons[0];
  EXPECT_EQ(c.shared, 4);
  EXPECT_EQ(c.only_other, 1);
  EXPECT_EQ(c.only_reference, 0);
  const Stats& d = c.difference.classes[0].of(Metric::kDice);
  EXPECT_NEAR(d.mean, 0.1, 1e-12);
  // Every instance improves by exactly 0.1: the paired interval is that point, although each
  // run's own interval is wide.
  EXPECT_NEAR(d.ci_low, 0.1, 1e-12);
  EXPECT_NEAR(d.ci_high, 0.1, 1e-12);
  EXPECT_LT(c.reference.classes[0].of(Metric::kDice).ci_low, 0.6);
  EXPECT_NEAR(c.other.classes[0].of(Metric::kDice).mean, 0.75, 1e-12);  // the shared four only

  std::string csv = comparison_csv({{"b", comparisons}});
  EXPECT_TRUE(testing::contains(csv, "run,prompt,class_label,class,shared_instances,dice_reference,dice_other,"
                                     "dice_difference,dice_difference_ci_low"));
  std::string md = comparison_markdown("a", {{"b", comparisons}});
  EXPECT_TRUE(testing::contains(md, "| disk | 4 | 0.650 | 0.750 | +0.100 [0.100, 0.100] | +15.4% |")) << md;
  EXPECT_TRUE(testing::contains(csv, "\nb,centroid,1,disk,4,0.650000,0.750000,0.100000,0.100000,0.100000,0.153846,"))
      << csv;  // Dice's relative change after its difference interval
}

// The study's Table 10: zero-shot with a point against fine-tuned without a prompt.
TEST(CompareRuns, FirstSetsPairAcrossPromptModes) {
  RunTables zero_shot = run_with({0.2, 0.2}), tuned = run_with({0.7, 0.8}, "none");
  EXPECT_THROW(compare_runs(zero_shot, tuned, 10, 0), Error);
  auto comparisons = compare_runs(zero_shot, tuned, 10, 0, true);
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_EQ(comparisons[0].set, "centroid vs none");
  EXPECT_EQ(comparisons[0].shared, 2);
  EXPECT_NEAR(comparisons[0].difference.classes[0].of(Metric::kDice).mean, 0.55, 1e-12);
  EXPECT_NEAR(relative_change(0.2, 0.75), 2.75, 1e-12);
  EXPECT_TRUE(std::isnan(relative_change(0.0, 0.5)));
}

TEST(CompareRuns, NoSharedPromptModeIsAnError) {
  EXPECT_THROW(compare_runs(run_with({0.5}), run_with({0.5}, "box"), 10, 0), Error);
}

}  // namespace
}  // namespace sambench
