#include "sambench/metrics/summary.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "sambench/metrics/bootstrap.h"

namespace sambench {

namespace {

// Statistics are computed from the values as the row tables print them (6 decimals, as
// format_number(v, 6) in report/tables.h writes them), so that `sambench report` recomputes them
// from the CSV files bit for bit.
MetricValues as_printed(const MetricValues& values) {
  MetricValues out;
  for (size_t m = 0; m < kMetricCount; ++m) {
    if (std::isnan(values[m])) {
      out[m] = values[m];
      continue;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.6f", values[m]);
    out[m] = std::strtod(text, nullptr);
  }
  return out;
}

}  // namespace

std::vector<Score> scores_of(const std::vector<InstanceResult>& results) {
  std::vector<Score> out;
  for (const auto& r : results) {
    out.push_back({r.class_label, r.image, r.case_id.empty() ? r.image : r.case_id, as_printed(metric_values(r)),
                   !r.centroid_inside});
  }
  return out;
}

std::vector<Score> scores_of(const std::vector<RegionResult>& results,
                             const std::map<std::string, std::string>& case_of) {
  std::vector<Score> out;
  for (const auto& r : results) {
    auto it = case_of.find(r.unit);
    out.push_back({r.class_label, r.unit, it == case_of.end() ? r.unit : it->second, as_printed(metric_values(r)),
                   false});
  }
  return out;
}

std::vector<ClassSummary> summarize_classes(const std::vector<Score>& scores,
                                            const std::vector<ClassInfo>& classes) {
  std::vector<ClassSummary> out;
  for (const auto& cls : classes) {
    ClassSummary summary;
    summary.info = cls;
    std::array<std::vector<double>, kMetricCount> values;
    std::set<std::string> units;
    for (const auto& s : scores) {
      if (s.class_label != cls.label) continue;
      ++summary.count;
      units.insert(s.unit);
      if (s.centroid_outside) ++summary.centroid_outside;
      for (size_t m = 0; m < kMetricCount; ++m) values[m].push_back(s.values[m]);
    }
    summary.units = static_cast<long long>(units.size());
    for (size_t m = 0; m < kMetricCount; ++m) summary.metrics[m] = compute_stats(values[m]);
    out.push_back(summary);
  }
  return out;
}

Overall summarize_overall(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes) {
  Overall out;
  for (size_t m = 0; m < kMetricCount; ++m) {
    std::vector<double> class_means, rows;
    // NaN for a class without data: skipped by compute_stats.
    for (const auto& c : classes) class_means.push_back(c.metrics[m].mean);
    for (const auto& s : scores) rows.push_back(s.values[m]);
    out.over_classes[m] = compute_stats(class_means);
    out.over_rows[m] = compute_stats(rows);
  }
  return out;
}

LevelSummary summarize_level(const std::string& name, const std::string& rows,
                             const std::vector<Score>& scores, const std::vector<ClassInfo>& classes,
                             int bootstrap_samples, uint64_t bootstrap_seed) {
  LevelSummary level{name, rows, summarize_classes(scores, classes), {}};
  level.overall = summarize_overall(scores, level.classes);
  add_confidence_intervals(level, scores, bootstrap_samples, bootstrap_seed);
  return level;
}

}  // namespace sambench
