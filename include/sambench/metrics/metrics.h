#pragma once

#include <array>
#include <string>

#include <opencv2/core.hpp>

namespace sambench {

struct Instance;  // data/instances.h

struct Overlap {
  long long prediction = 0;    // |P|
  long long truth = 0;         // |G|
  long long intersection = 0;  // |P ∩ G|
};

// Pixel counts of two same-size binary masks (any non-zero pixel is foreground).
Overlap overlap(const cv::Mat& prediction, const cv::Mat& truth);
// The same counts for an image-sized prediction against an instance: the intersection is
// counted inside the instance's box only, the truth from its crop.
Overlap overlap(const cv::Mat& prediction, const Instance& truth);

// What a metric is when both masks are empty: undefined (NaN, excluded from means, the nnU-Net
// convention) or a perfect 1. An empty truth with a non-empty prediction is always 0.
enum class EmptyRule { kNaN, kOne };

EmptyRule parse_empty_rule(const std::string& name);
std::string describe(EmptyRule rule);

double dice(const Overlap& o, EmptyRule rule);  // 2|P∩G| / (|P| + |G|)
double iou(const Overlap& o, EmptyRule rule);   // |P∩G| / |P∪G|
// |P∩G| / |P|; an empty prediction for a non-empty truth scores 0 (a missed object).
double precision(const Overlap& o, EmptyRule rule);
// |P∩G| / |G|; an empty truth with a non-empty prediction scores 0.
double recall(const Overlap& o, EmptyRule rule);

// Every metric a row carries, in the order of the tables' columns. nsd and hd95 are surface
// metrics (surface.h).
enum class Metric { kDice, kIoU, kPrecision, kRecall, kNSD, kHD95 };
constexpr size_t kMetricCount = 6;
constexpr std::array<Metric, kMetricCount> kMetrics = {Metric::kDice,   Metric::kIoU, Metric::kPrecision,
                                                       Metric::kRecall, Metric::kNSD, Metric::kHD95};
const char* metric_name(Metric m);  // "dice", "iou", "precision", "recall", "nsd", "hd95"
Metric parse_metric(const std::string& name);  // throws Error for an unknown name
using MetricValues = std::array<double, kMetricCount>;  // indexed by size_t(Metric)

// The metrics that follow from the overlap counts alone (Dice, IoU, precision, recall), in
// kMetrics order, with NSD and HD95 NaN: what a row carries when surface metrics are off, and
// all a row needs when its counts were taken where the masks are (on the model's device).
MetricValues overlap_metrics(const Overlap& o, EmptyRule rule);

}  // namespace sambench
