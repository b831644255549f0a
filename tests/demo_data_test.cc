#include "sambench/data/demo_data.h"

#include <set>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/image_io.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

std::set<int> label_values(const fs::path& mask) {
  cv::Mat labels = read_label_map(mask);
  std::set<int> values;
  for (int r = 0; r < labels.rows; ++r) {
    for (int c = 0; c < labels.cols; ++c) values.insert(labels.at<uchar>(r, c));
  }
  return values;
}

TEST(DemoData, ExtraClassesAddOrgansToEveryImage) {
  testing::TempDir dir;
  make_demo_dataset(dir / "organs", {3, 0, 9});
  for (int i = 0; i < 3; ++i) {
    std::set<int> values = label_values(dir / ("organs/masks/demo_00" + std::to_string(i) + ".png"));
    EXPECT_EQ(*values.rbegin(), 9) << i;
    EXPECT_GE(values.size(), 8u) << i;  // background and most classes (a shape may be covered)
  }
}

// --size: every image that size, as JPEG, with every class drawn.
TEST(DemoData, FixedSizeWritesJpegImagesOfThatSize) {
  testing::TempDir dir;
  DemoSpec spec;
  spec.images = 2;
  spec.width = 900;
  spec.height = 700;
  make_demo_dataset(dir / "large", spec);
  for (int i = 0; i < 2; ++i) {
    const std::string name = "demo_00" + std::to_string(i);
    ASSERT_TRUE(fs::exists(dir / "large/images" / (name + ".jpg"))) << name;
    cv::Mat labels = read_label_map(dir / "large/masks" / (name + ".png"));
    EXPECT_EQ(labels.size(), cv::Size(900, 700));
    EXPECT_EQ(label_values(dir / "large/masks" / (name + ".png")), (std::set<int>{0, 1, 2, 3}));
  }
}

TEST(DemoData, ThreeClassesByDefaultAndDeterministic) {
  testing::TempDir dir;
  make_demo_dataset(dir / "plain", {2, 5});
  EXPECT_EQ(label_values(dir / "plain/masks/demo_000.png"), (std::set<int>{0, 1, 2, 3}));
  make_demo_dataset(dir / "again", {2, 5});
  EXPECT_EQ(read_file(dir / "plain/masks/demo_001.png"), read_file(dir / "again/masks/demo_001.png"));
}

}  // namespace
}  // namespace sambench
