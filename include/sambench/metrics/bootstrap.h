#pragma once

// Percentile bootstrap confidence intervals of means. Rows are resampled in clusters: all the
// rows of a case (a volume; an image for 2D data) are drawn together, because the instances of
// one image are not independent. Seeded and platform-independent (random.h), so a rerun gives
// the same interval bits.

#include <cstdint>
#include <vector>

#include "sambench/metrics/summary.h"

namespace sambench {

// The confidence level of every interval: 95%, the 2.5th and 97.5th percentiles of the
// bootstrap means.
constexpr double kConfidence = 0.95;

// Fills ci_low/ci_high of every class's and both overall means of `level` from `samples`
// resamplings of the scores' cases. A resample in which a class has no value does not count
// towards that class's interval.
void add_confidence_intervals(LevelSummary& level, const std::vector<Score>& scores, int samples, uint64_t seed);

}  // namespace sambench
