#pragma once

// Aggregation of scored rows: per class, over classes and over rows, at one level (instance,
// image or case).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sambench/data/dataset.h"
#include "sambench/metrics/metrics.h"
#include "sambench/metrics/results.h"
#include "sambench/metrics/statistics.h"

namespace sambench {

// What aggregation needs of a row, whatever its level (instance, image, case).
struct Score {
  int class_label = 0;
  std::string unit;     // the image (for instances) or the row's own image/case id
  std::string case_id;  // what the bootstrap resamples: the case (volume), or the image for 2D
  MetricValues values{};
  bool centroid_outside = false;
};

std::vector<Score> scores_of(const std::vector<InstanceResult>& results);
// `case_of` maps an image id to its case; a unit missing from it is its own case.
std::vector<Score> scores_of(const std::vector<RegionResult>& results,
                             const std::map<std::string, std::string>& case_of = {});

struct ClassSummary {
  ClassInfo info;
  long long count = 0;  // rows: instances, images or cases
  long long units = 0;  // distinct images (or cases) among them
  long long centroid_outside = 0;
  std::array<Stats, kMetricCount> metrics;  // indexed by size_t(Metric)
  const Stats& of(Metric m) const { return metrics[static_cast<size_t>(m)]; }
};

// One summary per class of the class map, in its order, including classes never seen.
std::vector<ClassSummary> summarize_classes(const std::vector<Score>& scores,
                                            const std::vector<ClassInfo>& classes);

struct Overall {
  std::array<Stats, kMetricCount> over_classes;  // mean of the class means (classes with data)
  std::array<Stats, kMetricCount> over_rows;     // mean over every row (every instance, ...)
};

Overall summarize_overall(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes);

// The per-class and overall statistics of one level of aggregation.
struct LevelSummary {
  std::string name;  // "instance", "image" or "case"
  std::string rows;  // what a row counts: "instances", "images", "cases"
  std::vector<ClassSummary> classes;
  Overall overall;
};

// With `bootstrap_samples` > 0, every mean also gets its bootstrap confidence interval
// (bootstrap.h), resampling the scores' cases with `bootstrap_seed`.
LevelSummary summarize_level(const std::string& name, const std::string& rows,
                             const std::vector<Score>& scores, const std::vector<ClassInfo>& classes,
                             int bootstrap_samples = 0, uint64_t bootstrap_seed = 0);

}  // namespace sambench
