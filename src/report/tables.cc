#include "sambench/report/tables.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "sambench/report/csv.h"

namespace sambench {

namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

nlohmann::json stats_json(const Stats& s) {
  return {{"count", s.count},
          {"mean", number_or_null(s.mean)},
          {"std", number_or_null(s.std)},
          {"median", number_or_null(s.median)},
          {"ci_low", number_or_null(s.ci_low)},
          {"ci_high", number_or_null(s.ci_high)}};
}

nlohmann::json metrics_json(const std::array<Stats, kMetricCount>& stats) {
  nlohmann::json out = nlohmann::json::object();
  for (Metric m : kMetrics) out[metric_name(m)] = stats_json(stats[static_cast<size_t>(m)]);
  return out;
}

// The metric columns of a row: fixed decimals, in kMetrics order.
std::string metric_fields(const MetricValues& values) {
  std::string out;
  for (double v : values) out += "," + format_number(v, 6);
  return out;
}

std::string metric_header(const std::string& suffix = "") {
  std::string out;
  for (Metric m : kMetrics) out += std::string(",") + metric_name(m) + suffix;
  return out;
}

}  // namespace

std::string format_number(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string mean_with_interval(const Stats& s) {
  if (s.count == 0) return "–";
  std::string out = format_number(s.mean, 3);
  if (!std::isnan(s.ci_low)) out += " [" + format_number(s.ci_low, 3) + ", " + format_number(s.ci_high, 3) + "]";
  return out;
}

// The "prompt" column holds the result set's name: its header predates the name, and scripts
// read it.
std::string per_instance_csv(const std::vector<InstanceResult>& results) {
  std::ostringstream out;
  out << "image,case,group,prompt,class_label,class,instance,gt_area,centroid_x,centroid_y,"
         "centroid_inside,mask_index,score,pred_area,intersection" << metric_header() << ",mask_file\n";
  for (const auto& r : results) {
    out << csv_field(r.image) << ',' << csv_field(r.case_id) << ',' << csv_field(r.group) << ','
        << csv_field(r.result_set) << ',' << r.class_label << ',' << csv_field(r.class_name) << ',' << r.instance << ','
        << r.overlap.truth << ',' << format_number(r.centroid.x, 3) << ','
        << format_number(r.centroid.y, 3) << ',' << (r.centroid_inside ? 1 : 0) << ','
        << r.mask_index << ',' << format_number(r.score, 6) << ',' << r.overlap.prediction << ','
        << r.overlap.intersection << metric_fields(metric_values(r)) << ',' << csv_field(r.mask_file) << '\n';
  }
  return out.str();
}

std::string per_region_csv(const std::vector<RegionResult>& results, const std::string& unit_name) {
  std::ostringstream out;
  out << unit_name << ",group,prompt,class_label,class,gt_area,pred_area,intersection" << metric_header() << "\n";
  for (const auto& r : results) {
    out << csv_field(r.unit) << ',' << csv_field(r.group) << ',' << csv_field(r.result_set) << ',' << r.class_label << ','
        << csv_field(r.class_name) << ',' << r.overlap.truth << ',' << r.overlap.prediction << ','
        << r.overlap.intersection << metric_fields(metric_values(r)) << '\n';
  }
  return out.str();
}

std::string per_class_csv(const std::vector<ClassSummary>& classes, const Overall& overall,
                          const std::string& rows) {
  std::ostringstream out;
  out << "class_label,class," << rows << ",units,centroid_outside";
  for (Metric m : kMetrics) {
    for (const char* s : {"_mean", "_std", "_median", "_ci_low", "_ci_high"}) out << ',' << metric_name(m) << s;
  }
  out << '\n';
  auto stats = [&](const std::array<Stats, kMetricCount>& metrics) {
    for (const Stats& s : metrics) {
      for (double v : {s.mean, s.std, s.median, s.ci_low, s.ci_high}) out << ',' << format_number(v, 6);
    }
    out << '\n';
  };
  for (const auto& c : classes) {
    out << c.info.label << ',' << csv_field(c.info.name) << ',' << c.count << ',' << c.units << ','
        << c.centroid_outside;
    stats(c.metrics);
  }
  // The two overall rows use an empty label so that scripts can filter them out.
  out << ",mean_over_classes," << overall.over_classes[0].count << ",,";
  stats(overall.over_classes);
  out << ",mean_over_" << rows << ',' << overall.over_rows[0].count << ",,";
  stats(overall.over_rows);
  return out.str();
}

// Tables of several blocks (per prompt mode, per group): `per_class_csv` rows with the block's
// keys as leading columns, one header.
std::string blocks_csv(const std::vector<std::pair<std::vector<std::string>, const LevelSummary*>>& blocks,
                       const std::vector<std::string>& key_names) {
  std::string out;
  for (const auto& [keys, level] : blocks) {
    std::istringstream lines(per_class_csv(level->classes, level->overall, level->rows));
    std::string line, prefix;
    for (const auto& k : keys) prefix += csv_field(k) + ",";
    std::getline(lines, line);
    if (out.empty()) {
      for (const auto& k : key_names) out += k + ",";
      out += line + "\n";
    }
    while (std::getline(lines, line)) out += prefix + line + "\n";
  }
  return out;
}

nlohmann::json classes_json(const std::vector<ClassSummary>& classes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : classes) {
    nlohmann::json row = {{"label", c.info.label},
                          {"name", c.info.name},
                          {"count", c.count},
                          {"units", c.units},
                          {"centroid_outside", c.centroid_outside}};
    row.update(metrics_json(c.metrics));
    out.push_back(row);
  }
  return out;
}

nlohmann::json level_json(const LevelSummary& level) {
  return {{"rows", level.rows},
          {"classes", classes_json(level.classes)},
          {"overall", overall_json(level.overall)}};
}

nlohmann::json nnunet_json(const std::vector<RegionResult>& units, const LevelSummary& level,
                           const std::string& unit_name) {
  std::map<std::string, nlohmann::json> per_unit;  // sorted by unit id
  for (const auto& r : units) {
    nlohmann::json metrics = {{"n_ref", r.overlap.truth}, {"n_pred", r.overlap.prediction},
                              {"intersection", r.overlap.intersection}};
    MetricValues values = metric_values(r);
    for (Metric m : kMetrics) metrics[metric_name(m)] = number_or_null(values[static_cast<size_t>(m)]);
    nlohmann::json& entry = per_unit[r.unit];
    entry[unit_name] = r.unit;
    entry["metrics"][std::to_string(r.class_label)] = metrics;
  }
  nlohmann::json per_case = nlohmann::json::array(), mean = nlohmann::json::object(),
                 foreground = nlohmann::json::object();
  for (auto& [unit, entry] : per_unit) per_case.push_back(entry);
  for (const auto& c : level.classes) {
    if (c.count == 0) continue;
    for (Metric m : kMetrics) mean[std::to_string(c.info.label)][metric_name(m)] = number_or_null(c.of(m).mean);
  }
  for (Metric m : kMetrics) {
    foreground[metric_name(m)] = number_or_null(level.overall.over_classes[static_cast<size_t>(m)].mean);
  }
  return {{"metric_per_case", per_case}, {"mean", mean}, {"foreground_mean", foreground}};
}

nlohmann::json overall_json(const Overall& o) {
  return {{"mean_over_classes", metrics_json(o.over_classes)}, {"mean_over_rows", metrics_json(o.over_rows)}};
}

}  // namespace sambench
