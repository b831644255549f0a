#include "sambench/report/tables.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sambench/report/csv.h"

namespace sambench {
namespace {

InstanceResult result(const std::string& image, int label, const std::string& name, double d,
                      bool inside = true) {
  InstanceResult r;
  r.image = image;
  r.class_label = label;
  r.class_name = name;
  r.instance = 1;
  r.centroid = {1.25, 2.5};
  r.centroid_inside = inside;
  r.mask_index = 2;
  r.score = 0.5f;
  r.overlap = {10, 8, 6};
  r.dice = d;
  r.iou = d / 2;
  r.precision = 0.6;
  r.recall = 0.75;
  return r;
}

TEST(SummarizeClasses, PerClassAndOverallMeans) {
  std::vector<ClassInfo> classes = {{1, "a"}, {2, "b"}, {3, "never"}};
  std::vector<InstanceResult> results = {result("x", 1, "a", 0.2), result("y", 1, "a", 0.4, false),
                                         result("y", 1, "a", 0.6), result("x", 2, "b", 1.0)};
  auto summaries = summarize_classes(scores_of(results), classes);
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[0].count, 3);
  EXPECT_EQ(summaries[0].units, 2);
  EXPECT_EQ(summaries[0].centroid_outside, 1);
  EXPECT_DOUBLE_EQ(summaries[0].of(Metric::kDice).mean, 0.4);
  EXPECT_EQ(summaries[2].count, 0);
  EXPECT_TRUE(std::isnan(summaries[2].of(Metric::kDice).mean));

