// AMOS22 (abdominal CT and MRI, 15 organs) in its official layout:
//   root/imagesTr|imagesVa/amos_XXXX.nii.gz, root/labelsTr|labelsVa/amos_XXXX.nii.gz, dataset.json.
// Case numbers >= 500 are MRI. Each axial slice is one sample; `images`/`labels` point it at any
// nnU-Net-style folder pair instead (an image named <case>_0000.nii.gz pairs with <case>.nii.gz).
// An image may also be a DICOM series folder.
//
// The eval loop loads the slices of one case one after the other, so the last volume pair read
// (oriented, mapped to 8 bits, labels checked) is kept: one case's worth of memory, one read
// per case.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/volume_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// AMOS's labels 1..15, named in plain English (dataset.json spells aorta "arota").
const std::vector<std::string> kOrgans = {
    "spleen",   "right kidney",       "left kidney", "gallbladder",         "esophagus",
    "liver",    "stomach",            "aorta",       "inferior vena cava",  "pancreas",
    "right adrenal gland", "left adrenal gland", "duodenum", "bladder", "prostate/uterus"};

struct Case {
  std::string id;
  fs::path image, labels;
  std::string group;  // "ct" or "mri"
};

// A case's volumes as the slices need them: grey levels already mapped to 0..255.
struct CachedCase {
  fs::path image, labels;
  VolumeGeometry geometry;  // as oriented for slicing (RAI)
  std::shared_ptr<const VolumeGeometry> stored;  // the label file's own header
  std::vector<uint8_t> grey;
  std::vector<uint16_t> label_voxels;
};

// "amos_0013.nii.gz" -> "amos_0013"; "" for files that are not NIfTI. Folders (DICOM series)
// keep their name.
std::string volume_name(const fs::directory_entry& entry) {
  std::string name = entry.path().filename().string();
  if (name.empty() || name[0] == '.') return "";
  std::error_code ec;
  if (entry.is_directory(ec)) return name;
  for (const char* ext : {".nii.gz", ".nii"}) {
    if (ends_with(name, ext)) return name.substr(0, name.size() - std::strlen(ext));
  }
  return "";
}

// AMOS numbers its MRI cases from 500; other names are taken as CT.
std::string group_of(const std::string& id) {
  if (id.rfind("amos_", 0) != 0) return "ct";
  try {
    return std::stoi(id.substr(5)) >= 500 ? "mri" : "ct";
  } catch (const std::exception&) {
    return "ct";
  }
}

std::pair<double, double> pair_option(const json& options, const std::string& key,
                                      std::pair<double, double> fallback) {
  if (!options.contains(key)) return fallback;
  const json& v = options[key];
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() ||
      v[0].get<double>() >= v[1].get<double>()) {
    std::ostringstream example;
    example << "[" << fallback.first << ", " << fallback.second << "]";
    throw Error("dataset: '" + key + "' must be two increasing numbers, e.g. " + example.str());
  }
  return {v[0].get<double>(), v[1].get<double>()};
}

std::string option(const json& options, const std::string& key, const std::string& fallback,
                   const std::vector<std::string>& allowed = {}) {
  if (!options.contains(key)) return fallback;
  if (!options[key].is_string()) throw Error("dataset: '" + key + "' must be a string");
  std::string value = options[key].get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    throw Error("dataset: '" + key + "' is '" + value + "' (expected one of: " + join(allowed) + ")");
  }
  return value;
}

// The value at percentile p (0..100) of `values`, interpolated linearly between ranks as
// numpy.percentile does by default. Reorders `values`.
double percentile(std::vector<float>& values, double p) {
  double rank = p / 100.0 * double(values.size() - 1);
  size_t lo = size_t(std::floor(rank));
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  double low = values[lo];
  if (lo + 1 >= values.size()) return low;
  double high = *std::min_element(values.begin() + lo + 1, values.end());
  return low + (rank - double(lo)) * (high - low);
}

// Clips to [lo, hi] and scales to 0..255, rounding. A degenerate window gives 0.
std::vector<uint8_t> to_grey(const std::vector<float>& voxels, double lo, double hi) {
  std::vector<uint8_t> grey(voxels.size());
  double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
  for (size_t i = 0; i < voxels.size(); ++i) {
    double v = std::clamp(double(voxels[i]), lo, hi);
    grey[i] = uint8_t(std::lround((v - lo) * scale));
  }
  return grey;
}

std::string size_text(const VolumeGeometry& g) {
  return std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) + "x" +
         std::to_string(g.size[2]);
}

