#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/data/config.h"
#include "sambench/data/dataset.h"

namespace sambench {

struct ClassCount {
  int label = 0;
  std::string name;
  long long images = 0;     // samples holding at least one instance of the class
  long long instances = 0;  // what eval would prompt (after min_area / whole_class)
  long long pixels = 0;
};

// What `sambench inspect` reports: the dataset as eval would see it, without the model.
struct Inspection {
  std::string adapter;
  long long samples = 0;  // images, or slices for volumes
  long long slices = 0;
  long long cases = 0;    // distinct case ids (volumes, patients); samples without one count alone
  long long without_instances = 0;  // samples eval would count and not encode
  std::map<std::string, long long> groups;
  std::vector<ClassCount> classes;
  int min_width = 0, max_width = 0, min_height = 0, max_height = 0;
  // The RGB uint8 input SAM receives (after CT windowing, MRI percentiles, grey expansion ...).
  int intensity_min = 255, intensity_max = 0;
  double intensity_mean = 0.0;
  std::string field_of_view;  // empty when whole images are scored
  std::vector<SkippedFile> skipped_files;  // what the listing passed over (dataset.h)
  long long orientation_tags = 0;  // JPEGs with an EXIF orientation tag (read unrotated)

  nlohmann::json to_json() const;
};

// Lists and loads every sample of the config's dataset (honouring run.limit) and counts what
// eval would evaluate. Throws the adapters' Errors, naming the file.
Inspection inspect_dataset(const Config& config);

}  // namespace sambench
