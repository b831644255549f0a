#include "sambench/metrics/results.h"

#include <algorithm>
#include <tuple>

namespace sambench {

namespace {

template <typename Row>
void assign(Row& r, const MetricValues& v) {
  r.dice = v[0], r.iou = v[1], r.precision = v[2], r.recall = v[3], r.nsd = v[4], r.hd95 = v[5];
}

}  // namespace

MetricValues metric_values(const InstanceResult& r) { return {r.dice, r.iou, r.precision, r.recall, r.nsd, r.hd95}; }
MetricValues metric_values(const RegionResult& r) { return {r.dice, r.iou, r.precision, r.recall, r.nsd, r.hd95}; }
void set_metric_values(InstanceResult& r, const MetricValues& values) { assign(r, values); }
void set_metric_values(RegionResult& r, const MetricValues& values) { assign(r, values); }

std::vector<RegionResult> combine_cases(const std::vector<RegionResult>& images,
                                        const std::map<std::string, std::string>& case_of,
                                        EmptyRule rule) {
  // Keyed so that rows come out sorted whatever order the images were scored in; result sets
  // keep the order they first appear in (the config's).
  std::vector<std::string> sets;
  for (const auto& image : images) {
    if (std::find(sets.begin(), sets.end(), image.result_set) == sets.end()) sets.push_back(image.result_set);
  }
  std::map<std::tuple<size_t, std::string, int>, RegionResult> cases;
  for (const auto& image : images) {
    auto it = case_of.find(image.unit);
    const std::string& case_id = it == case_of.end() ? image.unit : it->second;
    size_t order = std::find(sets.begin(), sets.end(), image.result_set) - sets.begin();
    RegionResult& c = cases[{order, case_id, image.class_label}];
    c.unit = case_id;
    c.group = image.group;
    c.result_set = image.result_set;
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

}  // namespace sambench
