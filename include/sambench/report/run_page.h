#pragma once

// A run's report as a ReportDocument, for report.html beside report.md: the same tables, with
// the charts and overlays embedded. Also the pieces the study report reuses.

#include <string>
#include <vector>

#include "sambench/report/published_comparison.h"
#include "sambench/report/report_document.h"
#include "sambench/report/report_md.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// One level's class table: class, rows, then every metric's mean with its 95% interval.
TextTable level_text_table(const LevelSummary& level, double nsd_tolerance_mm);

// The comparisons of one result set as captioned tables, and the note on the Average rows when
// one of them holds one.
void add_comparisons(const std::vector<PublishedComparison>& comparisons, const std::string& set,
                     const std::string& caption_prefix, ReportSection& section);

// The overlays as a gallery, linked relative to the document in `link_base` ("" or "run/").
void add_gallery(const Figures& figures, const std::filesystem::path& run_dir, const std::string& link_base,
                 ReportSection& section);

ReportDocument run_document(const RunTables& tables, const SetLevels& levels,
                            const std::vector<PublishedComparison>& comparisons, const Figures& figures);

}  // namespace sambench