class AmosDataset : public Dataset {
 public:
  AmosDataset(const json& options, const fs::path& base) {
    check_keys(options,
               {"adapter", "root", "split", "modality", "ct_window", "mri_percentiles", "classes",
                "images", "labels", "case_ids", "ignore", "other_labels"},
               "dataset");
    if (!options.contains("root") || !options["root"].is_string()) {
      throw Error("dataset: 'root' is missing (the AMOS folder holding imagesVa/ and labelsVa/)");
    }
    root_ = (base / options["root"].get<std::string>()).lexically_normal();
    std::string split = option(options, "split", "Va", {"Tr", "Va"});
    images_ = root_ / option(options, "images", "images" + split);
    labels_ = root_ / option(options, "labels", "labels" + split);
    modality_ = option(options, "modality", "ct", {"ct", "mri", "all"});
    ct_window_ = pair_option(options, "ct_window", {-991, 362});
    mri_percentiles_ = pair_option(options, "mri_percentiles", {0.5, 99.5});
    if (mri_percentiles_.first < 0 || mri_percentiles_.second > 100) {
      throw Error("dataset: 'mri_percentiles' must lie within 0..100");
    }
    other_labels_ = option(options, "other_labels", "error", {"error", "background"});
    try {
      ignored_ = options.value("ignore", std::vector<int>{});
      case_ids_ = options.value("case_ids", std::vector<std::string>{});
    } catch (const json::exception&) {
      throw Error("dataset: 'ignore' must list label values and 'case_ids' case names");
    }
    classes_ = options.contains("classes") ? parse_classes(options["classes"], "dataset")
                                           : amos_classes();
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  // Reads one header per case (the label volume's, a few hundred bytes of a .nii.gz) for the
  // slice count; no voxel data.
  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::vector<SampleRef> refs;
    for (const Case& c : cases()) {
      VolumeGeometry g = rai_geometry(read_geometry(c.labels));
      for (int z = 0; z < g.size[2]; ++z) {
        char slice[16];
        std::snprintf(slice, sizeof slice, "%03d", z);
        SampleRef ref;
        ref.id = c.id + "/" + slice;
        ref.image = c.image;
        ref.mask = c.labels;
        ref.group = c.group;
        ref.case_id = c.id;
        ref.slice = z;
        refs.push_back(ref);
      }
    }
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    std::shared_ptr<const CachedCase> volume = cached(ref);
    const VolumeGeometry& g = volume->geometry;
    if (ref.slice < 0 || ref.slice >= g.size[2]) {
      throw Error(ref.mask, "slice " + std::to_string(ref.slice) + " is outside the volume (" +
                                std::to_string(g.size[2]) + " axial slices)");
    }
    const int w = g.size[0], h = g.size[1];
    const size_t offset = size_t(ref.slice) * w * h;
    // The cache stays untouched: the Mats are copies.
    cv::Mat grey(h, w, CV_8U, const_cast<uint8_t*>(volume->grey.data() + offset));
    cv::Mat labels(h, w, CV_16U, const_cast<uint16_t*>(volume->label_voxels.data() + offset));
    Sample sample;
    sample.id = ref.id;
    cv::cvtColor(grey, sample.image, cv::COLOR_GRAY2RGB);
    sample.labels = labels.clone();
    sample.spacing = {g.spacing[0], g.spacing[1]};
    sample.volume = volume->stored;
    return sample;
  }

 private:
  // The 15 organs; dataset.json, when present, must agree on the label count.
  std::vector<ClassInfo> amos_classes() const {
    fs::path file = root_ / "dataset.json";
    std::error_code ec;
    if (fs::exists(file, ec)) {
      std::ifstream in(file);
      json doc = json::parse(in, nullptr, false);
      if (doc.is_discarded()) throw Error(file, "not valid JSON");
      if (!doc.contains("labels") || !doc["labels"].is_object()) {
        throw Error(file, "has no 'labels' object");
      }
      if (doc["labels"].size() != kOrgans.size() + 1) {
        throw Error(file, "lists " + std::to_string(doc["labels"].size()) +
                              " labels; AMOS has 16 (background and 15 organs). Set 'classes' "
                              "for another label set");
      }
    }
    std::vector<ClassInfo> out;
    for (size_t i = 0; i < kOrgans.size(); ++i) out.push_back({int(i) + 1, kOrgans[i]});
    return out;
  }

