#pragma once

// report.md: a run's tables in Markdown, with the published baselines beside the measured
// numbers and links to the figures.

#include <string>
#include <vector>

#include "sambench/report/published_comparison.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// What the figures step produced, relative to the run folder, and why anything is missing.
struct Figures {
  std::vector<std::pair<std::string, std::string>> charts;    // result set → bar chart PNG
  std::vector<std::pair<std::string, std::string>> overlays;  // caption → overlay PNG
  std::vector<std::string> notes;                              // e.g. "no saved predictions: ..."
};

std::string report_markdown(const RunTables& tables, const SetLevels& levels,
                            const std::vector<PublishedComparison>& comparisons, const Figures& figures);

// A file-name-safe form of a result set's name ("box(margin=20px)" → "box_margin_20px_").
std::string file_slug(const std::string& name);

}  // namespace sambench
