#include "sambench/report/run_report.h"

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
#include "sambench/report/baselines.h"
#include "sambench/report/report_md.h"
#include "sambench/report/run_page.h"

namespace sambench {

namespace {

std::vector<PublishedComparison> comparisons_of(const RunTables& tables, const SetLevels& levels) {
  const nlohmann::json& s = tables.summary;
  auto baselines = parse_baselines(s.value("/config/baselines"_json_pointer, nlohmann::json::array()));
  SetGroups groups;
  if (needs_groups(baselines)) {
    groups = summarize_groups(tables, s.value("/config/metrics/bootstrap"_json_pointer, 0),
                              s.value("/config/metrics/bootstrap_seed"_json_pointer, 0ULL));
  }
  return compare_with_published(baselines, levels, groups);
}

}  // namespace

Figures write_report(const RunTables& tables, const SetLevels& levels, const FigureOptions& options) {
  Figures figures = make_figures(tables, options);
  const auto comparisons = comparisons_of(tables, levels);
  write_file_atomic(tables.dir / "report.md", report_markdown(tables, levels, comparisons, figures));
  write_file_atomic(tables.dir / "report.html", document_html(run_document(tables, levels, comparisons, figures)));
  std::vector<std::string> files = {"report.md", "report.html"};
  for (const auto& [set, file] : figures.charts) files.push_back(file);
  for (const auto& [caption, file] : figures.overlays) files.push_back(file);
  update_manifest(tables.dir, files, "figures/");  // what the next report or run may remove
  return figures;
}

ReportResult regenerate_report(const std::filesystem::path& run_dir, const FigureOptions& options) {
  RunTables tables = read_run_tables(run_dir);
  const int samples = tables.summary.value("/config/metrics/bootstrap"_json_pointer, 0);
  const auto seed = tables.summary.value("/config/metrics/bootstrap_seed"_json_pointer, 0ULL);
  SetLevels levels = summarize_sets(tables, samples, seed);
  write_class_tables(levels, run_dir);
  write_group_table(summarize_groups(tables, samples, seed), run_dir);
  return {static_cast<long long>(tables.instances.size()), write_report(tables, levels, options)};
}

}  // namespace sambench
