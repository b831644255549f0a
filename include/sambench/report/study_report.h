#pragma once

// `sambench study-report RUNS... -o DIR`: the runs of a reproduction in the study's layout, one
// section per table of the study (Table 1's sample counts, then each table its runs' baselines
// cite), each with the published rows, this run's row with its 95% interval, the difference,
// the per-class Dice charts and the best and worst cases. Writes study_report.md and the
// self-contained study_report.html.

#include <filesystem>
#include <string>
#include <vector>

#include "sambench/report/published_comparison.h"
#include "sambench/report/report_document.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// One finished run, read back with its summaries and its comparisons with its baselines.
struct StudyRun {
  std::string name;  // the config's name, e.g. "study/amos_ct"
  std::string link;  // the run folder relative to the report's folder, with a trailing '/'
  RunTables tables;
  SetLevels levels;
  std::vector<Baseline> baselines;
  std::vector<PublishedComparison> comparisons;
};

// The run folders `paths` name: a folder with a summary.json is a run; one without but with
// run folders below it (a suite's output) stands for those, in name order. Throws Error naming
// a path that holds no run.
std::vector<std::filesystem::path> find_runs(const std::vector<std::filesystem::path>& paths);

StudyRun read_study_run(const std::filesystem::path& run_dir, const std::filesystem::path& report_dir);

ReportDocument study_document(const std::vector<StudyRun>& runs);

// Reads every run, writes DIR/study_report.md and DIR/study_report.html; returns the runs read.
std::vector<StudyRun> write_study_report(const std::vector<std::filesystem::path>& paths,
                                         const std::filesystem::path& out_dir);

}  // namespace sambench
