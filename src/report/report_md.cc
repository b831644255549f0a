#include "sambench/report/report_md.h"

#include <cctype>
#include <sstream>

#include "sambench/report/escape.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

using nlohmann::json;

std::string cell(const Stats& s) {
  if (s.count == 0) return "–";
  std::string out = format_number(s.mean, 3);
  if (!std::isnan(s.ci_low)) out += " [" + format_number(s.ci_low, 3) + ", " + format_number(s.ci_high, 3) + "]";
  return out;
}

std::string header(const LevelSummary& level, double tolerance) {
  std::string out = "| class | " + level.rows + " |";
  for (Metric m : kMetrics) {
    std::string name = metric_name(m);
    if (m == Metric::kNSD) name += " @" + format_number(tolerance, 1) + " mm";
    if (m == Metric::kHD95) name += " (mm)";
    out += " " + name + " |";
  }
  out += "\n|---|---:|";
  for (size_t m = 0; m < kMetricCount; ++m) out += "---:|";
  return out + "\n";
}

std::string row(const std::string& name, long long count, const std::array<Stats, kMetricCount>& stats) {
  std::string out = "| " + name + " | " + std::to_string(count) + " |";
  for (const Stats& s : stats) out += " " + cell(s) + " |";
  return out + "\n";
}

std::string level_table(const LevelSummary& level, double tolerance) {
  std::string out = header(level, tolerance);
  for (const auto& c : level.classes) out += row(markdown_text(c.info.name), c.count, c.metrics);
  out += row("**mean over classes**", level.overall.over_classes[0].count, level.overall.over_classes);
  out += row("**mean over " + level.rows + "**", level.overall.over_rows[0].count, level.overall.over_rows);
  return out;
}

const LevelSummary* find_level(const std::vector<LevelSummary>& levels, const std::string& name) {
  for (const auto& l : levels) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::string baseline_table(const Baseline& b, const LevelSummary& level) {
  std::string out = "**" + markdown_text(b.source) + "** (" + metric_name(b.metric) + ", " + b.level + " level)\n\n"
                    "| class | published | measured | measured − published |\n|---|---:|---:|---:|\n";
  for (const auto& [name, published] : b.values) {
    double measured = NAN;
    for (const auto& c : level.classes) {
      if (c.info.name == name) measured = c.of(b.metric).mean;
    }
    out += "| " + markdown_text(name) + " | " + format_number(published, 3) + " | " +
           (std::isnan(measured) ? std::string("not measured") : format_number(measured, 3)) + " | " +
           (std::isnan(measured) ? std::string("–") : format_number(measured - published, 3)) + " |\n";
  }
  return out + "\n";
}

std::string run_header(const RunTables& t) {
  const json& s = t.summary;
  std::ostringstream out;
  // Everything here comes from summary.json, which whoever made the run folder wrote.
  auto text = [&](const char* pointer, const std::string& fallback = "") {
    return markdown_text(s.value(json::json_pointer(pointer), fallback));
  };
  out << "# sambench report: " << text("/config/name", "run") << "\n\n";
  out << "- model: " << markdown_code(s.value("/model/path"_json_pointer, std::string())) << " (sha256 "
      << markdown_text(s.value("/model/sha256"_json_pointer, std::string()).substr(0, 12)) << ")\n";
  out << "- sambench " << text("/sambench/version") << " (" << text("/sambench/git_commit") << ")\n";
  out << "- images: " << s.value("/counts/images_done"_json_pointer, 0LL) << ", instances: "
      << s.value("/counts/instances"_json_pointer, 0LL) << "\n";
  for (const char* key : {"empty_rule", "surface_metrics", "confidence_intervals"}) {
    if (s.contains("conventions") && s["conventions"].contains(key)) {
      out << "- " << markdown_text(key) << ": " << markdown_text(s["conventions"][key].get<std::string>()) << "\n";
    }
  }
  out << "\nEach cell: the mean over the level's rows, with its 95% bootstrap confidence interval in "
         "brackets; standard deviations and medians are in the per_class*.csv tables.\n\n";
  return out.str();
}

}  // namespace

std::string file_slug(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  if (!out.empty() && out.front() == '.') out.front() = '_';  // never ".", ".." or a hidden file
  return out;
}

std::string report_markdown(const RunTables& tables, const SetLevels& levels, const std::vector<Baseline>& baselines,
                            const Figures& figures) {
  const double tolerance = tables.summary.value("/config/metrics/nsd_tolerance_mm"_json_pointer, 2.0);
  std::string out = run_header(tables);
  for (size_t i = 0; i < levels.size(); ++i) {
    const auto& [set, set_levels] = levels[i];
    out += "## " + markdown_text(set) + "\n\n";
    if (i < tables.sets.size() && !tables.sets[i].second.empty()) out += markdown_text(tables.sets[i].second) + "\n\n";
    for (const auto& level : set_levels) {
      out += "### " + level.name + " level\n\n" + level_table(level, tolerance) + "\n";
    }
    bool titled = false;
    for (const auto& b : baselines) {
      const bool applies = b.prompt.empty() ? i == 0 : b.prompt == set;
      const LevelSummary* level = find_level(set_levels, b.level);
      if (!applies || !level) continue;
      if (!titled) out += "### Published baselines\n\n";
      titled = true;
      out += baseline_table(b, *level);
    }
    for (const auto& [chart_set, file] : figures.charts) {
      if (chart_set == set) out += "![Dice per class, " + markdown_text(set) + "](" + file + ")\n\n";
    }
  }
  if (!figures.overlays.empty() || !figures.notes.empty()) out += "## Figures\n\n";
  for (const auto& note : figures.notes) out += "- " + markdown_text(note) + "\n";
  if (!figures.notes.empty()) out += "\n";
  for (const auto& [caption, file] : figures.overlays) out += "- [" + markdown_text(caption) + "](" + file + ")\n";
  return out;
}

}  // namespace sambench
