#include "sambench/report/compare.h"

#include <map>
#include <sstream>
#include <tuple>

#include "sambench/base/error.h"
#include "sambench/report/csv.h"
#include "sambench/report/escape.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

using Key = std::tuple<std::string, int, int>;  // image, class label, instance

std::map<Key, const InstanceResult*> by_key(const std::vector<InstanceResult>& rows, const std::string& set) {
  std::map<Key, const InstanceResult*> out;
  for (const auto& r : rows) {
    if (r.result_set == set) out[{r.image, r.class_label, r.instance}] = &r;
  }
  return out;
}

Comparison compare_set(const RunTables& a, const RunTables& b, const std::string& set_a, const std::string& set_b,
                       int samples, uint64_t seed) {
  auto rows_a = by_key(a.instances, set_a), rows_b = by_key(b.instances, set_b);
  std::vector<InstanceResult> shared_a, shared_b;
  std::vector<Score> diff;
  Comparison c;
  c.set = set_a == set_b ? set_a : set_a + " vs " + set_b;
  for (const auto& [key, ra] : rows_a) {
    auto rb = rows_b.find(key);
    if (rb == rows_b.end()) continue;
    shared_a.push_back(*ra);
    shared_b.push_back(*rb->second);
    Score s = scores_of({*rb->second}).front();
    Score base = scores_of({*ra}).front();
    for (size_t m = 0; m < kMetricCount; ++m) s.values[m] -= base.values[m];  // NaN when either is
    s.case_id = base.case_id;
    diff.push_back(s);
  }
  c.shared = static_cast<long long>(shared_a.size());
  c.only_reference = static_cast<long long>(rows_a.size()) - c.shared;
  c.only_other = static_cast<long long>(rows_b.size()) - c.shared;
  c.reference = summarize_level("instance", "instances", scores_of(shared_a), a.classes, samples, seed);
  c.other = summarize_level("instance", "instances", scores_of(shared_b), a.classes, samples, seed);
  c.difference = summarize_level("instance", "instances", diff, a.classes, samples, seed);
  return c;
}

}  // namespace

double relative_change(double reference, double other) {
  return reference == 0.0 ? NAN : (other - reference) / reference;
}

std::vector<Comparison> compare_runs(const RunTables& a, const RunTables& b, int samples, uint64_t seed,
                                     bool first_sets) {
  std::vector<Comparison> out;
  if (first_sets && !a.sets.empty() && !b.sets.empty()) {
    return {compare_set(a, b, a.sets.front().first, b.sets.front().first, samples, seed)};
  }
  for (const auto& [set, description] : a.sets) {
    for (const auto& other : b.sets) {
      if (other.first == set) out.push_back(compare_set(a, b, set, set, samples, seed));
    }
  }
  if (out.empty()) {
    throw Error(b.dir, "shares no prompt mode with " + a.dir.string() + " (--first compares each run's first)");
  }
  return out;
}

std::string comparison_csv(const std::vector<std::pair<std::string, std::vector<Comparison>>>& comparisons) {
  std::ostringstream out;
  out << "run,prompt,class_label,class,shared_instances";
  for (Metric m : kMetrics) {
    for (const char* s : {"_reference", "_other", "_difference", "_difference_ci_low", "_difference_ci_high",
                          "_relative_change"}) {
      out << ',' << metric_name(m) << s;
    }
  }
  out << '\n';
  auto row = [&](const std::string& prefix, long long count, const std::array<Stats, kMetricCount>& a,
                 const std::array<Stats, kMetricCount>& b, const std::array<Stats, kMetricCount>& d) {
    out << prefix << ',' << count;
    for (size_t m = 0; m < kMetricCount; ++m) {
      for (double v : {a[m].mean, b[m].mean, d[m].mean, d[m].ci_low, d[m].ci_high,
                       relative_change(a[m].mean, b[m].mean)}) {
        out << ',' << format_number(v, 6);
      }
    }
    out << '\n';
  };
  for (const auto& [run, list] : comparisons) {
    for (const auto& c : list) {
      const std::string keys = csv_field(run) + ',' + csv_field(c.set) + ',';
      for (size_t k = 0; k < c.difference.classes.size(); ++k) {
        const auto& cls = c.difference.classes[k];
        row(keys + std::to_string(cls.info.label) + ',' + csv_field(cls.info.name), cls.count,
            c.reference.classes[k].metrics, c.other.classes[k].metrics, cls.metrics);
      }
      row(keys + ",mean_over_classes", c.shared, c.reference.overall.over_classes, c.other.overall.over_classes,
          c.difference.overall.over_classes);
      row(keys + ",mean_over_instances", c.shared, c.reference.overall.over_rows, c.other.overall.over_rows,
          c.difference.overall.over_rows);
    }
  }
  return out.str();
}

std::string comparison_markdown(const std::string& reference,
                                const std::vector<std::pair<std::string, std::vector<Comparison>>>& comparisons,
                                const std::string& side_by_side) {
  std::ostringstream out;
  out << "# sambench compare\n\nReference: " << markdown_code(reference) << ". Each difference is other − reference on "
      << "the instances both runs scored, with its paired 95% bootstrap interval (cases resampled "
      << "together for both runs).\n" << side_by_side;
  auto diff = [](const Stats& s) {
    if (s.count == 0) return std::string("–");
    std::string t = (s.mean >= 0 ? "+" : "") + format_number(s.mean, 3);
    if (!std::isnan(s.ci_low)) t += " [" + format_number(s.ci_low, 3) + ", " + format_number(s.ci_high, 3) + "]";
    return t;
  };
  for (const auto& [run, list] : comparisons) {
    for (const auto& c : list) {
      out << "\n## " << markdown_text(run) << ": " << markdown_text(c.set) << "\n\n" << c.shared << " shared instances (" << c.only_reference
          << " only in the reference, " << c.only_other << " only in this run).\n\n"
          << "| class | instances | dice reference | dice other | Δ dice | relative | iou reference | iou other "
          << "| Δ iou | relative | Δ nsd | Δ hd95 |\n"
          << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
      auto relative = [](const Stats& a, const Stats& b) {
        double r = relative_change(a.mean, b.mean);
        return std::isnan(r) ? std::string("–") : (r >= 0 ? "+" : "") + format_number(100.0 * r, 1) + "%";
      };
      auto line = [&](const std::string& name, long long n, const std::array<Stats, kMetricCount>& a,
                      const std::array<Stats, kMetricCount>& b, const std::array<Stats, kMetricCount>& d) {
        out << "| " << name << " | " << n << " | " << format_number(a[0].mean, 3) << " | " << format_number(b[0].mean, 3)
            << " | " << diff(d[0]) << " | " << relative(a[0], b[0]) << " | " << format_number(a[1].mean, 3) << " | "
            << format_number(b[1].mean, 3) << " | " << diff(d[1]) << " | " << relative(a[1], b[1]) << " | "
            << diff(d[4]) << " | " << diff(d[5]) << " |\n";
      };
      for (size_t k = 0; k < c.difference.classes.size(); ++k) {
        const auto& cls = c.difference.classes[k];
        if (cls.count == 0) continue;
        line(markdown_text(cls.info.name), cls.count, c.reference.classes[k].metrics, c.other.classes[k].metrics, cls.metrics);
      }
      line("**mean over classes**", c.shared, c.reference.overall.over_classes, c.other.overall.over_classes,
           c.difference.overall.over_classes);
      line("**mean over instances**", c.shared, c.reference.overall.over_rows, c.other.overall.over_rows,
           c.difference.overall.over_rows);
    }
  }
  return out.str();
}

}  // namespace sambench
