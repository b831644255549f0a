#pragma once

// Runs side by side (`sambench compare`): per result set and class, each run's mean over the
// instances both runs scored, and the difference (other − reference) with a paired bootstrap
// confidence interval: every resample draws the same cases for both runs.

#include <string>
#include <vector>

#include "sambench/report/run_tables.h"

namespace sambench {

struct Comparison {
  std::string set;                   // result set (prompt mode) compared: "a" or, paired by --first, "a vs b"
  long long shared = 0;              // instances scored by both
  long long only_reference = 0, only_other = 0;
  LevelSummary reference, other;     // instance level, on the shared instances
  LevelSummary difference;           // per instance other − reference; CIs paired by case
};

// Instances are matched by (image, class label, instance, prompt). Throws Error when the runs
// share no result set. With `first_sets`, each run's first result set is compared whatever their
// names: zero-shot with a point prompt against a fine-tuned model without one (the study's
// Table 10).
std::vector<Comparison> compare_runs(const RunTables& reference, const RunTables& other, int bootstrap_samples,
                                     uint64_t bootstrap_seed, bool first_sets = false);

// (other − reference) / reference of two means, the "relative increase"; NaN when the reference is 0.
double relative_change(double reference, double other);

// compare.csv: one row per (other run, set, class) and the two overall rows; `others` names the
// other runs in the order of `comparisons`.
std::string comparison_csv(const std::vector<std::pair<std::string, std::vector<Comparison>>>& comparisons);
// compare.md; `side_by_side` (side_by_side.h: three or more runs) goes between the introduction
// and the pairwise sections.
std::string comparison_markdown(const std::string& reference,
                                const std::vector<std::pair<std::string, std::vector<Comparison>>>& comparisons,
                                const std::string& side_by_side = "");

}  // namespace sambench
