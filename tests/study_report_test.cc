#include "sambench/report/study_report.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

using testing::contains;

// A finished run of one class, "lungs", with the given Dice per instance, citing `table`'s Average.
StudyRun lung_run(const std::string& name, const std::vector<double>& dice, const std::string& table) {
  StudyRun run;
  run.name = name;
  run.tables.classes = {{1, "lungs"}};
  run.tables.sets = {{"centroid", ""}};
  run.tables.summary = {{"config", {{"name", name}}}, {"counts", {{"images_done", dice.size()}, {"instances", dice.size()}}}};
  for (size_t i = 0; i < dice.size(); ++i) {
    InstanceResult r;
    r.image = "img" + std::to_string(i);
    r.result_set = "centroid";
    r.class_label = 1;
    r.class_name = "lungs";
    set_metric_values(r, {dice[i], dice[i], 1.0, 1.0, 1.0, 0.0});
    run.tables.instances.push_back(r);
  }
  run.levels = summarize_sets(run.tables, 0, 0);
  Baseline b;
  b.source = table;
  b.average = 0.65;
  run.baselines = {b};
  run.comparisons = compare_with_published(run.baselines, run.levels, {});
  return run;
}

const ReportSection& section_titled(const ReportDocument& doc, const std::string& start) {
  for (const auto& s : doc.sections) {
    if (s.title.rfind(start, 0) == 0) return s;
  }
  throw std::runtime_error("no section " + start);
}

// Two runs citing one table share one table, a row each, as the study prints its Table 8; a
// table of one run names the run in its caption instead.
TEST(StudyReport, RunsOfOneTableShareItsTable) {
  const std::vector<StudyRun> runs = {lung_run("montgomery", {0.5, 0.7}, "the study, Table 8"),
                                      lung_run("shenzhen", {0.4}, "the study, Table 8"),
                                      lung_run("drive", {0.2}, "the study, Table 10")};
  const ReportDocument doc = study_document(runs);
  const ReportSection& table8 = section_titled(doc, "Table 8: ");
  ASSERT_EQ(table8.tables.size(), 1u);
  const TextTable& t = table8.tables[0].table;
  EXPECT_EQ(t.header[0], "benchmark");
  EXPECT_EQ(t.label_columns, 2u);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "montgomery");
  EXPECT_EQ(t.rows[0][3], "0.6000");  // the mean over instances beside the published 0.65
  EXPECT_EQ(t.rows[1][0], "shenzhen");
  const ReportSection& table10 = section_titled(doc, "Table 10: ");
  ASSERT_EQ(table10.tables.size(), 1u);
  EXPECT_EQ(table10.tables[0].table.header[0], "class");
  EXPECT_EQ(table10.tables[0].caption, "drive: the study, Table 10: Dice, instance level (Δ: this run − SAM)");
  EXPECT_TRUE(contains(document_markdown(doc), "| montgomery | average (mean over instances) | 0.6500 | 0.6000 |"));
}

// A run that cites no table stands alone with the study's two metrics, each beside its interval.
TEST(StudyReport, RunWithoutBaselinesShowsDiceAndIou) {
  StudyRun alone = lung_run("endovis", {0.5, 0.7}, "");
  alone.baselines.clear();
  alone.comparisons.clear();
  const ReportDocument doc = study_document({alone});
  const ReportSection& section = section_titled(doc, "Runs without published numbers");
  ASSERT_EQ(section.tables.size(), 1u);
  const TextTable& t = section.tables[0].table;
  EXPECT_EQ(t.header, (std::vector<std::string>{"class", "instances", "Dice", "Dice: 95% CI", "IoU", "IoU: 95% CI"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"lungs", "2", "0.6000", "–", "0.6000", "–"}));  // no bootstrap
  EXPECT_EQ(t.rows.back()[0], "mean over instances");
}

}  // namespace
}  // namespace sambench
