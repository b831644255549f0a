#pragma once

// Descriptive statistics of a metric's values.

#include <cmath>
#include <vector>

#include "sambench/base/median.h"

namespace sambench {

// Mean, population standard deviation and median over the non-NaN values, and the bootstrap
// confidence interval of the mean where one was computed (bootstrap.h; NaN otherwise).
struct Stats {
  long long count = 0;  // values that entered the statistics (NaN excluded)
  double mean = 0.0, std = 0.0, median = 0.0;
  double ci_low = NAN, ci_high = NAN;
};

Stats compute_stats(const std::vector<double>& values);

// The p-th percentile (0..100) of `values` with linear interpolation between ranks (numpy's
// default); NaN if empty.
double percentile(std::vector<double> values, double p);

}  // namespace sambench
