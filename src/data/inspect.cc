// The dataset as eval would see it — listed, loaded, instances found — without any model, so
// that a layout or preprocessing problem shows before hours of encoding.

#include "sambench/data/inspect.h"

#include <algorithm>
#include <set>

#include "sambench/data/dataset.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/data/instances.h"
#include "sambench/base/progress.h"

namespace sambench {

namespace {

void add_image(Inspection& out, const cv::Mat& rgb, double& sum, long long& values) {
  double lo = 0, hi = 0;
  cv::minMaxLoc(rgb.reshape(1), &lo, &hi);
  out.intensity_min = std::min(out.intensity_min, int(lo));
  out.intensity_max = std::max(out.intensity_max, int(hi));
  cv::Scalar channel_sums = cv::sum(rgb);
  sum += channel_sums[0] + channel_sums[1] + channel_sums[2];
  values += static_cast<long long>(rgb.total()) * rgb.channels();
  bool first = out.max_width == 0;
  out.min_width = first ? rgb.cols : std::min(out.min_width, rgb.cols);
  out.min_height = first ? rgb.rows : std::min(out.min_height, rgb.rows);
  out.max_width = std::max(out.max_width, rgb.cols);
  out.max_height = std::max(out.max_height, rgb.rows);
}

}  // namespace

Inspection inspect_dataset(const Config& config) {
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  std::vector<SampleRef> refs = dataset->list();
  check_listing(*dataset);
  if (refs.empty()) throw Error("dataset: no samples found (check 'dataset.root')");
  refs = first_units(std::move(refs), config.run.limit);

  Inspection out;
  out.adapter = config.dataset.value("adapter", "");
  out.field_of_view = dataset->region_of_interest();
  out.skipped_files = dataset->skipped_files();
  std::map<int, size_t> index;
  for (const auto& c : dataset->classes()) {
    index[c.label] = out.classes.size();
    out.classes.push_back({c.label, c.name});
  }
  std::set<std::string> cases;
  double sum = 0.0;
  long long values = 0;
  Progress progress(static_cast<long long>(refs.size()), "samples");
  for (const auto& ref : refs) {
    Sample sample = dataset->load(ref);
    ++out.samples;
    out.orientation_tags += ref.slice < 0 && has_orientation_tag(ref.image);
    out.slices += ref.slice >= 0;
    cases.insert(ref.case_id.empty() ? ref.id : ref.case_id);
    if (!ref.group.empty()) ++out.groups[ref.group];
    add_image(out, sample.image, sum, values);
    std::vector<Instance> instances = find_instances(sample.labels, dataset->classes(), config.instances, ref.mask);
    out.without_instances += instances.empty();
    std::set<int> present;
    for (const auto& inst : instances) {
      ClassCount& count = out.classes[index.at(inst.class_label)];
      ++count.instances;
      count.pixels += inst.area;
      present.insert(inst.class_label);
    }
    for (int label : present) ++out.classes[index.at(label)].images;
    progress.advance();
  }
  progress.finish();
  out.cases = static_cast<long long>(cases.size());
  out.intensity_mean = values ? sum / double(values) : 0.0;
  return out;
}

nlohmann::json Inspection::to_json() const {
  nlohmann::json class_list = nlohmann::json::array();
  for (const auto& c : classes) {
    class_list.push_back({{"label", c.label}, {"name", c.name}, {"images", c.images},
                          {"instances", c.instances}, {"pixels", c.pixels}});
  }
  return {{"adapter", adapter},
          {"samples", samples},
          {"slices", slices},
          {"cases", cases},
          {"samples_without_instances", without_instances},
          {"groups", groups},
          {"classes", class_list},
          {"image_size", {{"width", {min_width, max_width}}, {"height", {min_height, max_height}}}},
          {"model_input_intensity", {{"min", intensity_min}, {"max", intensity_max}, {"mean", intensity_mean}}},
          {"field_of_view", field_of_view},
          {"files_passed_over", skipped_files.size()},
          {"images_with_orientation_tag", orientation_tags}};
}

}  // namespace sambench