  // The cases to evaluate, in name order.
  std::vector<Case> cases() const {
    expect_folder(images_, "the image volumes, amos_XXXX.nii.gz");
    expect_folder(labels_, "the label volumes next to " + images_.filename().string() + "/");
    std::map<std::string, Case> found;
    for (const auto& entry : fs::directory_iterator(images_)) {
      std::string name = volume_name(entry);
      if (name.empty()) continue;
      Case c;
      c.id = name;
      c.image = entry.path();
      c.labels = label_file(name);
      // nnU-Net names images <case>_0000 (channel 0) and their labels <case>.
      if (c.labels.empty() && ends_with(name, "_0000")) {
        c.id = name.substr(0, name.size() - 5);
        c.labels = label_file(c.id);
      }
      if (c.labels.empty()) {
        throw Error(labels_ / (name + ".nii.gz"),
                    "label volume not found (for image " + entry.path().filename().string() + ")");
      }
      c.group = group_of(c.id);
      if (!found.emplace(c.id, c).second) {
        throw Error(entry.path(), "a second image for case " + c.id);
      }
    }
    // A label volume whose image is missing would otherwise vanish without a word.
    for (const auto& entry : fs::directory_iterator(labels_)) {
      const std::string name = volume_name(entry);
      if (!name.empty() && !found.count(name)) skipped_files_.push_back({entry.path(), "a label volume without its image"});
    }
    for (const auto& id : case_ids_) {
      if (!found.count(id)) throw Error(images_, "case_ids: no image for case " + id);
    }
    std::set<std::string> wanted(case_ids_.begin(), case_ids_.end());
    std::vector<Case> out;
    for (auto& [id, c] : found) {
      if (!wanted.empty() && !wanted.count(id)) continue;
      if (modality_ != "all" && c.group != modality_) continue;
      out.push_back(c);
    }
    if (out.empty()) {
      throw Error(images_, "no " + (modality_ == "all" ? std::string() : modality_ + " ") +
                               "volumes to evaluate (.nii.gz files or DICOM series folders)");
    }
    return out;
  }

  // The label volume of case `id`, or an empty path.
  fs::path label_file(const std::string& id) const {
    std::error_code ec;
    for (const char* ext : {".nii.gz", ".nii", ""}) {
      fs::path candidate = labels_ / (id + ext);
      if (fs::exists(candidate, ec)) return candidate;
    }
    return {};
  }

  // The volume pair of `ref`, read on a cache miss. The lock is held while reading, so two
  // threads asking for the same new case read it once.
  std::shared_ptr<const CachedCase> cached(const SampleRef& ref) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!cache_ || cache_->image != ref.image || cache_->labels != ref.mask) {
      cache_.reset();  // free the previous case before reading the next
      cache_ = read_case(ref);
    }
    return cache_;
  }

  std::shared_ptr<const CachedCase> read_case(const SampleRef& ref) const {
    auto out = std::make_shared<CachedCase>();
    out->image = ref.image;
    out->labels = ref.mask;
    LabelVolume labels = read_label_volume(ref.mask);
    Volume image = read_volume(ref.image);
    if (labels.geometry.size != image.geometry.size) {
      throw Error(ref.mask, "label volume is " + size_text(labels.geometry) + " but its image is " +
                                size_text(image.geometry));
    }
    if (!same_grid(labels.geometry, image.geometry)) {
      throw Error(ref.mask,
                  "label volume's spacing, origin or direction differs from its image's by more "
                  "than 1e-3");
    }
    out->geometry = image.geometry;
    out->stored = std::make_shared<VolumeGeometry>(read_geometry(ref.mask));
    out->grey = map_intensity(image, ref);
    check_label_values(labels.voxels, ref.mask);
    out->label_voxels = std::move(labels.voxels);
    return out;
  }

  std::vector<uint8_t> map_intensity(Volume& image, const SampleRef& ref) const {
    size_t bad = 0;
    for (float v : image.voxels) bad += !std::isfinite(v);
    if (bad) {
      throw Error(ref.image, std::to_string(bad) + " voxel(s) are NaN or infinite");
    }
    if (ref.group != "mri") return to_grey(image.voxels, ct_window_.first, ct_window_.second);
    std::vector<float> sorted = image.voxels;
    double lo = percentile(sorted, mri_percentiles_.first);
    double hi = percentile(sorted, mri_percentiles_.second);
    return to_grey(image.voxels, lo, hi);
  }

  // Values outside the class map and `ignore` are errors, or background with other_labels:
  // background (for label maps with more structures than the study scores).
  void check_label_values(std::vector<uint16_t>& voxels, const fs::path& file) const {
    std::vector<bool> allowed(65536, false);
    allowed[0] = true;
    for (const auto& c : classes_) allowed[c.label] = true;
    for (int v : ignored_) {
      if (v >= 0 && v < 65536) allowed[v] = true;
    }
    std::set<int> unknown;
    for (uint16_t& v : voxels) {
      if (allowed[v]) continue;
      unknown.insert(v);
      if (other_labels_ == "background") v = 0;
    }
    if (unknown.empty() || other_labels_ == "background") return;
    std::vector<std::string> shown;
    for (int v : unknown) {
      if (shown.size() == 8) {
        shown.push_back("...");
        break;
      }
      shown.push_back(std::to_string(v));
    }
    throw Error(file, "label value(s) " + join(shown) +
                          " not in the class map (background is 0; other_labels: background "
                          "would clear them)");
  }

  fs::path root_, images_, labels_;
  std::string modality_, other_labels_;
  std::pair<double, double> ct_window_, mri_percentiles_;
  std::vector<int> ignored_;
  std::vector<std::string> case_ids_;
  std::vector<ClassInfo> classes_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const CachedCase> cache_;
};

}  // namespace

std::unique_ptr<Dataset> make_amos_dataset(const json& options, const fs::path& base) {
  return std::make_unique<AmosDataset>(options, base);
}

}  // namespace sambench
