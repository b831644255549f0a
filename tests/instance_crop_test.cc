// An instance keeps its mask cropped to its box (security finding 8). Everything derived from it
// (prompt points, overlaps, corrective clicks, surface metrics) must be what the whole-image mask
// gave, to the bit: these tests compare the two forms on random label maps whose objects touch
// the image border, are one pixel wide, or (whole_class) have several components.

#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "sambench/data/instances.h"
#include "sambench/metrics/metrics.h"
#include "sambench/metrics/surface.h"
#include "sambench/prompts/mask_geometry.h"

namespace sambench {
namespace {

const std::vector<ClassInfo> kClasses = {{1, "a"}, {2, "b"}};

// Rectangles and single pixels of classes 1 and 2, often at the border.
cv::Mat random_labels(cv::RNG& rng) {
  cv::Mat labels = cv::Mat::zeros(rng.uniform(6, 40), rng.uniform(6, 40), CV_8U);
  for (int k = rng.uniform(1, 8); k > 0; --k) {
    int x = rng.uniform(-2, labels.cols), y = rng.uniform(-2, labels.rows);
    cv::Rect r = cv::Rect(x, y, rng.uniform(1, 12), rng.uniform(1, 12)) & cv::Rect(0, 0, labels.cols, labels.rows);
    labels(r).setTo(rng.uniform(1, 3));
  }
  for (int k = rng.uniform(0, 6); k > 0; --k) {
    labels.at<uchar>(rng.uniform(0, labels.rows), rng.uniform(0, labels.cols)) = static_cast<uchar>(rng.uniform(1, 3));
  }
  return labels;
}

// Noise (many small components, so that areas tie) or a shifted copy of the truth.
cv::Mat random_prediction(cv::RNG& rng, const cv::Mat& truth) {
  cv::Mat p = cv::Mat::zeros(truth.size(), CV_8U);
  switch (rng.uniform(0, 3)) {
    case 0: rng.fill(p, cv::RNG::UNIFORM, 0, 2); break;
    case 1: {
      cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, rng.uniform(-3, 4), 0, 1, rng.uniform(-3, 4));
      cv::warpAffine(truth, p, shift, truth.size(), cv::INTER_NEAREST);
      break;
    }
    default: break;  // empty
  }
  return p;
}

std::vector<cv::Point> raster_pixels(const cv::Mat& mask) {
  std::vector<cv::Point> out;
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      if (mask.at<uchar>(y, x)) out.emplace_back(x, y);
    }
  }
  return out;
}

std::vector<cv::Point> reference_ring(const cv::Mat& mask, int radius) {
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
  cv::Mat grown;
  cv::dilate(mask != 0, grown, kernel, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  return raster_pixels(grown & (mask == 0));
}

// Equal doubles, NaN equal to NaN.
void expect_same(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << what << ": " << a << " vs " << b;
  } else {
    EXPECT_EQ(a, b) << what;
  }
}

// Every instance of `trials` random maps, with the whole-image mask made from it.
template <class Check>
void for_random_instances(int trials, Check check) {
  cv::RNG rng(20261201);
  for (int trial = 0; trial < trials; ++trial) {
    const cv::Mat labels = random_labels(rng);
    InstanceConfig config;
    config.whole_class = rng.uniform(0, 3) == 0;
    for (const Instance& inst : find_instances(labels, kClasses, config)) {
      const cv::Mat full = full_mask(inst, labels.size());
      ASSERT_EQ(cv::countNonZero(full), inst.area);
      check(inst, full, rng, "trial " + std::to_string(trial) + " class " + std::to_string(inst.class_label) +
                                 " instance " + std::to_string(inst.index));
    }
  }
}

TEST(InstanceCrop, PromptPointsMatchTheWholeMask) {
  for_random_instances(300, [](const Instance& inst, const cv::Mat& full, cv::RNG& rng, const std::string& where) {
    const cv::Point2d c = centroid(inst);
    expect_same(c.x, centroid(full).x, where + " centroid x");
    expect_same(c.y, centroid(full).y, where + " centroid y");
    EXPECT_EQ(contains(inst, c), contains(full, c)) << where;
    EXPECT_EQ(nearest_pixel(inst, c), nearest_pixel(full, c)) << where;
    for (int k = 0; k < 10; ++k) {
      cv::Point2d p(rng.uniform(-3.0, full.cols + 3.0), rng.uniform(-3.0, full.rows + 3.0));
      EXPECT_EQ(contains(inst, p), contains(full, p)) << where << " at " << p;
      EXPECT_EQ(nearest_pixel(inst, p), nearest_pixel(full, p)) << where << " from " << p;
    }
    EXPECT_EQ(interior_point(inst), interior_point(full)) << where;
    EXPECT_EQ(tight_box(inst).top_left, tight_box(full).top_left) << where;
    EXPECT_EQ(tight_box(inst).bottom_right, tight_box(full).bottom_right) << where;
    EXPECT_EQ(pixels_of(inst), raster_pixels(full)) << where;
    const int radius = rng.uniform(1, 6);
    EXPECT_EQ(ring_pixels(inst, radius, full.size()), reference_ring(full, radius)) << where << " radius " << radius;
  });
}

