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
  cv::Mat crop;   // CV_8U, 1 inside, 0 outside, box.size(): the mask inside its box only, so that
                  // memory follows the objects' extent, not (image size x instance count)
  cv::Rect box;   // tight bounding box, in pixels of the image
  long long area = 0;
};

// The instance's mask at the image's `size`, for the few uses that need the whole image: made
// at the last moment, and dropped once used.
cv::Mat full_mask(const Instance& instance, cv::Size size);

// Within each class, each 8-connected component of at least min_area pixels is one instance
// (or the whole class mask, if whole_class). Classes appear in class-map order. More than
// config.max_instances is an Error naming `source` (the label map's file), raised before their
// masks are made.
std::vector<Instance> find_instances(const cv::Mat& labels, const std::vector<ClassInfo>& classes,
                                     const InstanceConfig& config, const std::filesystem::path& source = {});

}  // namespace sambench
