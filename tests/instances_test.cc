#include "sambench/data/instances.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

const std::vector<ClassInfo> kClasses = {{1, "liver"}, {2, "kidney"}};

cv::Mat labels_with_blobs() {
  cv::Mat labels = cv::Mat::zeros(10, 12, CV_8U);
  labels(cv::Rect(0, 0, 3, 3)).setTo(1);   // class 1, 9 px
  labels(cv::Rect(3, 3, 2, 2)).setTo(1);   // touches the first only at a corner: same component
  labels(cv::Rect(8, 0, 4, 2)).setTo(1);   // class 1, separate, 8 px
  labels(cv::Rect(0, 8, 1, 1)).setTo(1);   // class 1, 1 px speck
  labels(cv::Rect(6, 6, 3, 3)).setTo(2);   // class 2, 9 px
  return labels;
}

// Security finding 8: a 600 x 600 dot grid with min_area 1 made 40,000 instances, each with a
// full-size mask (over 6 GB). The count is bounded before any mask is made.
TEST(FindInstances, TooManyInstancesIsAnErrorNamingTheFileAndTheLimit) {
  cv::Mat dots = cv::Mat::zeros(600, 600, CV_8U);
  for (int y = 0; y < 600; y += 3) {
    for (int x = 0; x < 600; x += 3) dots.at<uchar>(y, x) = 1;
  }
  InstanceConfig config;
  const std::string error = testing::error_of([&] { find_instances(dots, kClasses, config, "dots.png"); });
  EXPECT_TRUE(testing::contains(error, "dots.png: the label map has over 10000 instances")) << error;
  EXPECT_TRUE(testing::contains(error, "instances.max_instances")) << error;
  config.max_instances = 40000;
  EXPECT_EQ(find_instances(dots(cv::Rect(0, 0, 60, 60)), kClasses, config).size(), 400u);
  config.min_area = 2;  // specks below min_area are not instances, so they do not count
  config.max_instances = 1;
  EXPECT_TRUE(find_instances(dots, kClasses, config).empty());
}

TEST(FindInstances, EightConnectedComponentsPerClass) {
  InstanceConfig config;
  auto instances = find_instances(labels_with_blobs(), kClasses, config);
  ASSERT_EQ(instances.size(), 4u);
  EXPECT_EQ(instances[0].class_label, 1);
  EXPECT_EQ(instances[0].index, 1);
  EXPECT_EQ(instances[0].area, 13);  // the diagonal neighbour joined it
  EXPECT_EQ(instances[0].box, cv::Rect(0, 0, 5, 5));
  EXPECT_EQ(instances[1].area, 8);
  EXPECT_EQ(instances[2].area, 1);
  EXPECT_EQ(instances[3].class_label, 2);
  EXPECT_EQ(instances[3].index, 1);
  EXPECT_EQ(cv::countNonZero(instances[3].mask), 9);
  EXPECT_EQ(instances[3].mask.at<uchar>(7, 7), 1);
}

TEST(FindInstances, MinAreaDropsSpecks) {
  InstanceConfig config;
  config.min_area = 2;
  auto instances = find_instances(labels_with_blobs(), kClasses, config);
  ASSERT_EQ(instances.size(), 3u);
  EXPECT_EQ(instances[1].index, 2);
  EXPECT_EQ(instances[2].class_label, 2);
}

TEST(FindInstances, WholeClassIsOneInstance) {
  InstanceConfig config;
  config.whole_class = true;
  auto instances = find_instances(labels_with_blobs(), kClasses, config);
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].area, 22);
  EXPECT_EQ(instances[0].box, cv::Rect(0, 0, 12, 9));
  EXPECT_EQ(cv::countNonZero(instances[0].mask), 22);
}

TEST(FindInstances, AbsentClassGivesNothing) {
  cv::Mat labels = cv::Mat::zeros(4, 4, CV_16U);
  labels.at<uint16_t>(1, 1) = 2;
  auto instances = find_instances(labels, kClasses, InstanceConfig{});
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].class_label, 2);
}

}  // namespace
}  // namespace sambench
