#include "sambench/data/mask_box.h"

#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace sambench {
namespace {

// Two pixels at the left edge of `row`, alone in the mask: with 2 or 10 columns, row 1 starts 2
// bytes past a 4-byte boundary, which is what OpenCV 4.6's boundingRect gets wrong.
cv::Mat left_pair(int rows, int cols, int row) {
  cv::Mat m = cv::Mat::zeros(rows, cols, CV_8U);
  m.at<uchar>(row, 0) = m.at<uchar>(row, 1) = 1;
  return m;
}

// The box from the pixels' coordinates (boundingRect of a point set has no such bug).
cv::Rect reference_box(const cv::Mat& mask) {
  std::vector<cv::Point> pixels;
  cv::findNonZero(mask != 0, pixels);
  return pixels.empty() ? cv::Rect() : cv::boundingRect(pixels);
}

TEST(MaskBox, KeepsTheColumnOpenCvsBoundingRectMisses) {
  for (const cv::Mat& m : {left_pair(2, 2, 1), left_pair(3, 10, 1)}) {
    EXPECT_EQ(mask_box(m), cv::Rect(0, 1, 2, 1)) << m.size();
    // The bug this file exists for; if a newer OpenCV gets this right, mask_box is a choice, not a fix.
    EXPECT_EQ(cv::boundingRect(m), cv::Rect(0, 1, 1, 1)) << m.size();
  }
}

TEST(MaskBox, EmptyMaskHasAnEmptyBox) {
  EXPECT_EQ(mask_box(cv::Mat::zeros(7, 13, CV_8U)), cv::Rect());
  EXPECT_EQ(mask_box(cv::Mat()), cv::Rect());
}

TEST(MaskBox, FindsBothEndsOfWideRows) {
  cv::Mat m = cv::Mat::zeros(5, 101, CV_8U);
  m.at<uchar>(1, 100) = 3;
  m.at<uchar>(3, 0) = 1;
  m.at<uchar>(3, 57) = 1;
  EXPECT_EQ(mask_box(m), cv::Rect(0, 1, 101, 3));
  m.setTo(0);
  m.at<uchar>(2, 8) = m.at<uchar>(2, 15) = 1;  // the ends of one 8-byte word
  EXPECT_EQ(mask_box(m), cv::Rect(8, 2, 8, 1));
}

// Random sparse masks, half of them with their pixels in the first three columns only (where
// boundingRect fails), of every depth sambench meets, some as views into a larger mask.
TEST(MaskBox, MatchesThePixelsOnRandomMasks) {
  cv::RNG rng(20261201);
  int opencv_wrong = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    cv::Mat m = cv::Mat::zeros(rng.uniform(1, 30), rng.uniform(1, 40), CV_8U);
    const int columns = rng.uniform(0, 2) ? std::min(3, m.cols) : m.cols;
    for (int k = rng.uniform(0, 6); k > 0; --k) {
      m.at<uchar>(rng.uniform(0, m.rows), rng.uniform(0, columns)) = static_cast<uchar>(rng.uniform(1, 256));
    }
    const std::string where = "trial " + std::to_string(trial);
    EXPECT_EQ(mask_box(m), reference_box(m)) << where;
    if (cv::boundingRect(m) != reference_box(m)) ++opencv_wrong;
    cv::Mat as_float;
    m.convertTo(as_float, CV_32F);
    EXPECT_EQ(mask_box(as_float), reference_box(m)) << where << " (float)";
    const cv::Rect view(0, 0, rng.uniform(1, m.cols + 1), rng.uniform(1, m.rows + 1));
    EXPECT_EQ(mask_box(m(view)), reference_box(m(view))) << where << " view " << view;
  }
  EXPECT_GT(opencv_wrong, 0) << "no random mask showed the boundingRect bug: the test no longer covers it";
}

}  // namespace
}  // namespace sambench
