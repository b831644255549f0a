#include "sambench/report/result_json.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "sambench/report/tables.h"

namespace sambench {
namespace {

// Every field away from its default, with values that a lossy format would change.
InstanceResult unusual_instance() {
  InstanceResult r;
  r.image = "img,\"1\"";
  r.case_id = "case";
  r.group = "g";
  r.result_set = "box(margin=20px,jitter=0)";
  r.class_label = 300;
  r.class_name = "left kidney";
  r.instance = 7;
  r.centroid = {0.1 + 0.2, 1.0 / 3.0};
  r.centroid_inside = false;
  r.mask_index = 2;
  r.score = 0.123456789f;
  r.overlap = {123456789012LL, 5, 3};
  r.dice = std::numeric_limits<double>::quiet_NaN();
  r.iou = 2.0 / 3.0;
  r.mask_file = "predictions/x.png";
  return r;
}

TEST(ResultJson, InstanceRowsReadBackToTheSameCsvBytes) {
  InstanceResult r = unusual_instance();
  InstanceResult back = instance_result_from_json(nlohmann::json::parse(to_json(r).dump()));
  EXPECT_EQ(per_instance_csv({back}), per_instance_csv({r}));
  EXPECT_EQ(back.centroid.x, r.centroid.x);
  EXPECT_EQ(back.score, r.score);
  EXPECT_TRUE(std::isnan(back.dice));
  EXPECT_EQ(back.iou, r.iou);
  EXPECT_FALSE(back.centroid_inside);
  // A new field must be added to to_json too: the JSON holds every column's value.
  EXPECT_EQ(to_json(back), to_json(r));
}

TEST(ResultJson, RegionRowsKeepInfinitiesAndNaN) {
  RegionResult r;
  r.unit = "u";
  r.group = "g";
  r.result_set = "p";
  r.class_label = 3;
  r.class_name = "c";
  r.overlap = {1, 2, 3};
  r.dice = std::numeric_limits<double>::infinity();
  r.iou = std::numeric_limits<double>::quiet_NaN();
  RegionResult back = region_result_from_json(nlohmann::json::parse(to_json(r).dump()));
  EXPECT_EQ(per_region_csv({back}, "image"), per_region_csv({r}, "image"));
  EXPECT_TRUE(std::isinf(back.dice));
  EXPECT_TRUE(std::isnan(back.iou));
  EXPECT_EQ(back.overlap.intersection, 3);
}

}  // namespace
}  // namespace sambench
