#pragma once

// Three or more runs side by side (`sambench compare` with one run per model): per result set and
// class, every run's mean Dice on the same instances, and each run's difference to the first with
// its paired bootstrap interval. Unlike a two-run comparison, which reports what the runs share,
// the runs must pair: the same instances, given the same prompts.

#include <string>
#include <utility>
#include <vector>

#include "sambench/report/compare.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// Throws Error naming `other`'s prompts.jsonl when a prompt both runs logged (same image, class,
// instance and mode) differs. An iterative mode's rounds after the first are left out: their
// clicks follow each model's own masks.
void check_same_prompts(const RunTables& reference, const RunTables& other);

// Short, distinct labels for the run folders: each one's last path component, or as many of its
// last components as it takes to tell them apart (runs/zoo/sam_b/demo, runs/zoo/medsam/demo →
// sam_b/demo, medsam/demo).
std::vector<std::string> run_labels(const std::vector<std::string>& runs);

// The side-by-side sections of compare.md: which model each run evaluated, then one table per
// result set that every comparison holds (with `first_sets`, each run's first). `runs` lists
// every run, the reference first, `comparisons` the others' in the same order (compare_runs).
// Throws Error naming the run when a compared set does not pair with the reference's instances,
// or when no set is shared by all.
std::string side_by_side_markdown(const std::vector<RunTables>& runs,
                                  const std::vector<std::pair<std::string, std::vector<Comparison>>>& comparisons,
                                  bool first_sets);

}  // namespace sambench
