#include "sambench/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "sambench/error.h"

namespace sambench {

namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

nlohmann::json stats_json(const Stats& s) {
  return {{"count", s.count},
          {"mean", number_or_null(s.mean)},
          {"std", number_or_null(s.std)},
          {"median", number_or_null(s.median)}};
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
  for (const auto& r : results) out.push_back({r.class_label, r.image, r.dice, r.iou, !r.centroid_inside});
  return out;
}

std::vector<Score> scores_of(const std::vector<RegionResult>& results) {
  std::vector<Score> out;
  for (const auto& r : results) out.push_back({r.class_label, r.unit, r.dice, r.iou, false});
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
    std::vector<double> dices, ious;
    std::set<std::string> units;
    for (const auto& s : scores) {
      if (s.class_label != cls.label) continue;
      ++summary.count;
      units.insert(s.unit);
      if (s.centroid_outside) ++summary.centroid_outside;
      dices.push_back(s.dice);
      ious.push_back(s.iou);
    }
    summary.units = static_cast<long long>(units.size());
    summary.dice = compute_stats(dices);
    summary.iou = compute_stats(ious);
    out.push_back(summary);
  }
  return out;
}

Overall summarize_overall(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes) {
  std::vector<double> class_dice, class_iou, dices, ious;
  for (const auto& c : classes) {
    class_dice.push_back(c.dice.mean);  // NaN for a class without data: skipped by compute_stats
    class_iou.push_back(c.iou.mean);
  }
  for (const auto& s : scores) {
    dices.push_back(s.dice);
    ious.push_back(s.iou);
  }
  return {compute_stats(class_dice), compute_stats(class_iou), compute_stats(dices),
          compute_stats(ious)};
}

std::string per_instance_csv(const std::vector<InstanceResult>& results) {
  std::ostringstream out;
  out << "image,case,group,prompt,class_label,class,instance,gt_area,centroid_x,centroid_y,"
         "centroid_inside,mask_index,score,pred_area,intersection,dice,iou,mask_file\n";
  for (const auto& r : results) {
    out << csv_field(r.image) << ',' << csv_field(r.case_id) << ',' << csv_field(r.group) << ','
        << csv_field(r.prompt) << ',' << r.class_label << ',' << csv_field(r.class_name) << ',' << r.instance << ','
        << r.overlap.truth << ',' << format_number(r.centroid.x, 3) << ','
        << format_number(r.centroid.y, 3) << ',' << (r.centroid_inside ? 1 : 0) << ','
        << r.mask_index << ',' << format_number(r.score, 6) << ',' << r.overlap.prediction << ','
        << r.overlap.intersection << ',' << format_number(r.dice, 6) << ','
        << format_number(r.iou, 6) << ',' << csv_field(r.mask_file) << '\n';
  }
  return out.str();
}

std::string per_region_csv(const std::vector<RegionResult>& results, const std::string& unit_name) {
  std::ostringstream out;
  out << unit_name << ",group,prompt,class_label,class,gt_area,pred_area,intersection,dice,iou\n";
  for (const auto& r : results) {
    out << csv_field(r.unit) << ',' << csv_field(r.group) << ',' << csv_field(r.prompt) << ',' << r.class_label << ','
        << csv_field(r.class_name) << ',' << r.overlap.truth << ',' << r.overlap.prediction << ','
        << r.overlap.intersection << ',' << format_number(r.dice, 6) << ','
        << format_number(r.iou, 6) << '\n';
  }
  return out.str();
}

std::string per_class_csv(const std::vector<ClassSummary>& classes, const Overall& overall,
                          const std::string& rows) {
  std::ostringstream out;
  out << "class_label,class," << rows << ",units,centroid_outside,dice_mean,dice_std,dice_median,"
         "iou_mean,iou_std,iou_median\n";
  auto stats = [&](const Stats& s) {
    out << ',' << format_number(s.mean, 6) << ',' << format_number(s.std, 6) << ','
        << format_number(s.median, 6);
  };
  for (const auto& c : classes) {
    out << c.info.label << ',' << csv_field(c.info.name) << ',' << c.count << ',' << c.units << ','
        << c.centroid_outside;
    stats(c.dice);
    stats(c.iou);
    out << '\n';
  }
  // The two overall rows use an empty label so that scripts can filter them out.
  out << ",mean_over_classes," << overall.dice_over_classes.count << ",,";
  stats(overall.dice_over_classes);
  stats(overall.iou_over_classes);
  out << "\n,mean_over_" << rows << ',' << overall.dice_over_rows.count << ",,";
  stats(overall.dice_over_rows);
  stats(overall.iou_over_rows);
  out << '\n';
  return out.str();
}

nlohmann::json classes_json(const std::vector<ClassSummary>& classes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : classes) {
    out.push_back({{"label", c.info.label},
                   {"name", c.info.name},
                   {"count", c.count},
                   {"units", c.units},
                   {"centroid_outside", c.centroid_outside},
                   {"dice", stats_json(c.dice)},
                   {"iou", stats_json(c.iou)}});
  }
  return out;
}

LevelSummary summarize_level(const std::string& name, const std::string& rows,
                             const std::vector<Score>& scores, const std::vector<ClassInfo>& classes) {
  LevelSummary level{name, rows, summarize_classes(scores, classes), {}};
  level.overall = summarize_overall(scores, level.classes);
  return level;
}

nlohmann::json level_json(const LevelSummary& level) {
  return {{"rows", level.rows},
          {"classes", classes_json(level.classes)},
          {"overall", overall_json(level.overall)}};
}

nlohmann::json overall_json(const Overall& o) {
  return {{"mean_over_classes", {{"dice", stats_json(o.dice_over_classes)},
                                 {"iou", stats_json(o.iou_over_classes)}}},
          {"mean_over_rows", {{"dice", stats_json(o.dice_over_rows)},
                              {"iou", stats_json(o.iou_over_rows)}}}};
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
