#include "sambench/report/run_report.h"

#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
#include "sambench/report/baselines.h"
#include "sambench/report/report_md.h"

namespace sambench {

Figures write_report(const RunTables& tables, const SetLevels& levels, const FigureOptions& options) {
  Figures figures = make_figures(tables, options);
  auto baselines = parse_baselines(tables.summary.value("/config/baselines"_json_pointer, nlohmann::json::array()));
  write_file_atomic(tables.dir / "report.md", report_markdown(tables, levels, baselines, figures));
  std::vector<std::string> files = {"report.md"};
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
