#include "sambench/data/instances.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

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
// full-size mask (14.4 GB). The count is bounded before any mask is made.
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

// The instances as find_instances found them before its one pass: a pass over the whole image
// per class, OpenCV's component order, and a full-image comparison per component.
std::vector<Instance> per_class_passes(const cv::Mat& labels, const std::vector<ClassInfo>& classes,
                                       const InstanceConfig& config) {
  std::vector<Instance> instances;
  for (const auto& cls : classes) {
    cv::Mat class_mask = labels == cls.label;
    if (cv::countNonZero(class_mask) == 0) continue;
    cv::Mat components, stats, centroids;
    int count = 2;
    if (config.whole_class) {
      components = class_mask / 255;
      components.convertTo(components, CV_32S);
      cv::Rect b = cv::boundingRect(class_mask);
      stats = (cv::Mat_<int>(2, 5) << 0, 0, 0, 0, 0, b.x, b.y, b.width, b.height, cv::countNonZero(class_mask));
    } else {
      count = cv::connectedComponentsWithStats(class_mask, components, stats, centroids, 8, CV_32S);
    }
    int index = 0;
    for (int k = 1; k < count; ++k) {
      int area = stats.at<int>(k, cv::CC_STAT_AREA);
      if (area < config.min_area) continue;
      Instance inst;
      inst.class_label = cls.label;
      inst.index = ++index;
      inst.area = area;
      inst.box = {stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                  stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT)};
      inst.crop = (components(inst.box) == k) / 255;
      instances.push_back(std::move(inst));
    }
  }
  return instances;
}

// Random label maps of several depths, sizes (odd offsets too) and class counts: the one pass
// gives the same instances, in the same order, with the same masks, as a pass per class.
// Finding 8's memory: each instance holds its box's pixels only. The dot grid's 40,000
// instances held 360,000 bytes each at full size (14.4 GB); cropped, one byte each. A grid of
// 3x2 blocks shows the bound is the boxes' area, not the object count.
TEST(FindInstances, MasksHoldTheirBoxesOnly) {
  cv::Mat dots = cv::Mat::zeros(600, 600, CV_8U);
  for (int y = 0; y < 600; y += 3) {
    for (int x = 0; x < 600; x += 3) dots.at<uchar>(y, x) = 1 + (x / 3 + y / 3) % 2;
  }
  dots(cv::Rect(90, 190, 20, 20)).setTo(0);  // 7 x 6 dots cleared for one larger object
  dots(cv::Rect(100, 200, 3, 2)).setTo(1);
  InstanceConfig config;
  config.max_instances = 40000;
  const std::vector<Instance> instances = find_instances(dots, kClasses, config);
  ASSERT_EQ(instances.size(), 40000u - 42 + 1);
  size_t bytes = 0, box_area = 0;
  for (const Instance& inst : instances) {
    bytes += inst.crop.total() * inst.crop.elemSize();
    box_area += static_cast<size_t>(inst.box.area());
    ASSERT_EQ(inst.crop.size(), inst.box.size());
  }
  EXPECT_EQ(bytes, box_area);
  EXPECT_EQ(bytes, 40000u - 42 + 6);  // one byte per dot, six for the block
}

TEST(FindInstances, OnePassMatchesAPassPerClass) {
  cv::RNG rng(16);
  for (int trial = 0; trial < 120; ++trial) {
    const int depth = trial % 3 == 0 ? CV_16U : CV_8U;
    // The last trials are large: OpenCV labels those in parallel stripes.
    const bool large = trial >= 114;
    cv::Mat labels = large ? cv::Mat::zeros(901, 1301, depth)
                           : cv::Mat::zeros(rng.uniform(1, 90), rng.uniform(1, 130), depth);
    std::vector<ClassInfo> classes;
    const int class_count = rng.uniform(1, 8);
    for (int c = 1; c <= class_count; ++c) classes.push_back({depth == CV_16U ? 250 + 7 * c : c, "c"});
    const int reach = large ? 200 : 15;
    for (int blobs = rng.uniform(0, large ? 400 : 25); blobs > 0; --blobs) {
      cv::Point a(rng.uniform(-3, labels.cols + 3), rng.uniform(-3, labels.rows + 3));
      cv::Point b = a + cv::Point(rng.uniform(-reach, reach + 1), rng.uniform(-reach, reach + 1));
      int label = classes[rng.uniform(0, class_count)].label;
      if (rng.uniform(0, 2)) {
        cv::rectangle(labels, a, b, cv::Scalar(label), cv::FILLED);
      } else {
        cv::line(labels, a, b, cv::Scalar(label), 1);
      }
    }
    InstanceConfig config;
    config.min_area = rng.uniform(1, 6);
    config.whole_class = rng.uniform(0, 4) == 0;
    auto fast = find_instances(labels, classes, config), reference = per_class_passes(labels, classes, config);
    ASSERT_EQ(fast.size(), reference.size()) << "trial " << trial;
    for (size_t i = 0; i < fast.size(); ++i) {
      EXPECT_EQ(fast[i].class_label, reference[i].class_label) << "trial " << trial;
      EXPECT_EQ(fast[i].index, reference[i].index);
      EXPECT_EQ(fast[i].area, reference[i].area);
      EXPECT_EQ(fast[i].box, reference[i].box) << "trial " << trial << " instance " << i;
      ASSERT_EQ(fast[i].crop.type(), CV_8U);
      ASSERT_EQ(fast[i].crop.size(), fast[i].box.size());
      EXPECT_EQ(cv::countNonZero(fast[i].crop != reference[i].crop), 0) << "trial " << trial << " instance " << i;
    }
  }
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
  EXPECT_EQ(cv::countNonZero(instances[3].crop), 9);
  const cv::Mat full = full_mask(instances[3], cv::Size(12, 10));
  EXPECT_EQ(full.at<uchar>(7, 7), 1);
  EXPECT_EQ(cv::countNonZero(full), 9);
  EXPECT_EQ(cv::boundingRect(full), instances[3].box);
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
  EXPECT_EQ(cv::countNonZero(instances[0].crop), 22);
  EXPECT_EQ(instances[0].crop.size(), cv::Size(12, 9));
}

// A class of label 0 takes its box from the whole map: here two pixels at the left edge of row 1,
// whose box OpenCV 4.6's boundingRect made one column short (mask_box.h), losing one of them.
TEST(FindInstances, LabelZeroKeepsEveryPixelAtTheLeftEdge) {
  cv::Mat labels(3, 10, CV_8U, cv::Scalar(1));
  labels.at<uchar>(1, 0) = labels.at<uchar>(1, 1) = 0;
  const std::vector<Instance> instances = find_instances(labels, {{0, "background"}}, InstanceConfig{});
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].box, cv::Rect(0, 1, 2, 1));
  EXPECT_EQ(instances[0].area, 2);
  EXPECT_EQ(cv::countNonZero(instances[0].crop), 2);
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
