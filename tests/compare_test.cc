#include "sambench/report/compare.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/report/side_by_side.h"

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

// Class names, prompt modes and run folders are the user's text: in compare.md they stay text,
// not table cells or code spans of their own.
TEST(CompareRuns, MarkdownEscapesNamesAndPaths) {
  RunTables a = run_with({0.5, 0.6}), b = run_with({0.6, 0.7});
  a.classes[0].name = b.classes[0].name = "left|right_lung";
  for (auto* t : {&a, &b}) {
    for (auto& r : t->instances) r.class_name = "left|right_lung";
  }
  const std::string md = comparison_markdown("runs/a`b", {{"runs/x|y", compare_runs(a, b, 50, 0)}});
  EXPECT_TRUE(testing::contains(md, "| left\\|right\\_lung | 2 |")) << md;
  EXPECT_TRUE(testing::contains(md, "## runs/x\\|y: centroid")) << md;
  EXPECT_FALSE(testing::contains(md, "Reference: `runs/a`b`")) << md;
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

// Three models on the same instances: one table, each model's Dice and its paired difference to
// the first.
TEST(SideBySide, ThreeRunsInOneTableWithPairedIntervals) {
  std::vector<RunTables> runs = {run_with({0.5, 0.6, 0.7}), run_with({0.6, 0.7, 0.8}), run_with({0.4, 0.4, 0.4})};
  runs[0].dir = "runs/zoo/sam_b";
  runs[1].dir = "runs/zoo/medsam";
  runs[2].dir = "runs/zoo/mobile";
  runs[1].summary = {{"model", {{"path", "/m/medsam_vit_b.pt"}, {"sha256", "0123456789abcdef"}}}};
  std::vector<std::pair<std::string, std::vector<Comparison>>> comparisons;
  for (size_t i = 1; i < runs.size(); ++i) comparisons.emplace_back(runs[i].dir.string(), compare_runs(runs[0], runs[i], 200, 0));
  const std::string md = side_by_side_markdown(runs, comparisons, false);
  EXPECT_TRUE(testing::contains(md, "| class | instances | sam\\_b | medsam | Δ medsam | mobile | Δ mobile |")) << md;
  EXPECT_TRUE(testing::contains(md, "| disk | 3 | 0.600 | 0.700 | +0.100 [0.100, 0.100] | 0.400 | -0.200 [")) << md;
  EXPECT_TRUE(testing::contains(md, "| medsam | `runs/zoo/medsam` | `medsam_vit_b.pt` | 0123456789ab |")) << md;
  EXPECT_TRUE(testing::contains(md, "## Side by side: centroid")) << md;
  // compare.md: the side-by-side table comes before the pairwise sections.
  const std::string all = comparison_markdown(runs[0].dir.string(), comparisons, md);
  EXPECT_LT(all.find("## Side by side"), all.find("## runs/zoo/medsam: centroid")) << all;
}

// Side by side needs every run to hold the reference's instances, and no others.
TEST(SideBySide, RunsWhoseInstancesDoNotPairAreRefused) {
  std::vector<RunTables> runs = {run_with({0.5, 0.6}), run_with({0.6, 0.7}), run_with({0.4, 0.4, 0.4})};
  runs[2].dir = "runs/short";
  std::vector<std::pair<std::string, std::vector<Comparison>>> comparisons;
  for (size_t i = 1; i < runs.size(); ++i) comparisons.emplace_back(runs[i].dir.string(), compare_runs(runs[0], runs[i], 10, 0));
  const std::string error = testing::error_of([&] { side_by_side_markdown(runs, comparisons, false); });
  EXPECT_TRUE(testing::contains(error, "runs/short: does not pair")) << error;
  EXPECT_TRUE(testing::contains(error, "1 only in this run")) << error;
  // A set that not every run holds is left out; none shared by all is an error.
  runs = {run_with({0.5}), run_with({0.5}), run_with({0.5}, "box")};
  comparisons.clear();
  comparisons.emplace_back("b", compare_runs(runs[0], runs[1], 10, 0));
  comparisons.emplace_back("c", compare_runs(runs[0], runs[2], 10, 0, true));
  EXPECT_THROW(side_by_side_markdown(runs, comparisons, false), Error);
}

TEST(SideBySide, PromptsThatDifferAreRefused) {
  testing::TempDir dir;
  auto line = [](const std::string& mode, const std::string& x) {
    return R"({"image":"img0","class_label":1,"class":"disk","instance":1,"mode":")" + mode + R"(","points":[[)" + x +
           R"(,4.0]],"labels":[1],"box":null})" "\n";
  };
  // A run whose centroid prompt is at x, and whose second iterative round clicked at x2.
  auto run_in = [&](const std::string& name, const std::string& x, const std::string& x2) {
    RunTables run = run_with({0.5});
    run.dir = dir / name;
    testing::write_text(run.dir / "prompts.jsonl", line("centroid", x) + line("iterative(centroid)@2", x2));
    return run;
  };
  RunTables a = run_in("a", "3.0", "5.0");
  EXPECT_NO_THROW(check_same_prompts(a, run_in("same", "3.0", "5.0")));
  const std::string error = testing::error_of([&] { check_same_prompts(a, run_in("moved", "3.5", "5.0")); });
  EXPECT_TRUE(testing::contains(error, "moved/prompts.jsonl: prompts differ")) << error;
  EXPECT_TRUE(testing::contains(error, "mode centroid")) << error;
  // Later iterative rounds follow each model's own masks: they may differ.
  EXPECT_NO_THROW(check_same_prompts(a, run_in("clicked", "3.0", "9.0")));
}

TEST(SideBySide, LabelsAreTheShortestDistinctTails) {
  EXPECT_EQ(run_labels({"runs/zoo/sam_b", "runs/zoo/medsam/"}), (std::vector<std::string>{"sam_b", "medsam"}));
  EXPECT_EQ(run_labels({"runs/zoo/sam_b/demo", "runs/zoo/medsam/demo"}),
            (std::vector<std::string>{"sam_b/demo", "medsam/demo"}));
  EXPECT_EQ(run_labels({"x", "x"}), (std::vector<std::string>{"x", "x"}));
}

}  // namespace
}  // namespace sambench
