#include "sambench/metrics/case_surfaces.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sambench/base/error.h"

namespace sambench {
namespace {

cv::Mat square_slice(cv::Rect box) {
  cv::Mat m = cv::Mat::zeros(10, 10, CV_8U);
  m(box).setTo(1);
  return m;
}

// The hand case of surface_test's VolumeUsesTheSliceSpacing, fed slice by slice.
TEST(CaseSurfaces, StacksSlicesAndScoresWhenTheCaseEnds) {
  CaseSurfaces cases({true, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3}), empty = cv::Mat::zeros(10, 10, CV_8U);
  cases.add("centroid", "A", 1, 1, sq, sq, {10, 10, 5}, {1, 1, 3});
  cases.add("centroid", "A", 1, 2, empty, sq, {10, 10, 5}, {1, 1, 3});
  EXPECT_TRUE(std::isnan(cases.get("centroid", "A", 1).nsd));  // not scored until the case ends
  cases.add("centroid", "B", 1, 0, sq, sq, {10, 10, 5}, {1, 1, 3});
  EXPECT_DOUBLE_EQ(cases.get("centroid", "A", 1).nsd, 18.0 / 27.0);
  EXPECT_DOUBLE_EQ(cases.get("centroid", "A", 1).hd95, 3.0);
  cases.finish();
  EXPECT_DOUBLE_EQ(cases.get("centroid", "B", 1).nsd, 1.0);
  EXPECT_TRUE(std::isnan(cases.get("box", "B", 1).nsd));
}

TEST(CaseSurfaces, ACaseComingBackIsAnError) {
  CaseSurfaces cases({true, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3});
  cases.add("m", "A", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  cases.add("m", "B", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  EXPECT_THROW(cases.add("m", "A", 1, 1, sq, sq, {10, 10, 3}, {1, 1, 1}), Error);
}

// Truth: two pixels at the left edge of row 1 of a 10-column slice; prediction: the first. The
// slice is kept as the box of both, which OpenCV 4.6's boundingRect made one column short: the
// truth lost its second pixel and the pair scored as perfect.
TEST(CaseSurfaces, KeepsTheWholeBoxOfMasksAtTheLeftEdge) {
  cv::Mat truth = cv::Mat::zeros(3, 10, CV_8U), prediction = truth.clone();
  truth.at<uchar>(1, 0) = truth.at<uchar>(1, 1) = 1;
  prediction.at<uchar>(1, 0) = 1;
  CaseSurfaces cases({true, 0.5}, EmptyRule::kNaN);
  cases.add("m", "A", 1, 0, prediction, truth, {10, 3, 1}, {1, 1, 1});
  cases.finish();
  const SurfaceScores whole =
      surface_scores({{0, cv::Rect(0, 0, 10, 3), prediction, truth}}, {10, 3, 1}, {1, 1, 1}, 0.5, EmptyRule::kNaN);
  EXPECT_GT(whole.hd95, 0.0);
  EXPECT_EQ(cases.get("m", "A", 1).hd95, whole.hd95);
  EXPECT_EQ(cases.get("m", "A", 1).nsd, whole.nsd);
}

TEST(CaseSurfaces, OffComputesNothing) {
  CaseSurfaces cases({false, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3});
  cases.add("m", "A", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  cases.finish();
  EXPECT_TRUE(std::isnan(cases.get("m", "A", 1).nsd));
}

}  // namespace
}  // namespace sambench
