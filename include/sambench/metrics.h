#pragma once

#include <string>

#include <opencv2/core.hpp>

namespace sambench {

struct Overlap {
  long long prediction = 0;    // |P|
  long long truth = 0;         // |G|
  long long intersection = 0;  // |P ∩ G|
};

// Pixel counts of two same-size binary masks (any non-zero pixel is foreground).
Overlap overlap(const cv::Mat& prediction, const cv::Mat& truth);

// What a metric is when both masks are empty: undefined (NaN, excluded from means, the nnU-Net
// convention) or a perfect 1. An empty truth with a non-empty prediction is always 0.
enum class EmptyRule { kNaN, kOne };

EmptyRule parse_empty_rule(const std::string& name);
std::string describe(EmptyRule rule);

double dice(const Overlap& o, EmptyRule rule);  // 2|P∩G| / (|P| + |G|)
double iou(const Overlap& o, EmptyRule rule);   // |P∩G| / |P∪G|

}  // namespace sambench
