#include "sambench/report/published_comparison.h"

#include <algorithm>
#include <cmath>

#include "sambench/report/tables.h"

namespace sambench {

namespace {

const LevelSummary* level_of(const SetLevels& levels, const std::string& set, const std::string& name) {
  for (const auto& [set_name, set_levels] : levels) {
    if (set_name != set) continue;
    for (const auto& l : set_levels) {
      if (l.name == name) return &l;
    }
  }
  return nullptr;
}

const LevelSummary* group_of(const SetGroups& groups, const std::string& set, const std::string& group) {
  for (const auto& [set_name, set_groups] : groups) {
    if (set_name != set) continue;
    for (const auto& [name, level] : set_groups) {
      if (name == group) return &level;
    }
  }
  return nullptr;
}

size_t index_of(std::vector<std::string>& names, const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  names.push_back(name);
  return names.size() - 1;
}

// Finds or starts the comparison that `b` belongs to.
PublishedComparison& comparison_for(std::vector<PublishedComparison>& out, const Baseline& b, const std::string& set,
                                    const LevelSummary& level) {
  for (auto& c : out) {
    if (c.source == b.source && c.set == set && c.level == b.level && c.group == b.group && c.metric == b.metric) {
      return c;
    }
  }
  PublishedComparison c;
  c.source = b.source;
  c.set = set;
  c.level = b.level;
  c.group = b.group;
  c.metric = b.metric;
  c.rows_name = level.rows;
  out.push_back(c);
  return out.back();
}

void set_published(PublishedComparison& c, const std::string& row, size_t method, double value) {
  const size_t r = index_of(c.rows, row);
  if (c.published.size() < c.rows.size()) c.published.resize(c.rows.size());
  for (auto& values : c.published) values.resize(c.methods.size(), NAN);
  c.published[r][method] = value;
}

Stats measured_of(const PublishedComparison& c, const std::string& row, const LevelSummary& level) {
  if (row == average_row_label(c.rows_name)) return level.overall.over_rows[static_cast<size_t>(c.metric)];
  for (const auto& cls : level.classes) {
    if (cls.info.name == row) return cls.of(c.metric);
  }
  return Stats{};
}

// The average row goes last, after every class a later method adds.
void order_rows(PublishedComparison& c) {
  const std::string average = average_row_label(c.rows_name);
  for (size_t r = 0; r + 1 < c.rows.size(); ++r) {
    if (c.rows[r] != average) continue;
    c.rows.push_back(c.rows[r]);
    c.published.push_back(c.published[r]);
    c.rows.erase(c.rows.begin() + static_cast<long>(r));
    c.published.erase(c.published.begin() + static_cast<long>(r));
    break;
  }
}

std::string mean_cell(const Stats& s) { return s.count == 0 ? "not measured" : format_number(s.mean, 4); }

std::string interval_cell(const Stats& s) {
  if (s.count == 0 || std::isnan(s.ci_low)) return "–";
  return "[" + format_number(s.ci_low, 4) + ", " + format_number(s.ci_high, 4) + "]";
}

std::string value_cell(double v) { return std::isnan(v) ? "–" : format_number(v, 4); }

std::string signed_cell(double v) {
  if (std::isnan(v)) return "–";
  return (v >= 0 ? "+" : "") + format_number(v, 4);
}

// As the study writes them: Dice, IoU.
std::string metric_label(Metric m) {
  if (m == Metric::kDice) return "Dice";
  if (m == Metric::kIoU) return "IoU";
  return metric_name(m);
}

bool same_table(const PublishedComparison& a, const PublishedComparison& b) {
  return a.source == b.source && a.set == b.set && a.level == b.level && a.group == b.group &&
         a.methods == b.methods && a.rows == b.rows;
}

// The study's own layout for a table with more methods than classes (its Tables 2 and 3): one
// row per method, then this run's mean, its interval and its difference to the SAM row.
TextTable methods_as_rows(const std::vector<PublishedComparison>& same) {
  const PublishedComparison& first = same.front();
  TextTable t;
  t.header = {"method"};
  for (size_t r = 0; r < first.rows.size(); ++r) {
    for (const auto& c : same) {
      const std::string metric = same.size() > 1 || first.rows.size() == 1 ? metric_label(c.metric) : "";
      t.header.push_back(first.rows.size() > 1 ? first.rows[r] + (metric.empty() ? "" : " " + metric) : metric);
    }
  }
  for (size_t m = 0; m < first.methods.size(); ++m) {
    std::vector<std::string> row = {first.methods[m]};
    for (size_t r = 0; r < first.rows.size(); ++r) {
      for (const auto& c : same) row.push_back(value_cell(c.published[r][m]));
    }
    t.rows.push_back(row);
  }
  std::vector<std::string> run = {"this run"}, interval = {"this run, 95% CI"},
                           diff = {"this run − " + first.methods[first.reference]};
  for (size_t r = 0; r < first.rows.size(); ++r) {
    for (const auto& c : same) {
      run.push_back(mean_cell(c.measured[r]));
      interval.push_back(interval_cell(c.measured[r]));
      diff.push_back(signed_cell(c.difference(r)));
    }
  }
  t.run_rows_from = t.rows.size();
  t.rows.push_back(run);
  t.rows.push_back(interval);
  t.rows.push_back(diff);
  return t;
}

// One row per class; per metric, each published method, this run, its interval and the difference.
TextTable classes_as_rows(const std::vector<PublishedComparison>& same) {
  const PublishedComparison& first = same.front();
  TextTable t;
  t.header = {"class"};
  for (const auto& c : same) {
    const std::string prefix = metric_label(c.metric) + ": ";
    for (const auto& m : c.methods) t.header.push_back(prefix + m);
    t.header.push_back(prefix + "this run");
    t.header.push_back(prefix + "95% CI");
    t.header.push_back(prefix + "Δ");  // the title says what it is the difference to
  }
  for (size_t r = 0; r < first.rows.size(); ++r) {
    std::vector<std::string> row = {first.rows[r]};
    for (const auto& c : same) {
      for (double v : c.published[r]) row.push_back(value_cell(v));
      row.push_back(mean_cell(c.measured[r]));
      row.push_back(interval_cell(c.measured[r]));
      row.push_back(signed_cell(c.difference(r)));
    }
    t.rows.push_back(row);
  }
  return t;
}

}  // namespace

std::string average_row_label(const std::string& rows_name) { return "average (mean over " + rows_name + ")"; }

std::string PublishedComparison::title() const {
  return source + ": " + metric_name(metric) + ", " + level + " level" + (group.empty() ? "" : ", " + group);
}

double PublishedComparison::difference(size_t row) const {
  if (measured[row].count == 0) return NAN;
  return measured[row].mean - published[row][reference];
}

bool needs_groups(const std::vector<Baseline>& baselines) {
  for (const auto& b : baselines) {
    if (!b.group.empty()) return true;
  }
  return false;
}

std::vector<PublishedComparison> compare_with_published(const std::vector<Baseline>& baselines,
                                                        const SetLevels& levels, const SetGroups& groups) {
  std::vector<PublishedComparison> out;
  for (const auto& b : baselines) {
    if (levels.empty() || (b.values.empty() && !b.average)) continue;
    const std::string set = b.prompt.empty() ? levels.front().first : b.prompt;
    const LevelSummary* level = b.group.empty() ? level_of(levels, set, b.level) : group_of(groups, set, b.group);
    if (!level) continue;
    PublishedComparison& c = comparison_for(out, b, set, *level);
    const size_t method = index_of(c.methods, b.method);
    for (const auto& [name, value] : b.values) set_published(c, name, method, value);
    if (b.average) set_published(c, average_row_label(c.rows_name), method, *b.average);
    for (auto& values : c.published) values.resize(c.methods.size(), NAN);
  }
  for (auto& c : out) {
    order_rows(c);
    for (size_t m = c.methods.size(); m-- > 0;) {
      if (c.methods[m].rfind("SAM", 0) == 0) c.reference = m;  // the first SAM row
    }
    const LevelSummary* level = c.group.empty() ? level_of(levels, c.set, c.level) : group_of(groups, c.set, c.group);
    for (const auto& row : c.rows) c.measured.push_back(measured_of(c, row, *level));
  }
  return out;
}

std::vector<std::vector<PublishedComparison>> merge_metrics(const std::vector<PublishedComparison>& comparisons) {
  std::vector<std::vector<PublishedComparison>> out;
  for (const auto& c : comparisons) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& same) { return same_table(same.front(), c); });
    if (it == out.end()) {
      out.push_back({c});
    } else {
      it->push_back(c);
    }
  }
  return out;
}

std::string comparison_title(const std::vector<PublishedComparison>& same) {
  const PublishedComparison& first = same.front();
  std::string metrics;
  for (size_t i = 0; i < same.size(); ++i) {
    metrics += (i == 0 ? "" : i + 1 == same.size() ? " and " : ", ") + metric_label(same[i].metric);
  }
  std::string title = first.source + ": " + metrics + ", " + first.level + " level" +
                      (first.group.empty() ? "" : ", " + first.group);
  // Tables with classes as rows name the difference Δ in their header, to keep it short.
  if (first.methods.size() <= first.rows.size()) title += " (Δ: this run − " + first.methods[first.reference] + ")";
  return title;
}

TextTable comparison_table(const std::vector<PublishedComparison>& same) {
  return same.front().methods.size() > same.front().rows.size() ? methods_as_rows(same) : classes_as_rows(same);
}

TextTable comparison_table(const PublishedComparison& comparison) { return comparison_table(std::vector{comparison}); }

}  // namespace sambench
