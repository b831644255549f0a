#include "sambench/report/result_json.h"

#include <cmath>
#include <limits>

namespace sambench {

namespace {

using nlohmann::json;

}  // namespace

// nlohmann writes NaN and infinities as null; they are kept as strings instead.
json number_json(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double number_from_json(const json& j) {
  if (!j.is_string()) return j.get<double>();
  const std::string text = j.get<std::string>();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  return std::numeric_limits<double>::quiet_NaN();
}

namespace {

json number(double value) { return number_json(value); }
double number_of(const json& j) { return number_from_json(j); }

json overlap_json(const Overlap& o) { return {o.prediction, o.truth, o.intersection}; }

Overlap overlap_of(const json& j) {
  return {j.at(0).get<long long>(), j.at(1).get<long long>(), j.at(2).get<long long>()};
}

// Every metric of a row, in kMetrics order: adding a metric adds it to the journal too.
json metrics_json(const MetricValues& values) {
  json out = json::array();
  for (double v : values) out.push_back(number(v));
  return out;
}

MetricValues metrics_of(const json& j) {
  MetricValues values{};
  if (j.size() != values.size()) throw std::runtime_error("journal row has " + std::to_string(j.size()) + " metrics");
  for (size_t i = 0; i < values.size(); ++i) values[i] = number_of(j.at(i));
  return values;
}

}  // namespace

json to_json(const InstanceResult& r) {
  return {{"image", r.image},
          {"case", r.case_id},
          {"group", r.group},
          {"prompt", r.result_set},
          {"class_label", r.class_label},
          {"class_name", r.class_name},
          {"instance", r.instance},
          {"centroid", {number(r.centroid.x), number(r.centroid.y)}},
          {"centroid_inside", r.centroid_inside},
          {"mask_index", r.mask_index},
          {"score", number(r.score)},
          {"overlap", overlap_json(r.overlap)},
          {"metrics", metrics_json(metric_values(r))},
          {"mask_file", r.mask_file}};
}

InstanceResult instance_result_from_json(const json& j) {
  InstanceResult r;
  r.image = j.at("image").get<std::string>();
  r.case_id = j.at("case").get<std::string>();
  r.group = j.at("group").get<std::string>();
  r.result_set = j.at("prompt").get<std::string>();
  r.class_label = j.at("class_label").get<int>();
  r.class_name = j.at("class_name").get<std::string>();
  r.instance = j.at("instance").get<int>();
  r.centroid = {number_of(j.at("centroid").at(0)), number_of(j.at("centroid").at(1))};
  r.centroid_inside = j.at("centroid_inside").get<bool>();
  r.mask_index = j.at("mask_index").get<int>();
  r.score = static_cast<float>(number_of(j.at("score")));  // a float widened exactly, narrowed back
  r.overlap = overlap_of(j.at("overlap"));
  set_metric_values(r, metrics_of(j.at("metrics")));
  r.mask_file = j.at("mask_file").get<std::string>();
  return r;
}

json to_json(const RegionResult& r) {
  return {{"unit", r.unit},
          {"group", r.group},
          {"prompt", r.result_set},
          {"class_label", r.class_label},
          {"class_name", r.class_name},
          {"overlap", overlap_json(r.overlap)},
          {"metrics", metrics_json(metric_values(r))}};
}

RegionResult region_result_from_json(const json& j) {
  RegionResult r;
  r.unit = j.at("unit").get<std::string>();
  r.group = j.at("group").get<std::string>();
  r.result_set = j.at("prompt").get<std::string>();
  r.class_label = j.at("class_label").get<int>();
  r.class_name = j.at("class_name").get<std::string>();
  r.overlap = overlap_of(j.at("overlap"));
  set_metric_values(r, metrics_of(j.at("metrics")));
  return r;
}

}  // namespace sambench
