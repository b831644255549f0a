// The k-d tree surface metrics against the ITK distance maps they replaced: NSD and HD95 must be
// the same doubles, bit for bit, on many shapes, spacings and tolerances, empty masks, objects
// on the image border, and 3D stacks of slices.

#include <cmath>
#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fixtures/itk_surface.h"
#include "sambench/metrics/surface.h"

namespace sambench {
namespace {

bool same_double(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_same(const SurfaceScores& fast, const SurfaceScores& itk, const std::string& what) {
  EXPECT_TRUE(same_double(fast.nsd, itk.nsd)) << what << ": NSD " << fast.nsd << " vs " << itk.nsd;
  EXPECT_TRUE(same_double(fast.hd95, itk.hd95)) << what << ": HD95 " << fast.hd95 << " vs " << itk.hd95;
}

// A random mask of one of several kinds, drawn from `rng`.
cv::Mat random_mask(cv::Size size, cv::RNG& rng) {
  cv::Mat m = cv::Mat::zeros(size, CV_8U);
  const int kind = rng.uniform(0, 7);
  auto point = [&] { return cv::Point(rng.uniform(-5, size.width + 5), rng.uniform(-5, size.height + 5)); };
  if (kind == 0) {  // an ellipse, possibly cut by the border
    cv::ellipse(m, point(), {rng.uniform(1, size.width / 2 + 2), rng.uniform(1, size.height / 2 + 2)},
                rng.uniform(0.0, 180.0), 0, 360, cv::Scalar(255), cv::FILLED);
  } else if (kind == 1) {  // a few rectangles
    for (int i = rng.uniform(1, 4); i > 0; --i) cv::rectangle(m, point(), point(), cv::Scalar(1), cv::FILLED);
  } else if (kind == 2) {  // per-pixel noise
    rng.fill(m, cv::RNG::UNIFORM, 0, 2);
  } else if (kind == 3) {  // blotchy noise, a random-weight model's upscaled logits
    cv::Mat small(std::max(1, size.height / 8), std::max(1, size.width / 8), CV_32F);
    rng.fill(small, cv::RNG::NORMAL, 0, 1);
    cv::resize(small, small, size, 0, 0, cv::INTER_LINEAR);
    m = small > 0.3;
  } else if (kind == 4) {  // thin lines and single pixels
    for (int i = rng.uniform(1, 5); i > 0; --i) cv::line(m, point(), point(), cv::Scalar(7), 1);
    m.at<unsigned char>(rng.uniform(0, size.height), rng.uniform(0, size.width)) = 1;
  } else if (kind == 5) {  // a ring: a hole inside
    cv::Point c = point();
    int r = rng.uniform(3, std::max(4, size.width / 2));
    cv::circle(m, c, r, cv::Scalar(1), cv::FILLED);
    cv::circle(m, c, r / 2, cv::Scalar(0), cv::FILLED);
  } else if (kind == 6) {  // the whole image, or all but one pixel
    m.setTo(1);
    if (rng.uniform(0, 2)) m.at<unsigned char>(rng.uniform(0, size.height), rng.uniform(0, size.width)) = 0;
  }
  return m;
}

TEST(SurfaceEquivalence, TwoDimensionalMasksMatchTheItkDistanceMaps) {
  cv::RNG rng(20);
  const cv::Point2d spacings[] = {{1, 1}, {0.7, 0.7}, {0.5, 2.0}, {0.3125, 0.3125}, {0.1, 3.7}, {1.3, 0.45}};
  const cv::Size sizes[] = {{1, 1}, {7, 3}, {20, 20}, {64, 48}, {131, 97}, {300, 200}};
  for (int trial = 0; trial < 400; ++trial) {
    cv::Size size = sizes[trial % 6];
    cv::Point2d spacing = spacings[rng.uniform(0, 6)];
    cv::Mat p = random_mask(size, rng), g = random_mask(size, rng);
    if (rng.uniform(0, 10) == 0) p = cv::Mat::zeros(size, CV_8U);
    if (rng.uniform(0, 10) == 0) g = cv::Mat::zeros(size, CV_8U);
    if (rng.uniform(0, 10) == 0) g = p.clone();
    double tolerance = rng.uniform(0.0, 6.0);
    EmptyRule rule = rng.uniform(0, 2) ? EmptyRule::kNaN : EmptyRule::kOne;
    std::string what = "trial " + std::to_string(trial);
    expect_same(surface_scores(p, g, spacing, tolerance, rule), itk_surface_scores(p, g, spacing, tolerance, rule),
                what);
    // Tolerances on the distances themselves: the NSD's <= must agree at exact ties too.
    for (double exact : {1.0 * spacing.x, 2.0 * spacing.y, std::hypot(spacing.x, spacing.y)}) {
      expect_same(surface_scores(p, g, spacing, exact, rule), itk_surface_scores(p, g, spacing, exact, rule),
                  what + " at a tolerance on a distance");
    }
  }
}

TEST(SurfaceEquivalence, LargeSmoothAndNoisyMasksMatch) {
  cv::RNG rng(7);
  const cv::Size size(900, 700);
  cv::Mat g = cv::Mat::zeros(size, CV_8U), p = g.clone();
  cv::ellipse(g, {450, 350}, {300, 220}, 15, 0, 360, cv::Scalar(1), cv::FILLED);
  cv::ellipse(p, {470, 340}, {290, 230}, 20, 0, 360, cv::Scalar(1), cv::FILLED);
  expect_same(surface_scores(p, g, {0.21, 0.21}, 2.0, EmptyRule::kNaN),
              itk_surface_scores(p, g, {0.21, 0.21}, 2.0, EmptyRule::kNaN), "smooth");
  cv::Mat small(size.height / 16, size.width / 16, CV_32F);
  rng.fill(small, cv::RNG::NORMAL, 0, 1);
  cv::resize(small, small, size, 0, 0, cv::INTER_LINEAR);
  cv::Mat noise = small > 0;
  expect_same(surface_scores(noise, g, {0.21, 0.21}, 2.0, EmptyRule::kNaN),
              itk_surface_scores(noise, g, {0.21, 0.21}, 2.0, EmptyRule::kNaN), "noise");
}

// Random stacks: each slice has its own region of interest in the volume; some slices hold only
// one of the masks, some z are absent.
TEST(SurfaceEquivalence, VolumesMatchTheItkDistanceMaps) {
  cv::RNG rng(3);
  const std::array<double, 3> spacings[] = {{1, 1, 1}, {0.7, 0.7, 2.5}, {0.8, 1.1, 5.0}};
  for (int trial = 0; trial < 60; ++trial) {
    const std::array<int, 3> size = {40, 30, 12};
    std::vector<MaskSlice> slices;
    for (int z = 0; z < size[2]; ++z) {
      if (rng.uniform(0, 3) == 0) continue;
      MaskSlice s;
      s.z = z;
      int x = rng.uniform(0, 30), y = rng.uniform(0, 20);
      s.roi = {x, y, rng.uniform(1, size[0] - x + 1), rng.uniform(1, size[1] - y + 1)};
      if (rng.uniform(0, 4)) s.prediction = random_mask(s.roi.size(), rng);
      if (rng.uniform(0, 4)) s.truth = random_mask(s.roi.size(), rng);
      // As case_surfaces lists them: a slice with foreground. (The ITK version pasted an empty
      // slice too, outside its buffer when the slice's region lay outside the others' box.)
      bool any = (!s.prediction.empty() && cv::countNonZero(s.prediction)) || (!s.truth.empty() && cv::countNonZero(s.truth));
      if (any) slices.push_back(s);
    }
    const auto& spacing = spacings[trial % 3];
    double tolerance = rng.uniform(0.0, 8.0);
    EmptyRule rule = rng.uniform(0, 2) ? EmptyRule::kNaN : EmptyRule::kOne;
    expect_same(surface_scores(slices, size, spacing, tolerance, rule),
                itk_surface_scores(slices, size, spacing, tolerance, rule), "volume trial " + std::to_string(trial));
  }
}

}  // namespace
}  // namespace sambench