  Overall overall = summarize_overall(scores_of(results), summaries);
  EXPECT_DOUBLE_EQ(overall.over_classes[0].mean, 0.7);  // (0.4 + 1.0) / 2, empty class skipped
  EXPECT_EQ(overall.over_classes[0].count, 2);
  EXPECT_DOUBLE_EQ(overall.over_rows[0].mean, 0.55);    // 2.2 / 4
}

TEST(PerInstanceCsv, HeaderAndRows) {
  InstanceResult r = result("img,1", 1, "left \"lung\"", 0.75, false);
  r.case_id = "case7";
  r.group = "Domain2";
  r.result_set = "box(margin=0px,jitter=0)";
  std::string csv = per_instance_csv({r});
  EXPECT_EQ(csv,
            "image,case,group,prompt,class_label,class,instance,gt_area,centroid_x,centroid_y,"
            "centroid_inside,mask_index,score,pred_area,intersection,dice,iou,precision,recall,nsd,hd95,"
            "mask_file\n"
            "\"img,1\",case7,Domain2,\"box(margin=0px,jitter=0)\",1,\"left \"\"lung\"\"\",1,8,1.250,2.500,0,2,0.500000,10,6,"
            "0.750000,0.375000,0.600000,0.750000,nan,nan,\n");
  // What the writer quotes, the reader gives back.
  CsvTable table(csv, "per_instance.csv");  // throws if a row's width differs from the header's
  ASSERT_EQ(table.rows(), 1u);
  EXPECT_EQ(table.at(0, "image"), "img,1");
  EXPECT_EQ(table.at(0, "class"), "left \"lung\"");
  EXPECT_EQ(table.at(0, "prompt"), "box(margin=0px,jitter=0)");
  EXPECT_EQ(table.at(0, "mask_file"), "");
}

TEST(PerClassCsv, OverallRowsHaveNoLabel) {
  std::vector<ClassInfo> classes = {{1, "a"}};
  std::vector<InstanceResult> results = {result("x", 1, "a", 0.5)};
  auto summaries = summarize_classes(scores_of(results), classes);
  std::string csv = per_class_csv(summaries, summarize_overall(scores_of(results), summaries), "instances");
  EXPECT_EQ(csv.substr(0, csv.find(",precision_mean")),
            "class_label,class,instances,units,centroid_outside,dice_mean,dice_std,dice_median,"
            "dice_ci_low,dice_ci_high,iou_mean,iou_std,iou_median,iou_ci_low,iou_ci_high");
  EXPECT_NE(csv.find("\n1,a,1,1,0,0.500000,0.000000,0.500000,nan,nan,0.250000,0.000000,0.250000,nan,nan,"
                     "0.600000,"),
            std::string::npos);
  EXPECT_NE(csv.find("\n,mean_over_classes,1,,,0.500000"), std::string::npos);
  EXPECT_NE(csv.find("\n,mean_over_instances,1,,,0.500000"), std::string::npos);
}

TEST(CombineCases, SumsPixelCountsOverSlicesIntoThe3dDice) {
  auto region = [](const std::string& unit, int label, Overlap o) {
    RegionResult r;
    r.unit = unit;
    r.class_label = label;
    r.class_name = "organ";
    r.overlap = o;
    return r;
  };
  // Two slices of case A: 3D Dice = 2 * (4 + 0) / ((6 + 2) + (4 + 4)) = 0.5, not the mean of the
  // slice Dice values (0.8 and 0). Case B has one slice.
  std::vector<RegionResult> images = {region("A/001", 1, {6, 4, 4}), region("B/000", 1, {1, 1, 1}),
                                      region("A/000", 1, {2, 4, 0})};
  std::map<std::string, std::string> case_of = {{"A/000", "A"}, {"A/001", "A"}, {"B/000", "B"}};
  auto cases = combine_cases(images, case_of, EmptyRule::kNaN);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].unit, "A");
  EXPECT_EQ(cases[0].overlap.prediction, 8);
  EXPECT_EQ(cases[0].overlap.truth, 8);
  EXPECT_EQ(cases[0].overlap.intersection, 4);
  EXPECT_DOUBLE_EQ(cases[0].dice, 0.5);
  EXPECT_DOUBLE_EQ(cases[0].iou, 4.0 / 12.0);
  EXPECT_EQ(cases[1].unit, "B");
  EXPECT_DOUBLE_EQ(cases[1].dice, 1.0);

  EXPECT_DOUBLE_EQ(cases[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(cases[0].recall, 0.5);
  std::string csv = per_region_csv(cases, "case");
  EXPECT_EQ(csv, "case,group,prompt,class_label,class,gt_area,pred_area,intersection,dice,iou,precision,recall,"
                 "nsd,hd95\n"
                 "A,,,1,organ,8,8,4,0.500000,0.333333,0.500000,0.500000,nan,nan\n"
                 "B,,,1,organ,1,1,1,1.000000,1.000000,1.000000,1.000000,nan,nan\n");
}

TEST(ClassesJson, NaNBecomesNull) {
  auto summaries = summarize_classes({}, {{1, "a"}});
  nlohmann::json j = classes_json(summaries);
  EXPECT_TRUE(j[0]["dice"]["mean"].is_null());
  EXPECT_EQ(j[0]["name"], "a");
}

// nnU-Net's layout: per unit and class label, then means per label and over classes.
TEST(NnunetJson, PerCaseMeanAndForegroundMean) {
  auto region = [](const std::string& unit, int label, double d) {
    RegionResult r;
    r.unit = unit;
    r.class_label = label;
    r.overlap = {2, 2, 1};
    r.dice = d;
    return r;
  };
  std::vector<RegionResult> rows = {region("b", 1, 0.5), region("a", 1, 1.0), region("a", 2, 0.0)};
  LevelSummary level = summarize_level("case", "cases", scores_of(rows), {{1, "x"}, {2, "y"}, {3, "z"}});
  nlohmann::json j = nnunet_json(rows, level, "case");
  ASSERT_EQ(j["metric_per_case"].size(), 2u);
  EXPECT_EQ(j["metric_per_case"][0]["case"], "a");  // sorted
  EXPECT_EQ(j["metric_per_case"][0]["metrics"]["2"]["dice"], 0.0);
  EXPECT_EQ(j["metric_per_case"][1]["metrics"]["1"]["n_ref"], 2);
  EXPECT_TRUE(j["metric_per_case"][1]["metrics"]["1"]["nsd"].is_null());
  EXPECT_EQ(j["mean"]["1"]["dice"], 0.75);
  EXPECT_FALSE(j["mean"].contains("3"));  // no data
  EXPECT_EQ(j["foreground_mean"]["dice"], 0.375);
}

}  // namespace
}  // namespace sambench
