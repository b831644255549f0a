#include "sambench/report.h"

#include <cmath>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/error.h"

namespace sambench {
namespace {

using testing::TempDir;

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
  return r;
}

TEST(ComputeStats, MeanPopulationStdMedianWithoutNaN) {
  Stats s = compute_stats({1.0, 2.0, NAN, 4.0, 5.0});
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(10.0 / 4.0));
  EXPECT_DOUBLE_EQ(s.median, 3.0);  // even count: mean of 2 and 4
  EXPECT_DOUBLE_EQ(compute_stats({3.0, 1.0, 2.0}).median, 2.0);
}

TEST(ComputeStats, NoValuesGivesNaN) {
  Stats s = compute_stats({NAN});
  EXPECT_EQ(s.count, 0);
  EXPECT_TRUE(std::isnan(s.mean));
}

TEST(SummarizeClasses, PerClassAndOverallMeans) {
  std::vector<ClassInfo> classes = {{1, "a"}, {2, "b"}, {3, "never"}};
  std::vector<InstanceResult> results = {result("x", 1, "a", 0.2), result("y", 1, "a", 0.4, false),
                                         result("y", 1, "a", 0.6), result("x", 2, "b", 1.0)};
  auto summaries = summarize_classes(results, classes);
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[0].instances, 3);
  EXPECT_EQ(summaries[0].images, 2);
  EXPECT_EQ(summaries[0].centroid_outside, 1);
  EXPECT_DOUBLE_EQ(summaries[0].dice.mean, 0.4);
  EXPECT_EQ(summaries[2].instances, 0);
  EXPECT_TRUE(std::isnan(summaries[2].dice.mean));

  Overall overall = summarize_overall(results, summaries);
  EXPECT_DOUBLE_EQ(overall.dice_over_classes.mean, 0.7);    // (0.4 + 1.0) / 2, empty class skipped
  EXPECT_EQ(overall.dice_over_classes.count, 2);
  EXPECT_DOUBLE_EQ(overall.dice_over_instances.mean, 0.55);  // 2.2 / 4
}

TEST(PerInstanceCsv, HeaderAndRows) {
  std::string csv = per_instance_csv({result("img,1", 1, "left \"lung\"", 0.75, false)});
  EXPECT_EQ(csv,
            "image,class_label,class,instance,gt_area,centroid_x,centroid_y,centroid_inside,"
            "mask_index,score,pred_area,intersection,dice,iou\n"
            "\"img,1\",1,\"left \"\"lung\"\"\",1,8,1.250,2.500,0,2,0.500000,10,6,0.750000,0.375000\n");
}

TEST(PerClassCsv, OverallRowsHaveNoLabel) {
  std::vector<ClassInfo> classes = {{1, "a"}};
  std::vector<InstanceResult> results = {result("x", 1, "a", 0.5)};
  auto summaries = summarize_classes(results, classes);
  std::string csv = per_class_csv(summaries, summarize_overall(results, summaries));
  EXPECT_NE(csv.find("\n1,a,1,1,0,0.500000,0.000000,0.500000,0.250000,0.000000,0.250000\n"),
            std::string::npos);
  EXPECT_NE(csv.find("\n,mean_over_classes,1,,,0.500000"), std::string::npos);
  EXPECT_NE(csv.find("\n,mean_over_instances,1,,,0.500000"), std::string::npos);
}

TEST(ClassesJson, NaNBecomesNull) {
  auto summaries = summarize_classes({}, {{1, "a"}});
  nlohmann::json j = classes_json(summaries);
  EXPECT_TRUE(j[0]["dice"]["mean"].is_null());
  EXPECT_EQ(j[0]["name"], "a");
}

TEST(WriteFileAtomic, WritesWholeFileAndLeavesNoTemporary) {
  TempDir dir;
  write_file_atomic(dir / "out.csv", "a,b\n1,2\n");
  EXPECT_EQ(testing::read_text(dir / "out.csv"), "a,b\n1,2\n");
  write_file_atomic(dir / "out.csv", "new\n");
  EXPECT_EQ(testing::read_text(dir / "out.csv"), "new\n");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomic, UnwritablePlaceIsAnErrorNamingTheFile) {
  TempDir dir;
  auto target = dir / "missing_folder" / "out.csv";
  try {
    write_file_atomic(target, "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos);
  }
}

}  // namespace
}  // namespace sambench
