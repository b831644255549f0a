#include "sambench/data/inspect.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write_grey(const fs::path& path, const cv::Mat& grey) {
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), grey)) << path;
}

// Two images by hand: a flat 40-grey image with two disks of class 1 and a 3-pixel speck of
// class 2 (below min_area), and a 200-grey image with nothing in it.
Config two_image_config(const TempDir& dir) {
  cv::Mat labels = cv::Mat::zeros(20, 30, CV_8U);
  labels(cv::Rect(2, 2, 4, 4)).setTo(1);
  labels(cv::Rect(20, 10, 5, 5)).setTo(1);
  labels(cv::Rect(12, 17, 3, 1)).setTo(2);
  write_grey(dir / "d/images/a.png", cv::Mat(20, 30, CV_8U, cv::Scalar(40)));
  write_grey(dir / "d/masks/a.png", labels);
  write_grey(dir / "d/images/b.png", cv::Mat(24, 16, CV_8U, cv::Scalar(200)));
  write_grey(dir / "d/masks/b.png", cv::Mat::zeros(24, 16, CV_8U));
  Config c;
  c.dataset = {{"adapter", "folder"}, {"root", "d"}, {"classes", {{"1", "disk"}, {"2", "speck"}}}};
  c.dataset_base = dir.path();
  c.instances.min_area = 10;
  return c;
}

TEST(Inspect, CountsWhatEvalWouldPrompt) {
  TempDir dir;
  Inspection in = inspect_dataset(two_image_config(dir));
  EXPECT_EQ(in.adapter, "folder");
  EXPECT_EQ(in.samples, 2);
  EXPECT_EQ(in.slices, 0);
  EXPECT_EQ(in.cases, 2);
  EXPECT_EQ(in.without_instances, 1);
  ASSERT_EQ(in.classes.size(), 2u);
  EXPECT_EQ(in.classes[0].images, 1);
  EXPECT_EQ(in.classes[0].instances, 2);
  EXPECT_EQ(in.classes[0].pixels, 16 + 25);
  EXPECT_EQ(in.classes[1].instances, 0);  // under min_area: never prompted
  EXPECT_EQ(in.min_width, 16);
  EXPECT_EQ(in.max_width, 30);
  EXPECT_EQ(in.min_height, 20);
  EXPECT_EQ(in.max_height, 24);
  EXPECT_EQ(in.intensity_min, 40);
  EXPECT_EQ(in.intensity_max, 200);
  EXPECT_NEAR(in.intensity_mean, (40.0 * 600 + 200.0 * 384) / 984, 1e-9);
  EXPECT_EQ(in.to_json()["classes"][0]["instances"], 2);
}

TEST(Inspect, LimitAndErrors) {
  TempDir dir;
  Config c = two_image_config(dir);
  c.run.limit = 1;
  EXPECT_EQ(inspect_dataset(c).samples, 1);
  cv::Mat bad = cv::Mat::zeros(20, 30, CV_8U);
  bad.at<uchar>(0, 0) = 9;
  write_grey(dir / "d/masks/a.png", bad);
  EXPECT_TRUE(testing::contains(testing::error_of([&] { inspect_dataset(c); }),
                                "masks/a.png: label value(s) 9 not in the class map"));
}

}  // namespace
}  // namespace sambench
