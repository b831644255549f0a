#include "sambench/data/instances.h"

#include <opencv2/imgproc.hpp>

#include "sambench/base/error.h"

namespace sambench {

namespace {

// Counted before any mask is made: the masks, not the components, are what exhausts memory.
void check_instance_count(long long found, const InstanceConfig& config, const std::filesystem::path& source) {
  if (found <= config.max_instances) return;
  throw Error(source, "the label map has over " + std::to_string(config.max_instances) +
                          " instances (the limit; raise instances.max_instances if they are real)");
}

}  // namespace

std::vector<Instance> find_instances(const cv::Mat& labels, const std::vector<ClassInfo>& classes,
                                     const InstanceConfig& config, const std::filesystem::path& source) {
  std::vector<Instance> instances;
  long long found = 0;
  for (const auto& cls : classes) {
    cv::Mat class_mask = labels == cls.label;  // 0/255
    if (cv::countNonZero(class_mask) == 0) continue;

    cv::Mat components, stats, centroids;
    int count = 1;
    if (config.whole_class) {
      components = class_mask / 255;
      components.convertTo(components, CV_32S);
      cv::Rect box = cv::boundingRect(class_mask);
      stats = (cv::Mat_<int>(2, 5) << 0, 0, 0, 0, 0, box.x, box.y, box.width, box.height,
               cv::countNonZero(class_mask));
      count = 2;
    } else {
      count = cv::connectedComponentsWithStats(class_mask, components, stats, centroids, 8, CV_32S);
    }

    for (int k = 1; k < count; ++k) found += stats.at<int>(k, cv::CC_STAT_AREA) >= config.min_area;
    check_instance_count(found, config, source);
    int index = 0;
    for (int k = 1; k < count; ++k) {
      int area = stats.at<int>(k, cv::CC_STAT_AREA);
      if (area < config.min_area) continue;
      Instance inst;
      inst.class_label = cls.label;
      inst.index = ++index;
      inst.area = area;
      inst.box = {stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                  stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT)};
      inst.mask = (components == k) / 255;
      instances.push_back(std::move(inst));
    }
  }
  return instances;
}

}  // namespace sambench
