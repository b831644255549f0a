#include "sambench/report/report_md.h"

#include <cctype>
#include <sstream>

#include "sambench/report/escape.h"
#include "sambench/report/tables.h"
#include "sambench/report/text_table.h"

namespace sambench {

namespace {

using nlohmann::json;

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
  for (const Stats& s : stats) out += " " + mean_with_interval(s) + " |";
  return out + "\n";
}

std::string level_table(const LevelSummary& level, double tolerance) {
  std::string out = header(level, tolerance);
  for (const auto& c : level.classes) out += row(markdown_text(c.info.name), c.count, c.metrics);
  out += row("**mean over classes**", level.overall.over_classes[0].count, level.overall.over_classes);
  out += row("**mean over " + level.rows + "**", level.overall.over_rows[0].count, level.overall.over_rows);
  return out;
}

std::string published_section(const std::vector<PublishedComparison>& comparisons, const std::string& set) {
  std::string out;
  bool average = false;
  for (const auto& same : merge_metrics(comparisons)) {
    const PublishedComparison& c = same.front();
    if (c.set != set) continue;
    if (out.empty()) out += "### Published baselines\n\n";
    out += "**" + markdown_text(comparison_title(same)) + "**\n\n" + markdown_table(comparison_table(same)) + "\n";
    for (const auto& row : c.rows) average |= row == average_row_label(c.rows_name);
  }
  if (average) {
    out += "A published Average pools the objects of every class (the study's, checked by its arithmetic), so it "
           "is compared with this run's mean over instances, not with the mean over classes.\n\n";
  }
  return out;
}

// Which pipeline the model ran and which prompts it was given (runs recorded before profiles
// have none: no lines).
std::string profile_lines(const json& s) {
  const json profile = s.value("/model/profile"_json_pointer, json());
  if (!profile.is_object()) return "";
  std::ostringstream out;
  out << "- model profile: " << markdown_code(profile.value("name", "")) << ", trained for "
      << markdown_text(profile.value("prompt", "")) << " prompts, keeps the "
      << markdown_text(profile.value("mask_output", "")) << " output";
  const json overrides = s.value("/model/profile_overrides"_json_pointer, json::object());
  if (overrides.is_object() && !overrides.empty()) {
    std::string fields;
    for (const auto& item : overrides.items()) fields += (fields.empty() ? "" : ", ") + item.key();
    out << "; the config overrode " << markdown_text(fields) << ", so the run does not follow the model's own pipeline";
  }
  std::string given;
  for (const auto& set : s.value("prompts", json::array())) {
    given += (given.empty() ? "" : ", ") + set.value("name", std::string());
  }
  out << "\n- prompts given: " << markdown_text(given) << "\n";
  return out.str();
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
  out << profile_lines(s);
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

std::string report_markdown(const RunTables& tables, const SetLevels& levels,
                            const std::vector<PublishedComparison>& comparisons, const Figures& figures) {
  const double tolerance = tables.summary.value("/config/metrics/nsd_tolerance_mm"_json_pointer, 2.0);
  std::string out = run_header(tables);
  for (size_t i = 0; i < levels.size(); ++i) {
    const auto& [set, set_levels] = levels[i];
    out += "## " + markdown_text(set) + "\n\n";
    if (i < tables.sets.size() && !tables.sets[i].second.empty()) out += markdown_text(tables.sets[i].second) + "\n\n";
    for (const auto& level : set_levels) {
      out += "### " + level.name + " level\n\n" + level_table(level, tolerance) + "\n";
    }
    out += published_section(comparisons, set);
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
