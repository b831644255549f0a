#include "sambench/metrics/metrics.h"

#include <cmath>

#include "sambench/base/error.h"
#include "sambench/data/instances.h"

namespace sambench {

Overlap overlap(const cv::Mat& prediction, const cv::Mat& truth) {
  CV_Assert(prediction.size() == truth.size());
  Overlap o;
  o.prediction = cv::countNonZero(prediction);
  o.truth = cv::countNonZero(truth);
  cv::Mat both;
  cv::bitwise_and(prediction != 0, truth != 0, both);
  o.intersection = cv::countNonZero(both);
  return o;
}

Overlap overlap(const cv::Mat& prediction, const Instance& truth) {
  CV_Assert((truth.box & cv::Rect(cv::Point(), prediction.size())) == truth.box);
  Overlap o;
  o.prediction = cv::countNonZero(prediction);
  if (truth.box.empty()) return o;
  o.truth = cv::countNonZero(truth.crop);
  cv::Mat both;
  cv::bitwise_and(prediction(truth.box) != 0, truth.crop != 0, both);
  o.intersection = cv::countNonZero(both);
  return o;
}

EmptyRule parse_empty_rule(const std::string& name) {
  if (name == "nan") return EmptyRule::kNaN;
  if (name == "one") return EmptyRule::kOne;
  throw Error("empty_rule: unknown rule '" + name + "' (known: nan, one)");
}

std::string describe(EmptyRule rule) {
  return rule == EmptyRule::kNaN
             ? "nan: empty truth and empty prediction score NaN and are excluded from means; "
               "empty truth with a non-empty prediction scores 0"
             : "one: empty truth and empty prediction score 1; empty truth with a non-empty "
               "prediction scores 0";
}

double dice(const Overlap& o, EmptyRule rule) {
  long long denominator = o.prediction + o.truth;
  if (denominator == 0) return rule == EmptyRule::kOne ? 1.0 : NAN;
  return 2.0 * static_cast<double>(o.intersection) / static_cast<double>(denominator);
}

double iou(const Overlap& o, EmptyRule rule) {
  long long uni = o.prediction + o.truth - o.intersection;
  if (uni == 0) return rule == EmptyRule::kOne ? 1.0 : NAN;
  return static_cast<double>(o.intersection) / static_cast<double>(uni);
}

double precision(const Overlap& o, EmptyRule rule) {
  if (o.prediction == 0) return o.truth == 0 ? dice(o, rule) : 0.0;
  return static_cast<double>(o.intersection) / static_cast<double>(o.prediction);
}

double recall(const Overlap& o, EmptyRule rule) {
  if (o.truth == 0) return o.prediction == 0 ? dice(o, rule) : 0.0;
  return static_cast<double>(o.intersection) / static_cast<double>(o.truth);
}

MetricValues overlap_metrics(const Overlap& o, EmptyRule rule) {
  return {dice(o, rule), iou(o, rule), precision(o, rule), recall(o, rule), NAN, NAN};
}

const char* metric_name(Metric m) {
  static const char* const names[] = {"dice", "iou", "precision", "recall", "nsd", "hd95"};
  return names[static_cast<size_t>(m)];
}

Metric parse_metric(const std::string& name) {
  for (Metric m : kMetrics) {
    if (name == metric_name(m)) return m;
  }
  throw Error("unknown metric '" + name + "' (known: dice, iou, precision, recall, nsd, hd95)");
}

}  // namespace sambench
