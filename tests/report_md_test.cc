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
  std::string md = report_markdown(t, levels, {b}, figures);
  EXPECT_TRUE(contains(md, "# sambench report: demo")) << md;
  EXPECT_TRUE(contains(md, "## centroid\n\none point")) << md;
  EXPECT_TRUE(contains(md, "| class | instances | dice | iou | precision | recall | nsd @2.0 mm | hd95 (mm) |")) << md;
  EXPECT_TRUE(contains(md, "| disk | 2 | 0.600 [")) << md;  // (0.5 + 0.7) / 2 with its interval
  EXPECT_TRUE(contains(md, "**Study, Table 2** (dice, instance level)")) << md;
  EXPECT_TRUE(contains(md, "| disk | 0.500 | 0.600 | 0.100 |")) << md;
  EXPECT_TRUE(contains(md, "| liver | 0.900 | not measured | – |")) << md;
  EXPECT_TRUE(contains(md, "![Dice per class, centroid](figures/dice_centroid.png)")) << md;
  EXPECT_TRUE(contains(md, "- no overlays: the run saved no predictions")) << md;
}

TEST(ReportMarkdown, BaselineForAnotherPromptIsNotShown) {
  RunTables t = two_classes();
  Baseline b;
  b.source = "Other";
  b.prompt = "box";
  b.values = {{"disk", 0.5}};
  std::string md = report_markdown(t, summarize_sets(t, 0, 0), {b}, {});
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

TEST(FileSlug, KeepsSafeCharacters) {
  EXPECT_EQ(file_slug("box(margin=20px,jitter=0)"), "box_margin_20px_jitter_0_");
  EXPECT_EQ(file_slug("img-1.v2"), "img-1.v2");
  EXPECT_EQ(file_slug(".."), "_.");  // never a folder's "." or ".."
}

}  // namespace
}  // namespace sambench
