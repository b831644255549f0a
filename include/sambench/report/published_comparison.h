#pragma once

// A run's measured numbers beside the published ones of its config's baselines: the entries
// grouped into tables, one per source, metric, level, result set and group, with one column
// per published method, this run's mean with its 95% interval, and the difference to the
// publication's own SAM row.

#include <string>
#include <vector>

#include "sambench/metrics/statistics.h"
#include "sambench/report/baselines.h"
#include "sambench/report/run_tables.h"
#include "sambench/report/text_table.h"

namespace sambench {

struct PublishedComparison {
  std::string source, set, level, group;  // group empty: the whole level
  Metric metric = Metric::kDice;
  std::string rows_name;                  // what the level's rows count: "instances", ...
  std::vector<std::string> methods;       // the published rows, in the config's order
  std::vector<std::string> rows;          // class names, then the average row when published
  std::vector<std::vector<double>> published;  // [row][method]; NaN where a method gives none
  std::vector<Stats> measured;            // [row]; count 0 where this run has no such class
  size_t reference = 0;                   // the method the difference is taken to: the first whose name
                                          // starts with SAM, else the first

  // "the study, Table 6: dice, instance level, Domain1"
  std::string title() const;
  double difference(size_t row) const;  // measured − published[reference]; NaN if either is absent
};

// The label of the row that holds a publication's Average: its objects pooled over classes,
// compared with this run's mean over every row of the level.
std::string average_row_label(const std::string& rows_name);

// The comparisons of every baseline that applies: `prompt` (empty: the first set) names the
// set, `level` the level, `group` one of `groups`' groups. A baseline that names a set, level or
// group the run lacks is left out.
std::vector<PublishedComparison> compare_with_published(const std::vector<Baseline>& baselines,
                                                        const SetLevels& levels, const SetGroups& groups);

// True when one of the baselines names a group, so that the caller summarizes the groups.
bool needs_groups(const std::vector<Baseline>& baselines);

// The comparisons that differ only in their metric, each list in the order of `comparisons`: the
// study prints Dice and IoU side by side, so each list becomes one table.
std::vector<std::vector<PublishedComparison>> merge_metrics(const std::vector<PublishedComparison>& comparisons);

// "the study, Table 6: Dice and IoU, instance level"
std::string comparison_title(const std::vector<PublishedComparison>& same);

// Comparisons of one merge_metrics list as a table of text: classes as rows (per metric: the
// published methods, this run, its 95% interval, the difference), or, when there are more
// methods than classes (the study's Tables 2 and 3), methods as rows like the paper, followed
// by this run, its interval and the difference.
TextTable comparison_table(const std::vector<PublishedComparison>& same);
TextTable comparison_table(const PublishedComparison& comparison);

}  // namespace sambench
