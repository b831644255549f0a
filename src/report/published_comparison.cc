#include "sambench/report/published_comparison.h"

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

std::string mean_with_interval(const Stats& s) {
  if (s.count == 0) return "not measured";
  std::string out = format_number(s.mean, 4);
  if (!std::isnan(s.ci_low)) out += " [" + format_number(s.ci_low, 3) + ", " + format_number(s.ci_high, 3) + "]";
  return out;
}

std::string value_cell(double v) { return std::isnan(v) ? "–" : format_number(v, 4); }

std::string signed_cell(double v) {
  if (std::isnan(v)) return "–";
  return (v >= 0 ? "+" : "") + format_number(v, 4);
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

TextTable comparison_table(const PublishedComparison& c) {
  const std::string run_label = "this run";
  const std::string diff_label = "this run − " + c.methods[c.reference];
  TextTable t;
  if (c.methods.size() > c.rows.size()) {
    t.header = {"method"};
    for (const auto& r : c.rows) t.header.push_back(r);
    for (size_t m = 0; m < c.methods.size(); ++m) {
      std::vector<std::string> row = {c.methods[m]};
      for (size_t r = 0; r < c.rows.size(); ++r) row.push_back(value_cell(c.published[r][m]));
      t.rows.push_back(row);
    }
    std::vector<std::string> run = {run_label}, diff = {diff_label};
    for (size_t r = 0; r < c.rows.size(); ++r) {
      run.push_back(mean_with_interval(c.measured[r]));
      diff.push_back(signed_cell(c.difference(r)));
    }
    t.rows.push_back(run);
    t.rows.push_back(diff);
    return t;
  }
  t.header = {"class"};
  for (const auto& m : c.methods) t.header.push_back(m + " (published)");
  t.header.push_back(run_label + " [95% CI]");
  t.header.push_back(diff_label);
  for (size_t r = 0; r < c.rows.size(); ++r) {
    std::vector<std::string> row = {c.rows[r]};
    for (double v : c.published[r]) row.push_back(value_cell(v));
    row.push_back(mean_with_interval(c.measured[r]));
    row.push_back(signed_cell(c.difference(r)));
    t.rows.push_back(row);
  }
  return t;
}

}  // namespace sambench
