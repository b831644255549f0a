// Benchmark, not a test: milliseconds per mask pair of NSD + HD95 for smooth object-like masks
// of several sizes, up to ISIC's 6000x4500, and for the noise-like masks of a random-weight
// model; for sambench's surface_scores (a k-d tree over the surface pixels) and for the ITK
// distance maps it replaced (their cost follows the union bounding box of the pair).
//   build/tests/surface_speed [pairs per case, default 50] [--no-itk]
// Each case runs `pairs` times or until one second has passed, at least once.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "fixtures/itk_surface.h"
#include "sambench/metrics/surface.h"

namespace {

using sambench::SurfaceScores;

struct Case {
  const char* name;
  cv::Mat prediction, truth;
};

cv::Mat ellipse_mask(cv::Size image, cv::Point centre, cv::Size axes, double angle) {
  cv::Mat mask(image, CV_8U, cv::Scalar(0));
  cv::ellipse(mask, centre, axes, angle, 0, 360, cv::Scalar(1), cv::FILLED);
  return mask;
}

// A lesion-like blob: an ellipse whose radius wavers smoothly, shifted by `shift` pixels.
cv::Mat lesion_mask(cv::Size image, double radius, cv::Point shift) {
  std::vector<cv::Point> outline;
  const cv::Point2d centre(image.width / 2.0 + shift.x, image.height / 2.0 + shift.y);
  for (int i = 0; i < 720; ++i) {
    double a = i * M_PI / 360.0, r = radius * (1.0 + 0.08 * std::sin(3 * a) + 0.04 * std::cos(7 * a));
    outline.emplace_back(cv::Point(cvRound(centre.x + 1.3 * r * std::cos(a)), cvRound(centre.y + r * std::sin(a))));
  }
  cv::Mat mask(image, CV_8U, cv::Scalar(0));
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(1));
  return mask;
}

// Three quarters of the pixels set at random.
cv::Mat noise_mask(cv::Size image) {
  cv::Mat values(image, CV_8U);
  cv::RNG rng(1);
  rng.fill(values, cv::RNG::UNIFORM, 0, 4);
  return values > 0;
}

// A random-weight SAM's mask: noise on its 256x256 logits, upscaled bilinearly to the image.
cv::Mat logit_noise_mask(cv::Size image) {
  cv::Mat logits(256, 256, CV_32F);
  cv::RNG rng(2);
  rng.fill(logits, cv::RNG::NORMAL, 0, 1);
  cv::resize(logits, logits, image, 0, 0, cv::INTER_LINEAR);
  return logits > 0;
}

template <class Scores>
double ms_per_pair(const Case& c, int pairs, Scores scores) {
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  int done = 0;
  while (done < pairs && (done == 0 || elapsed < 1000.0)) {
    scores(c.prediction, c.truth, cv::Point2d(1.0, 1.0), 2.0, sambench::EmptyRule::kNaN);
    ++done;
    elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return elapsed / done;
}

bool same(const SurfaceScores& a, const SurfaceScores& b) {
  return std::memcmp(&a.nsd, &b.nsd, sizeof a.nsd) == 0 && std::memcmp(&a.hd95, &b.hd95, sizeof a.hd95) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int pairs = 50;
  bool itk = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-itk") == 0) {
      itk = false;
    } else {
      pairs = std::max(1, std::atoi(argv[i]));
    }
  }
  const cv::Size small(320, 240), slice(512, 512), large(1024, 1024), isic(6000, 4500);
  const Case cases[] = {
      {"320x240, organ r~30 vs r~25", ellipse_mask(small, {160, 120}, {30, 22}, 0), ellipse_mask(small, {165, 123}, {25, 16}, 10)},
      {"320x240, r~110 vs r~25", ellipse_mask(small, {160, 120}, {110, 82}, 0), ellipse_mask(small, {165, 123}, {25, 16}, 10)},
      {"512x512, organ r~40 vs r~35", ellipse_mask(slice, {256, 256}, {40, 30}, 0), ellipse_mask(slice, {261, 259}, {35, 23}, 10)},
      {"512x512, lesion, shifted 4 px", lesion_mask(slice, 150, {4, 3}), lesion_mask(slice, 150, {0, 0})},
      {"1024x1024, r~400 vs r~300", ellipse_mask(large, {512, 512}, {400, 300}, 0), ellipse_mask(large, {517, 515}, {300, 200}, 10)},
      {"6000x4500, lesion, shifted 40 px", lesion_mask(isic, 1500, {40, 0}), lesion_mask(isic, 1500, {0, 0})},
      {"320x240, pixel noise vs r~30", noise_mask(small), ellipse_mask(small, {160, 120}, {30, 20}, 0)},
      {"512x512, logit noise vs lesion", logit_noise_mask(slice), lesion_mask(slice, 150, {0, 0})},
      {"6000x4500, logit noise vs lesion", logit_noise_mask(isic), lesion_mask(isic, 1500, {0, 0})},
  };
  std::printf("%-36s %14s %14s %6s\n", "mask pair", "k-d tree ms", "ITK maps ms", "same");
  for (const Case& c : cases) {
    double fast = ms_per_pair(c, pairs, [](auto&&... a) { return sambench::surface_scores(a...); });
    if (!itk) {
      std::printf("%-36s %14.3f %14s %6s\n", c.name, fast, "-", "-");
      continue;
    }
    double slow = ms_per_pair(c, pairs, [](auto&&... a) { return sambench::itk_surface_scores(a...); });
    bool equal = same(sambench::surface_scores(c.prediction, c.truth, {1.0, 1.0}, 2.0, sambench::EmptyRule::kNaN),
                      sambench::itk_surface_scores(c.prediction, c.truth, {1.0, 1.0}, 2.0, sambench::EmptyRule::kNaN));
    std::printf("%-36s %14.3f %14.3f %6s\n", c.name, fast, slow, equal ? "yes" : "NO");
  }
  return 0;
}
