#include "sambench/data/dataset.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "data/adapters/adapters.h"
#include "sambench/base/error.h"

namespace sambench {

std::vector<SampleRef> first_units(std::vector<SampleRef> samples, long long units) {
  if (units <= 0) return samples;
  long long seen = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const bool starts_unit = i == 0 || samples[i].case_id.empty() || samples[i].case_id != samples[i - 1].case_id;
    if (starts_unit && ++seen > units) {
      samples.resize(i);
      break;
    }
  }
  return samples;
}

std::vector<std::string> adapter_names() {
  std::vector<std::string> names;
  for (const auto& entry : adapter_catalog()) names.push_back(entry.info.name);
  return names;
}

std::vector<AdapterInfo> adapter_infos() {
  std::vector<AdapterInfo> infos;
  for (const auto& entry : adapter_catalog()) infos.push_back(entry.info);
  return infos;
}

std::unique_ptr<Dataset> make_dataset(const nlohmann::json& options,
                                      const std::filesystem::path& base) {
  std::string name = options.value("adapter", "");
  for (const auto& entry : adapter_catalog()) {
    if (entry.info.name == name) return entry.make(options, base);
  }
  throw Error("dataset.adapter: unknown adapter '" + name + "' (known: " + join(adapter_names()) + ")");
}

void check_listing(const Dataset& dataset) {
  for (const SkippedFile& file : dataset.skipped_files()) {
    if (file.sample) throw Error(file.path, file.reason);
  }
}

std::string skipped_files_text(const std::vector<SkippedFile>& files, size_t shown) {
  if (files.empty()) return "";
  std::string text = std::to_string(files.size()) + " file(s) passed over:\n";
  for (size_t i = 0; i < std::min(shown, files.size()); ++i) {
    text += "  " + files[i].path.lexically_normal().string() + ": " + files[i].reason + "\n";
  }
  if (files.size() > shown) text += "  ... (" + std::to_string(files.size() - shown) + " more)\n";
  return text;
}

std::vector<ClassInfo> parse_classes(const nlohmann::json& classes, const std::string& where) {
  if (!classes.is_object() || classes.empty()) {
    throw Error(where + ": 'classes' must map label values to names, e.g. {1: liver, 2: spleen}");
  }
  std::vector<ClassInfo> out;
  std::set<std::string> names;
  for (const auto& item : classes.items()) {
    ClassInfo info;
    try {
      size_t used = 0;
      info.label = std::stoi(item.key(), &used);
      if (used != item.key().size()) throw std::invalid_argument(item.key());
    } catch (const std::exception&) {
      throw Error(where + ": class label '" + item.key() + "' is not an integer");
    }
    if (info.label <= 0 || info.label > 65535) {
      throw Error(where + ": class label " + item.key() + " must be in 1..65535 (0 is background)");
    }
    if (!item.value().is_string() || item.value().get<std::string>().empty()) {
      throw Error(where + ": class " + item.key() + " needs a name");
    }
    info.name = item.value().get<std::string>();
    if (!names.insert(info.name).second) {
      throw Error(where + ": class name '" + info.name + "' is used twice");
    }
    out.push_back(info);
  }
  std::sort(out.begin(), out.end(), [](const ClassInfo& a, const ClassInfo& b) { return a.label < b.label; });
  return out;
}

void check_labels(const cv::Mat& labels, const cv::Mat& image, const std::vector<ClassInfo>& classes,
                  const std::vector<int>& ignored, const std::filesystem::path& mask_file) {
  if (labels.size() != image.size()) {
    std::ostringstream msg;
    msg << "mask is " << labels.cols << "x" << labels.rows << " but its image is " << image.cols
        << "x" << image.rows;
    throw Error(mask_file, msg.str());
  }
  std::vector<bool> allowed(65536, false);
  allowed[0] = true;
  for (const auto& c : classes) allowed[c.label] = true;
  for (int v : ignored) allowed[v] = true;

  // A histogram is one pass, whatever the number of classes.
  cv::Mat values;
  labels.convertTo(values, CV_32S);
  std::set<int> unknown;
  for (int r = 0; r < values.rows; ++r) {
    const int* row = values.ptr<int>(r);
    for (int c = 0; c < values.cols; ++c) {
      if (!allowed[row[c]]) unknown.insert(row[c]);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    int shown = 0;
    for (int v : unknown) {
      if (shown++ == 8) {
        list += ", ...";
        break;
      }
      list += (list.empty() ? "" : ", ") + std::to_string(v);
    }
    throw Error(mask_file, "label value(s) " + list + " not in the class map (background is 0)");
  }
}

}  // namespace sambench
