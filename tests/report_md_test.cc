#include "sambench/report/report_md.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/report/escape.h"

namespace sambench {
namespace {

using testing::contains;

RunTables two_classes() {
  RunTables t;
  t.classes = {{1, "disk"}, {2, "box"}};
  t.sets = {{"centroid", "one point"}};
  t.summary = {{"config", {{"name", "demo"}, {"metrics", {{"nsd_tolerance_mm", 2.0}}}}},
               {"conventions", {{"empty_rule", "nan: excluded"}}}};
  for (int i = 0; i < 4; ++i) {
    InstanceResult r;
    r.image = "img" + std::to_string(i);
    r.result_set = "centroid";
    r.class_label = 1 + i % 2;
    r.class_name = i % 2 ? "box" : "disk";
    set_metric_values(r, {0.5 + 0.1 * i, 0.4, 0.5, 0.5, 0.6, 2.0});
    t.instances.push_back(r);
  }
  return t;
}

TEST(ReportMarkdown, TablesBaselinesAndFigures) {
  RunTables t = two_classes();
  SetLevels levels = summarize_sets(t, 100, 0);
  Baseline b;
  b.source = "Study, Table 2";
  b.values = {{"disk", 0.5}, {"liver", 0.9}};
  Figures figures;
  figures.charts = {{"centroid", "figures/dice_centroid.png"}};
  figures.notes = {"no overlays: the run saved no predictions"};
  std::string md = report_markdown(t, levels, compare_with_published({b}, levels, {}), figures);
  EXPECT_TRUE(contains(md, "# sambench report: demo")) << md;
  EXPECT_TRUE(contains(md, "## centroid\n\none point")) << md;
  EXPECT_TRUE(contains(md, "| class | instances | dice | iou | precision | recall | nsd @2.0 mm | hd95 (mm) |")) << md;
  EXPECT_TRUE(contains(md, "| disk | 2 | 0.600 [")) << md;  // (0.5 + 0.7) / 2 with its interval
  EXPECT_TRUE(contains(md, "**Study, Table 2: Dice, instance level (Δ: this run − SAM)**")) << md;
  EXPECT_TRUE(contains(md, "| class | Dice: SAM | Dice: this run | Dice: 95% CI | Dice: Δ |")) << md;
  EXPECT_TRUE(contains(md, "| disk | 0.5000 | 0.6000 | [")) << md;
  EXPECT_TRUE(contains(md, "| +0.1000 |")) << md;
  EXPECT_TRUE(contains(md, "| liver | 0.9000 | not measured | – | – |")) << md;
  EXPECT_TRUE(contains(md, "![Dice per class, centroid](figures/dice_centroid.png)")) << md;
  EXPECT_TRUE(contains(md, "- no overlays: the run saved no predictions")) << md;
}

TEST(ReportMarkdown, BaselineForAnotherPromptIsNotShown) {
  RunTables t = two_classes();
  Baseline b;
  b.source = "Other";
  b.prompt = "box";
  b.values = {{"disk", 0.5}};
  SetLevels levels = summarize_sets(t, 0, 0);
  std::string md = report_markdown(t, levels, compare_with_published({b}, levels, {}), {});
  EXPECT_FALSE(contains(md, "Other"));
}

// Security finding 10: class names, set names and the config's name went into report.md raw.
TEST(ReportMarkdown, NamesFromTheRunFolderCannotBecomeMarkup) {
  RunTables t = two_classes();
  t.classes[0].name = "disk\n# Injected | heading <img src=x onerror=alert(1)>";
  for (auto& r : t.instances) {
    if (r.class_label == 1) r.class_name = t.classes[0].name;
  }
  t.summary["config"]["name"] = "demo\n\n[click](http://evil)";
  t.summary["model"] = {{"path", "m`` <b>.pt"}};
  const std::string md = report_markdown(t, summarize_sets(t, 0, 0), {}, {});
  EXPECT_FALSE(contains(md, "\n# Injected")) << md;
  EXPECT_FALSE(contains(md, "<img")) << md;
  EXPECT_TRUE(contains(md, "| disk # Injected \\| heading &lt;img src=x onerror=alert(1)&gt; | 2 |")) << md;
  EXPECT_TRUE(contains(md, "# sambench report: demo  \\[click\\](http://evil)\n")) << md;
  EXPECT_TRUE(contains(md, "- model: ```m`` <b>.pt``` (sha256")) << md;  // a code span shows <b> as text
}

TEST(Escape, HtmlAndMarkdown) {
  EXPECT_EQ(html_text("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(markdown_text("a_b*c[d]e`f\\g~h"), "a\\_b\\*c\\[d\\]e\\`f\\\\g\\~h");
  EXPECT_EQ(markdown_code("plain"), "`plain`");
  EXPECT_EQ(markdown_code("`x`"), "`` `x` ``");
}

// The study's Average is over objects: it sits beside the mean over instances, not the mean over
// classes, and the report says so. Disk 0.5, 0.7 and box 0.6, 0.8, 1.0: over classes
// (0.6 + 0.8) / 2 = 0.7, over instances 3.6 / 5 = 0.72.
TEST(ReportMarkdown, PublishedAverageIsComparedWithTheMeanOverInstances) {
  RunTables t = two_classes();
  InstanceResult extra = t.instances[1];
  extra.image = "img4";
  set_metric_values(extra, {1.0, 1.0, 1.0, 1.0, 1.0, 0.0});
  t.instances.push_back(extra);
  SetLevels levels = summarize_sets(t, 0, 0);
  Baseline b;
  b.source = "the study, Table 5";
  b.values = {{"disk", 0.5}};
  b.average = 0.7;
  std::string md = report_markdown(t, levels, compare_with_published({b}, levels, {}), {});
  EXPECT_TRUE(contains(md, "| average (mean over instances) | 0.7000 | 0.7200 | – | +0.0200 |")) << md;  // no bootstrap: no interval
  EXPECT_TRUE(contains(md, "compared with this run's mean over instances, not with the mean over classes")) << md;
}

// Peers and the study's SAM row in one table; with more methods than classes, one row per
// method as the study prints it, and the difference is taken to the SAM row.
TEST(PublishedComparison, PeersAreRowsAndTheDifferenceIsToSam) {
  RunTables t = two_classes();
  SetLevels levels = summarize_sets(t, 0, 0);
  std::vector<Baseline> bs(3);
  const char* methods[] = {"U-Net", "DoFE", "SAM, 1000 samples"};
  for (int i = 0; i < 3; ++i) {
    bs[i].source = "the study, Table 2";
    bs[i].method = methods[i];
    bs[i].values = {{"disk", 0.8 + 0.05 * i}};
  }
  auto comparisons = compare_with_published(bs, levels, {});
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_EQ(comparisons[0].reference, 2u);
  TextTable table = comparison_table(comparisons[0]);
  ASSERT_EQ(table.rows.size(), 6u);  // three methods, this run, its interval, the difference
  EXPECT_EQ(table.header, (std::vector<std::string>{"method", "Dice"}));
  EXPECT_EQ(table.rows[3][0], "this run");
  EXPECT_EQ(table.run_rows_from, 3u);
  EXPECT_EQ(table.rows[4][0], "this run, 95% CI");
  EXPECT_EQ(table.rows[5], (std::vector<std::string>{"this run − SAM, 1000 samples", "-0.3000"}));  // 0.6 − 0.9
}

// The study prints Dice and IoU side by side: comparisons that differ only in the metric are one
// table, one column per metric; another table (another source) stays apart.
TEST(PublishedComparison, DiceAndIouShareOneTable) {
  RunTables t = two_classes();
  SetLevels levels = summarize_sets(t, 0, 0);
  std::vector<Baseline> bs(5);
  const char* methods[] = {"U-Net", "SAM", "U-Net", "SAM", "SAM"};
  for (int i = 0; i < 5; ++i) {
    bs[i].source = i < 4 ? "the study, Table 2" : "Other";
    bs[i].method = methods[i];
    bs[i].metric = i >= 2 && i < 4 ? Metric::kIoU : Metric::kDice;
    bs[i].values = {{"disk", 0.1 * (i + 1)}};
  }
  const auto merged = merge_metrics(compare_with_published(bs, levels, {}));
  ASSERT_EQ(merged.size(), 2u);
  ASSERT_EQ(merged[0].size(), 2u);
  EXPECT_EQ(comparison_title(merged[0]), "the study, Table 2: Dice and IoU, instance level");
  TextTable table = comparison_table(merged[0]);
  EXPECT_EQ(table.header, (std::vector<std::string>{"method", "Dice", "IoU"}));
  EXPECT_EQ(table.rows[0], (std::vector<std::string>{"U-Net", "0.1000", "0.3000"}));
  EXPECT_EQ(table.rows[1], (std::vector<std::string>{"SAM", "0.2000", "0.4000"}));
  EXPECT_EQ(comparison_title(merged[1]), "Other: Dice, instance level (Δ: this run − SAM)");
}

// A group's baselines compare with that group's rows only.
TEST(PublishedComparison, GroupBaselinesReadTheGroupsRows) {
  RunTables t = two_classes();
  for (size_t i = 0; i < t.instances.size(); ++i) t.instances[i].group = i < 2 ? "Domain1" : "Domain2";
  SetLevels levels = summarize_sets(t, 0, 0);
  SetGroups groups = summarize_groups(t, 0, 0);
  Baseline b;
  b.source = "the study, Table 3";
  b.group = "Domain2";
  b.values = {{"disk", 0.5}};
  EXPECT_TRUE(needs_groups({b}));
  auto comparisons = compare_with_published({b}, levels, groups);
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_NEAR(comparisons[0].measured[0].mean, 0.7, 1e-12);  // Domain2's disk: image 2 only
  EXPECT_EQ(comparisons[0].title(), "the study, Table 3: dice, instance level, Domain2");
  b.group = "Domain9";
  EXPECT_TRUE(compare_with_published({b}, levels, groups).empty());
}

TEST(FileSlug, KeepsSafeCharacters) {
  EXPECT_EQ(file_slug("box(margin=20px,jitter=0)"), "box_margin_20px_jitter_0_");
  EXPECT_EQ(file_slug("img-1.v2"), "img-1.v2");
  EXPECT_EQ(file_slug(".."), "_.");  // never a folder's "." or ".."
}

}  // namespace
}  // namespace sambench
