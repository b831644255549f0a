#pragma once

// A run's report: the class tables, the figures and report.md, made at the end of eval and
// again, from the saved row tables alone, by `sambench report`.

#include <filesystem>

#include "sambench/report/figures.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// Writes the figures, report.md and report.html into tables.dir; tables.summary must hold the run's summary.
Figures write_report(const RunTables& tables, const SetLevels& levels, const FigureOptions& options);

struct ReportResult {
  long long instances = 0;
  Figures figures;
};

// Reads a finished run folder and rewrites its per_class*.csv tables, figures and report.md,
// with the bootstrap settings recorded in its summary.json.
ReportResult regenerate_report(const std::filesystem::path& run_dir, const FigureOptions& options);

}  // namespace sambench
