// Benchmark, not a test: milliseconds per mask pair of NSD + HD95 (surface_scores) for smooth
// object-like masks of several sizes and for the noise-like masks of a random-weight model.
//   build/tests/surface_speed [pairs per case, default 50]
// The cost follows the number of surface pixels and the union bounding box of the pair, which
// is why a random-weight demo overstates the metrics' share of a run.

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "sambench/metrics/surface.h"

namespace {

struct Case {
  const char* name;
  cv::Mat prediction, truth;
};

cv::Mat ellipse_mask(cv::Size image, cv::Point centre, cv::Size axes, double angle) {
  cv::Mat mask(image, CV_8U, cv::Scalar(0));
  cv::ellipse(mask, centre, axes, angle, 0, 360, cv::Scalar(1), cv::FILLED);
  return mask;
}

// Three quarters of the pixels set at random, like a random-weight SAM's masks.
cv::Mat noise_mask(cv::Size image) {
  cv::Mat values(image, CV_8U);
  cv::RNG rng(1);
  rng.fill(values, cv::RNG::UNIFORM, 0, 4);
  return values > 0;
}

double ms_per_pair(const Case& c, int pairs) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < pairs; ++i) {
    sambench::surface_scores(c.prediction, c.truth, {1.0, 1.0}, 2.0, sambench::EmptyRule::kNaN);
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / pairs;
}

}  // namespace

int main(int argc, char** argv) {
  const int pairs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  const cv::Size small(320, 240), slice(512, 512), large(1024, 1024);
  const Case cases[] = {
      {"320x240, organ r~30 vs r~25", ellipse_mask(small, {160, 120}, {30, 22}, 0), ellipse_mask(small, {165, 123}, {25, 16}, 10)},
      {"320x240, r~110 vs r~25", ellipse_mask(small, {160, 120}, {110, 82}, 0), ellipse_mask(small, {165, 123}, {25, 16}, 10)},
      {"512x512, organ r~40 vs r~35", ellipse_mask(slice, {256, 256}, {40, 30}, 0), ellipse_mask(slice, {261, 259}, {35, 23}, 10)},
      {"1024x1024, r~400 vs r~300", ellipse_mask(large, {512, 512}, {400, 300}, 0), ellipse_mask(large, {517, 515}, {300, 200}, 10)},
      {"320x240, random-weight noise vs r~30", noise_mask(small), ellipse_mask(small, {160, 120}, {30, 20}, 0)},
  };
  std::printf("%-40s %12s\n", "mask pair", "ms per pair");
  for (const Case& c : cases) std::printf("%-40s %12.3f\n", c.name, ms_per_pair(c, pairs));
  return 0;
}
