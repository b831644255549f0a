#include "sambench/report/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "sambench/metrics/bootstrap.h"
#include "sambench/base/error.h"

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

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string format_number(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

MetricValues metric_values(const InstanceResult& r) { return {r.dice, r.iou, r.precision, r.recall, r.nsd, r.hd95}; }
MetricValues metric_values(const RegionResult& r) { return {r.dice, r.iou, r.precision, r.recall, r.nsd, r.hd95}; }

namespace {

// Statistics are computed from the values as the row tables print them (6 decimals), so that
// `sambench report` recomputes them from the CSV files bit for bit.
MetricValues as_printed(const MetricValues& values) {
  MetricValues out;
  for (size_t m = 0; m < kMetricCount; ++m) out[m] = std::strtod(format_number(values[m], 6).c_str(), nullptr);
  return out;
}

}  // namespace

template <typename Row>
void assign(Row& r, const MetricValues& v) {
  r.dice = v[0], r.iou = v[1], r.precision = v[2], r.recall = v[3], r.nsd = v[4], r.hd95 = v[5];
}
void set_metric_values(InstanceResult& r, const MetricValues& values) { assign(r, values); }
void set_metric_values(RegionResult& r, const MetricValues& values) { assign(r, values); }

Stats compute_stats(const std::vector<double>& values) {
  std::vector<double> v;
  for (double x : values) {
    if (!std::isnan(x)) v.push_back(x);
  }
  Stats s;
  s.count = static_cast<long long>(v.size());
  if (v.empty()) {
    s.mean = s.std = s.median = NAN;
    return s;
  }
  // Summed in sorted order so the result does not depend on the order samples finished in.
  std::sort(v.begin(), v.end());
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double squares = 0.0;
  for (double x : v) squares += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(v.size()));
  size_t mid = v.size() / 2;
  s.median = v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
  return s;
}

std::vector<Score> scores_of(const std::vector<InstanceResult>& results) {
  std::vector<Score> out;
  for (const auto& r : results) {
    out.push_back({r.class_label, r.image, r.case_id.empty() ? r.image : r.case_id, as_printed(metric_values(r)),
                   !r.centroid_inside});
  }
  return out;
}

std::vector<Score> scores_of(const std::vector<RegionResult>& results,
                             const std::map<std::string, std::string>& case_of) {
  std::vector<Score> out;
  for (const auto& r : results) {
    auto it = case_of.find(r.unit);
    out.push_back({r.class_label, r.unit, it == case_of.end() ? r.unit : it->second, as_printed(metric_values(r)),
                   false});
  }
  return out;
}

std::vector<RegionResult> combine_cases(const std::vector<RegionResult>& images,
                                        const std::map<std::string, std::string>& case_of,
                                        EmptyRule rule) {
  // Keyed so that rows come out sorted whatever order the images were scored in; prompts keep
  // the order they first appear in (the config's).
  std::vector<std::string> prompts;
  for (const auto& image : images) {
    if (std::find(prompts.begin(), prompts.end(), image.prompt) == prompts.end()) prompts.push_back(image.prompt);
  }
  std::map<std::tuple<size_t, std::string, int>, RegionResult> cases;
  for (const auto& image : images) {
    auto it = case_of.find(image.unit);
    const std::string& case_id = it == case_of.end() ? image.unit : it->second;
    size_t order = std::find(prompts.begin(), prompts.end(), image.prompt) - prompts.begin();
    RegionResult& c = cases[{order, case_id, image.class_label}];
    c.unit = case_id;
    c.group = image.group;
    c.prompt = image.prompt;
    c.class_label = image.class_label;
    c.class_name = image.class_name;
    c.overlap.prediction += image.overlap.prediction;
    c.overlap.truth += image.overlap.truth;
    c.overlap.intersection += image.overlap.intersection;
  }
  std::vector<RegionResult> out;
  for (auto& [key, c] : cases) {
    c.dice = dice(c.overlap, rule);
    c.iou = iou(c.overlap, rule);
    c.precision = precision(c.overlap, rule);
    c.recall = recall(c.overlap, rule);
    out.push_back(c);
  }
  return out;
}

std::vector<ClassSummary> summarize_classes(const std::vector<Score>& scores,
                                            const std::vector<ClassInfo>& classes) {
  std::vector<ClassSummary> out;
  for (const auto& cls : classes) {
    ClassSummary summary;
    summary.info = cls;
    std::array<std::vector<double>, kMetricCount> values;
    std::set<std::string> units;
    for (const auto& s : scores) {
      if (s.class_label != cls.label) continue;
      ++summary.count;
      units.insert(s.unit);
      if (s.centroid_outside) ++summary.centroid_outside;
      for (size_t m = 0; m < kMetricCount; ++m) values[m].push_back(s.values[m]);
    }
    summary.units = static_cast<long long>(units.size());
    for (size_t m = 0; m < kMetricCount; ++m) summary.metrics[m] = compute_stats(values[m]);
    out.push_back(summary);
  }
  return out;
}

Overall summarize_overall(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes) {
  Overall out;
  for (size_t m = 0; m < kMetricCount; ++m) {
    std::vector<double> class_means, rows;
    // NaN for a class without data: skipped by compute_stats.
    for (const auto& c : classes) class_means.push_back(c.metrics[m].mean);
    for (const auto& s : scores) rows.push_back(s.values[m]);
    out.over_classes[m] = compute_stats(class_means);
    out.over_rows[m] = compute_stats(rows);
  }
  return out;
}

std::string per_instance_csv(const std::vector<InstanceResult>& results) {
  std::ostringstream out;
  out << "image,case,group,prompt,class_label,class,instance,gt_area,centroid_x,centroid_y,"
         "centroid_inside,mask_index,score,pred_area,intersection" << metric_header() << ",mask_file\n";
  for (const auto& r : results) {
    out << csv_field(r.image) << ',' << csv_field(r.case_id) << ',' << csv_field(r.group) << ','
        << csv_field(r.prompt) << ',' << r.class_label << ',' << csv_field(r.class_name) << ',' << r.instance << ','
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
    out << csv_field(r.unit) << ',' << csv_field(r.group) << ',' << csv_field(r.prompt) << ',' << r.class_label << ','
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

LevelSummary summarize_level(const std::string& name, const std::string& rows,
                             const std::vector<Score>& scores, const std::vector<ClassInfo>& classes,
                             int bootstrap_samples, uint64_t bootstrap_seed) {
  LevelSummary level{name, rows, summarize_classes(scores, classes), {}};
  level.overall = summarize_overall(scores, level.classes);
  add_confidence_intervals(level, scores, bootstrap_samples, bootstrap_seed);
  return level;
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

void remove_interrupted_writes(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> leftovers;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 == name.size()) continue;
    if (name.find_first_not_of("0123456789", at + 5) == std::string::npos) leftovers.push_back(it->path());
  }
  for (const auto& file : leftovers) fs::remove(file, ec);
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path, std::string("cannot write: ") + std::strerror(errno));
  const char* data = content.data();
  size_t left = content.size();
  int err = 0;
  while (left > 0 && !err) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else data += n, left -= static_cast<size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    throw Error(path, std::string("cannot write: ") + std::strerror(err));
  }
}

}  // namespace sambench
