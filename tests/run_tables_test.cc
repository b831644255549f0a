#include "sambench/report/run_tables.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/base/error.h"
#include "sambench/report/tables.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

InstanceResult instance(const std::string& image, int label, const std::string& name, int index, double dice) {
  InstanceResult r;
  r.image = image;
  r.case_id = image;
  r.result_set = "centroid";
  r.class_label = label;
  r.class_name = name;
  r.instance = index;
  r.overlap = {10, 10, 5};
  set_metric_values(r, {dice, dice / 2, 0.5, 0.5, 0.75, 3.25});
  return r;
}

// A finished 2D run folder as eval writes it, without the model.
void write_run(const fs::path& dir) {
  std::vector<InstanceResult> rows = {instance("a", 1, "disk", 1, 0.9), instance("a", 2, "box", 1, 0.5),
                                      instance("b", 1, "disk", 1, 0.7), instance("b", 1, "disk", 2, 0.1)};
  RegionResult image;
  image.unit = "a";
  image.result_set = "centroid";
  image.class_label = 1;
  image.class_name = "disk";
  set_metric_values(image, {0.9, 0.45, 0.5, 0.5, 0.75, 3.25});
  write_text(dir / "per_instance.csv", per_instance_csv(rows));
  write_text(dir / "per_image.csv", per_region_csv({image}, "image"));
  nlohmann::json summary = {
      {"status", "complete"},
      {"config", {{"name", "fake"}, {"metrics", {{"bootstrap", 200}, {"bootstrap_seed", 0}}}}},
      {"prompts", {{{"name", "centroid"}, {"description", "one point"},
                    {"levels", {{"instance", {{"classes", {{{"label", 1}, {"name", "disk"}},
                                                           {{"label", 2}, {"name", "box"}}}}}}}}}}},
      {"tables", {"per_instance.csv", "per_image.csv", "per_class.csv", "per_class_image.csv"}}};
  write_text(dir / "summary.json", summary.dump(2));
}

TEST(ReadRunTables, ReadsRowsClassesAndSets) {
  TempDir dir;
  write_run(dir.path());
  RunTables t = read_run_tables(dir.path());
  ASSERT_EQ(t.instances.size(), 4u);
  EXPECT_EQ(t.instances[3].instance, 2);
  EXPECT_DOUBLE_EQ(t.instances[3].dice, 0.1);
  EXPECT_DOUBLE_EQ(t.instances[3].hd95, 3.25);
  EXPECT_EQ(t.instances[3].overlap.intersection, 5);
  ASSERT_EQ(t.images.size(), 1u);
  EXPECT_DOUBLE_EQ(t.images[0].iou, 0.45);
  ASSERT_EQ(t.classes.size(), 2u);
  EXPECT_EQ(t.classes[1].name, "box");
  ASSERT_EQ(t.sets.size(), 1u);
  EXPECT_EQ(t.sets[0].second, "one point");
  EXPECT_FALSE(t.volumetric);
  EXPECT_EQ(t.case_of.at("b"), "b");

  SetLevels levels = summarize_sets(t, 0, 0);
  ASSERT_EQ(levels.size(), 1u);
  ASSERT_EQ(levels[0].second.size(), 2u);  // instance and image, no case level for 2D
  EXPECT_DOUBLE_EQ(levels[0].second[0].classes[0].of(Metric::kDice).mean, (0.9 + 0.7 + 0.1) / 3);
}

TEST(ReadRunTables, IncompleteRunsAndBrokenTablesAreErrors) {
  TempDir dir;
  EXPECT_TRUE(testing::contains(testing::error_of([&] { read_run_tables(dir.path()); }), "summary.json"));
  write_run(dir.path());
  write_text(dir / "per_image.csv", "image,prompt\nx\n");
  std::string error = testing::error_of([&] { read_run_tables(dir.path()); });
  EXPECT_TRUE(testing::contains(error, "per_image.csv")) << error;
  write_text(dir / "summary.json", R"({"status": "failed"})");
  EXPECT_TRUE(testing::contains(testing::error_of([&] { read_run_tables(dir.path()); }), "not complete"));
}

TEST(WriteClassTables, OneFilePerLevel) {
  TempDir dir;
  write_run(dir.path());
  RunTables t = read_run_tables(dir.path());
  write_class_tables(summarize_sets(t, 0, 0), dir.path());
  EXPECT_TRUE(fs::exists(dir / "per_class.csv"));
  EXPECT_TRUE(fs::exists(dir / "per_class_image.csv"));
  EXPECT_TRUE(testing::contains(read_file(dir / "per_class.csv"), "\ncentroid,1,disk,3,2,0,"));
}

}  // namespace
}  // namespace sambench
