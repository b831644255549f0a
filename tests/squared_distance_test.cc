#include "sambench/prompts/squared_distance.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace sambench {
namespace {

// Random rectangles and specks, often cut by the border.
cv::Mat random_mask(cv::RNG& rng, int max_side) {
  cv::Mat m = cv::Mat::zeros(rng.uniform(1, max_side), rng.uniform(1, max_side), CV_8U);
  for (int k = rng.uniform(1, 6); k > 0; --k) {
    const cv::Rect r(rng.uniform(-3, m.cols), rng.uniform(-3, m.rows), rng.uniform(1, 20), rng.uniform(1, 20));
    m(r & cv::Rect(0, 0, m.cols, m.rows)).setTo(rng.uniform(1, 256));
  }
  for (int k = rng.uniform(0, 8); k > 0; --k) m.at<uchar>(rng.uniform(0, m.rows), rng.uniform(0, m.cols)) = 0;
  return m;
}

// Every pixel against every zero pixel of the mask grown by one zero pixel all round.
cv::Mat brute_force(const cv::Mat& mask) {
  cv::Mat padded;
  cv::copyMakeBorder(mask, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat out(mask.size(), CV_32S);
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      int best = std::numeric_limits<int>::max();
      for (int v = 0; v < padded.rows; ++v) {
        for (int u = 0; u < padded.cols; ++u) {
          if (padded.at<uchar>(v, u)) continue;
          const int dx = u - 1 - x, dy = v - 1 - y;
          best = std::min(best, dx * dx + dy * dy);
        }
      }
      out.at<int>(y, x) = best;
    }
  }
  return out;
}

TEST(SquaredDistance, MatchesTheBruteForceOnRandomMasks) {
  cv::RNG rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const cv::Mat mask = random_mask(rng, 24);
    EXPECT_EQ(cv::countNonZero(squared_distance_to_outside(mask) != brute_force(mask)), 0) << "trial " << trial;
  }
}

// Where OpenCV's precise transform is exact (below 4096 px), its float distance is the rounded
// root of ours: the deepest pixel, and with it every interior point, stays what it was.
TEST(SquaredDistance, ItsRootIsOpenCvsDistanceOnSmallMasks) {
  cv::RNG rng(8);
  for (int trial = 0; trial < 310; ++trial) {
    cv::Mat mask = random_mask(rng, 120);
    if (trial >= 300) {  // large objects: distances in the hundreds
      mask = cv::Mat::zeros(rng.uniform(500, 1500), rng.uniform(500, 3000), CV_8U);
      cv::ellipse(mask, cv::Point(rng.uniform(0, mask.cols), rng.uniform(0, mask.rows)),
                  cv::Size(rng.uniform(50, 1200), rng.uniform(50, 700)), rng.uniform(0, 180), 0, 360, 1, cv::FILLED);
    }
    cv::Mat padded, opencv;
    cv::copyMakeBorder(mask != 0, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::distanceTransform(padded, opencv, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
    const cv::Mat d2 = squared_distance_to_outside(mask != 0);
    int differ = 0;
    for (int y = 0; y < mask.rows; ++y) {
      for (int x = 0; x < mask.cols; ++x) {
        differ += std::sqrt(static_cast<float>(d2.at<int>(y, x))) != opencv.at<float>(y + 1, x + 1);
      }
    }
    EXPECT_EQ(differ, 0) << "trial " << trial << " size " << mask.size();
  }
}

// A 3-row strip 5000 px wide: OpenCV 4.6 gives background pixels past x = 4096 distances of 1.
TEST(SquaredDistance, ExactInMasksWiderThan4096) {
  cv::Mat mask = cv::Mat::zeros(3, 5000, CV_8U);
  mask(cv::Rect(4500, 0, 300, 3)).setTo(1);
  mask(cv::Rect(10, 1, 4000, 1)).setTo(1);
  const cv::Mat d2 = squared_distance_to_outside(mask);
  EXPECT_EQ(cv::countNonZero(d2 != 0), cv::countNonZero(mask));
  EXPECT_EQ(d2.at<int>(1, 4600), 4);  // two rows from the border above and below
  EXPECT_EQ(d2.at<int>(1, 4500), 1);
  EXPECT_EQ(d2.at<int>(1, 2000), 1);
}

}  // namespace
}  // namespace sambench