TEST(InstanceCrop, OverlapAndSurfaceMatchTheWholeMask) {
  for_random_instances(300, [](const Instance& inst, const cv::Mat& full, cv::RNG& rng, const std::string& where) {
    const cv::Mat prediction = random_prediction(rng, full);
    const Overlap a = overlap(prediction, inst), b = overlap(prediction, full);
    EXPECT_EQ(a.prediction, b.prediction) << where;
    EXPECT_EQ(a.truth, b.truth) << where;
    EXPECT_EQ(a.intersection, b.intersection) << where;
    const cv::Point2d spacing(0.7, 1.3);
    const SurfaceScores s = surface_scores(prediction, inst, spacing, 2.0, EmptyRule::kNaN);
    const SurfaceScores t = surface_scores(prediction, full, spacing, 2.0, EmptyRule::kNaN);
    expect_same(s.nsd, t.nsd, where + " nsd");
    expect_same(s.hd95, t.hd95, where + " hd95");
  });
}

TEST(InstanceCrop, CorrectiveClickMatchesTheWholeMask) {
  int clicks = 0;
  for_random_instances(400, [&](const Instance& inst, const cv::Mat& full, cv::RNG& rng, const std::string& where) {
    const cv::Mat prediction = random_prediction(rng, full);
    const auto a = corrective_click(prediction, inst), b = corrective_click(prediction, full);
    ASSERT_EQ(a.has_value(), b.has_value()) << where;
    if (!a) return;
    ++clicks;
    EXPECT_EQ(a->point, b->point) << where;
    EXPECT_EQ(a->label, b->label) << where;
  });
  EXPECT_GT(clicks, 300);  // the comparisons above were not all of exact masks
}

// A missed region made of equal-sized specks: the click goes to the one the whole image's
// labelling numbers first, whatever the box's offset from the even grid.
TEST(InstanceCrop, CorrectiveClickTiesFollowTheWholeImage) {
  for (int dx = 0; dx < 2; ++dx) {
    for (int dy = 0; dy < 2; ++dy) {
      cv::Mat labels = cv::Mat::zeros(12, 12, CV_8U);
      labels(cv::Rect(3 + dx, 3 + dy, 6, 5)).setTo(1);
      InstanceConfig config;
      const std::vector<Instance> instances = find_instances(labels, kClasses, config);
      ASSERT_EQ(instances.size(), 1u);
      cv::Mat prediction = labels.clone();
      prediction.at<uchar>(4 + dy, 8 + dx) = 0;  // two missed specks of one pixel
      prediction.at<uchar>(5 + dy, 3 + dx) = 0;
      const auto a = corrective_click(prediction, instances[0]);
      const auto b = corrective_click(prediction, labels);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(a->point, b->point) << dx << "," << dy;
    }
  }
}

// Above 4096 px a column's square passes 2^24, where floats stop being exact integers: OpenCV's
// precise distance transform (which works on them in float) gave the whole mask's deepest pixel
// as a background pixel past x = 4096, the crop's a pixel of the object. Objects of every width
// (some wider than 4096 themselves), anywhere in images 4097 to 6000 px wide.
TEST(InstanceCrop, InteriorPointMatchesTheWholeMaskOnWideImages) {
  cv::RNG rng(4097);
  for (int trial = 0; trial < 12; ++trial) {
    cv::Mat labels = cv::Mat::zeros(rng.uniform(3, 20), rng.uniform(4097, 6001), CV_8U);
    for (int k = rng.uniform(1, 6); k > 0; --k) {
      const int width = rng.uniform(0, 3) == 0 ? rng.uniform(1, labels.cols) : rng.uniform(1, 40);
      const cv::Rect r(rng.uniform(0, labels.cols), rng.uniform(0, labels.rows), width, rng.uniform(1, 12));
      labels(r & cv::Rect(0, 0, labels.cols, labels.rows)).setTo(rng.uniform(1, 3));
    }
    for (const Instance& inst : find_instances(labels, kClasses, InstanceConfig{})) {
      const cv::Mat full = full_mask(inst, labels.size());
      const cv::Point p = interior_point(full);
      EXPECT_EQ(interior_point(inst), p) << "trial " << trial << " width " << labels.cols << " box " << inst.box;
      EXPECT_TRUE(contains(inst, p)) << "trial " << trial << " " << p << " is not in the object";
    }
  }
}

// OpenCV 4.6's boundingRect of this 8-bit mask is 1 x 1: the tight box counts every column.
TEST(InstanceCrop, TightBoxCountsEveryColumn) {
  cv::Mat mask = cv::Mat::zeros(2, 2, CV_8U);
  mask.row(1).setTo(1);
  const Box b = tight_box(mask);
  EXPECT_EQ(b.top_left, cv::Point2d(0, 1));
  EXPECT_EQ(b.bottom_right, cv::Point2d(1, 1));
  const std::vector<Instance> instances = find_instances(mask, kClasses, InstanceConfig{});
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(tight_box(instances[0]).bottom_right, cv::Point2d(1, 1));
}

}  // namespace
}  // namespace sambench
