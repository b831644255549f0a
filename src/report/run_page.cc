#include "sambench/report/run_page.h"

#include <cmath>

#include "sambench/report/tables.h"

namespace sambench {

namespace {

using nlohmann::json;

std::vector<std::string> row(const std::string& name, long long count, const std::array<Stats, kMetricCount>& stats) {
  std::vector<std::string> out = {name, std::to_string(count)};
  for (const Stats& s : stats) out.push_back(mean_with_interval(s));
  return out;
}

std::vector<std::string> run_lead(const RunTables& t) {
  const json& s = t.summary;
  return {"model: `" + s.value("/model/path"_json_pointer, std::string()) + "` (sha256 " +
              s.value("/model/sha256"_json_pointer, std::string()).substr(0, 12) + ")",
          "sambench " + s.value("/sambench/version"_json_pointer, std::string()) + " (" +
              s.value("/sambench/git_commit"_json_pointer, std::string()) + ")",
          "images: " + std::to_string(s.value("/counts/images_done"_json_pointer, 0LL)) +
              ", instances: " + std::to_string(s.value("/counts/instances"_json_pointer, 0LL))};
}

}  // namespace

TextTable level_text_table(const LevelSummary& level, double nsd_tolerance_mm) {
  TextTable t;
  t.header = {"class", level.rows};
  for (Metric m : kMetrics) {
    std::string name = metric_name(m);
    if (m == Metric::kNSD) name += " @" + format_number(nsd_tolerance_mm, 1) + " mm";
    if (m == Metric::kHD95) name += " (mm)";
    t.header.push_back(name);
  }
  for (const auto& c : level.classes) t.rows.push_back(row(c.info.name, c.count, c.metrics));
  t.rows.push_back(row("mean over classes", level.overall.over_classes[0].count, level.overall.over_classes));
  t.rows.push_back(row("mean over " + level.rows, level.overall.over_rows[0].count, level.overall.over_rows));
  return t;
}

void add_comparisons(const std::vector<PublishedComparison>& comparisons, const std::string& set,
                     const std::string& caption_prefix, ReportSection& section) {
  bool average = false;
  for (const auto& same : merge_metrics(comparisons)) {
    const PublishedComparison& c = same.front();
    if (c.set != set) continue;
    section.tables.push_back({caption_prefix + comparison_title(same), comparison_table(same)});
    for (const auto& r : c.rows) average |= r == average_row_label(c.rows_name);
  }
  if (average) {
    section.paragraphs.push_back(
        "A published Average pools the objects of every class (the study's, checked by its arithmetic), so it is "
        "compared with this run's mean over instances, not with the mean over classes.");
  }
}

void add_gallery(const Figures& figures, const std::filesystem::path& run_dir, const std::string& link_base,
                 ReportSection& section) {
  for (const auto& [caption, file] : figures.overlays) section.gallery.push_back({caption, link_base + file, run_dir / file});
  section.gallery_title = "Best and worst cases (green: ground truth, red: SAM's mask, yellow: the prompt)";
}

ReportDocument run_document(const RunTables& tables, const SetLevels& levels,
                            const std::vector<PublishedComparison>& comparisons, const Figures& figures) {
  const double tolerance = tables.summary.value("/config/metrics/nsd_tolerance_mm"_json_pointer, 2.0);
  ReportDocument doc;
  doc.title = "sambench report: " + tables.summary.value("/config/name"_json_pointer, std::string("run"));
  doc.lead = run_lead(tables);
  for (size_t i = 0; i < levels.size(); ++i) {
    const auto& [set, set_levels] = levels[i];
    ReportSection section;
    section.title = set;
    if (i < tables.sets.size() && !tables.sets[i].second.empty()) section.paragraphs.push_back(tables.sets[i].second);
    section.paragraphs.push_back("Each cell: the mean over the level's rows, with its 95% bootstrap interval.");
    for (const auto& level : set_levels) section.tables.push_back({level.name + " level", level_text_table(level, tolerance)});
    add_comparisons(comparisons, set, "Published: ", section);
    for (const auto& [chart_set, file] : figures.charts) {
      if (chart_set == set) section.charts.push_back({"Dice per class, " + set, file, tables.dir / file});
    }
    doc.sections.push_back(section);
  }
  if (!figures.overlays.empty() || !figures.notes.empty()) {
    ReportSection section;
    section.title = "Figures";
    section.paragraphs = figures.notes;
    add_gallery(figures, tables.dir, "", section);
    doc.sections.push_back(section);
  }
  return doc;
}

}  // namespace sambench
