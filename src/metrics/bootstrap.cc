#include "sambench/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "sambench/base/random.h"

namespace sambench {

namespace {

// Sums and counts of the non-NaN values of one case, per class and metric.
struct Sums {
  std::vector<std::array<double, kMetricCount>> sum;
  std::vector<std::array<long long, kMetricCount>> count;
  explicit Sums(size_t classes) : sum(classes, MetricValues{}), count(classes, std::array<long long, kMetricCount>{}) {}
};

std::vector<Sums> case_sums(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes) {
  std::map<int, size_t> class_index;
  for (size_t k = 0; k < classes.size(); ++k) class_index[classes[k].info.label] = k;
  std::map<std::string, Sums> by_case;  // sorted by case id: the draw does not depend on row order
  for (const auto& s : scores) {
    auto k = class_index.find(s.class_label);
    if (k == class_index.end()) continue;
    Sums& sums = by_case.try_emplace(s.case_id, classes.size()).first->second;
    for (size_t m = 0; m < kMetricCount; ++m) {
      if (std::isnan(s.values[m])) continue;
      sums.sum[k->second][m] += s.values[m];
      ++sums.count[k->second][m];
    }
  }
  std::vector<Sums> out;
  for (auto& [id, sums] : by_case) out.push_back(std::move(sums));
  return out;
}

void set_interval(Stats& stats, const std::vector<double>& means) {
  const double tail = (1.0 - kConfidence) / 2.0 * 100.0;
  stats.ci_low = percentile(means, tail);
  stats.ci_high = percentile(means, 100.0 - tail);
}

}  // namespace

void add_confidence_intervals(LevelSummary& level, const std::vector<Score>& scores, int samples, uint64_t seed) {
  const size_t classes = level.classes.size();
  std::vector<Sums> cases = case_sums(scores, level.classes);
  if (cases.empty() || samples <= 0) return;
  // means[k][m]: the resampled means of class k; classes index `classes` and `classes + 1` hold
  // the mean over classes and the mean over rows.
  std::vector<std::array<std::vector<double>, kMetricCount>> means(classes + 2);
  std::mt19937_64 rng(seed);
  for (int b = 0; b < samples; ++b) {
    Sums total(classes);
    for (size_t i = 0; i < cases.size(); ++i) {
      const Sums& drawn = cases[uniform_below(rng, cases.size())];
      for (size_t k = 0; k < classes; ++k) {
        for (size_t m = 0; m < kMetricCount; ++m) {
          total.sum[k][m] += drawn.sum[k][m];
          total.count[k][m] += drawn.count[k][m];
        }
      }
    }
    for (size_t m = 0; m < kMetricCount; ++m) {
      double class_sum = 0.0, row_sum = 0.0;
      long long class_count = 0, row_count = 0;
      for (size_t k = 0; k < classes; ++k) {
        if (total.count[k][m] == 0) continue;
        double mean = total.sum[k][m] / static_cast<double>(total.count[k][m]);
        means[k][m].push_back(mean);
        class_sum += mean;
        ++class_count;
        row_sum += total.sum[k][m];
        row_count += total.count[k][m];
      }
      if (class_count) means[classes][m].push_back(class_sum / static_cast<double>(class_count));
      if (row_count) means[classes + 1][m].push_back(row_sum / static_cast<double>(row_count));
    }
  }
  for (size_t m = 0; m < kMetricCount; ++m) {
    for (size_t k = 0; k < classes; ++k) set_interval(level.classes[k].metrics[m], means[k][m]);
    set_interval(level.overall.over_classes[m], means[classes][m]);
    set_interval(level.overall.over_rows[m], means[classes + 1][m]);
  }
}

}  // namespace sambench
