#pragma once

#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/data/config.h"
#include "sambench/data/dataset.h"

namespace sambench {

// One ground-truth object: what a prompt is derived from and what a prediction is scored against.
struct Instance {
  int class_label = 0;
  int index = 0;  // 1-based within its class, in the order OpenCV's labelling of the whole image
                  // meets the components: by their first 2x2 block (even coordinates) in raster order
  cv::Mat mask;   // CV_8U, 1 inside, 0 outside, full image size
  cv::Rect box;   // tight bounding box, in pixels
  long long area = 0;
};

// Within each class, each 8-connected component of at least min_area pixels is one instance
// (or the whole class mask, if whole_class). Classes appear in class-map order. More than
// config.max_instances is an Error naming `source` (the label map's file), raised before their
// masks are made.
std::vector<Instance> find_instances(const cv::Mat& labels, const std::vector<ClassInfo>& classes,
                                     const InstanceConfig& config, const std::filesystem::path& source = {});

}  // namespace sambench
