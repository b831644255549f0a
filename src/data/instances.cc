#include "sambench/data/instances.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "sambench/base/error.h"
#include "sambench/data/mask_box.h"

namespace sambench {

namespace {

// Counted before any mask is made: the masks, not the components, are what exhausts memory.
void check_instance_count(long long found, const InstanceConfig& config, const std::filesystem::path& source) {
  if (found <= config.max_instances) return;
  throw Error(source, "the label map has over " + std::to_string(config.max_instances) +
                          " instances (the limit; raise instances.max_instances if they are real)");
}

// The bounding box of every label value present in the map, found in one pass: what lets each
// class be labelled in its own box instead of a pass over the whole image per class.
using LabelBoxes = std::map<int, cv::Rect>;

void extend(LabelBoxes& boxes, int label, int x0, int x1, int y) {
  auto [it, added] = boxes.try_emplace(label, cv::Rect(x0, y, x1 - x0 + 1, 1));
  if (added) return;
  cv::Rect& b = it->second;
  int left = std::min(b.x, x0), right = std::max(b.x + b.width - 1, x1);
  b = cv::Rect(left, b.y, right - left + 1, y - b.y + 1);  // rows come in order: y is the lowest yet
}

// Rows of 8-bit labels go a word at a time: a word of zeros (background) is skipped, a word of one
// value extends that value's box once.
void add_row_u8(const unsigned char* row, int cols, int y, LabelBoxes& boxes) {
  int x = 0;
  for (; x + 8 <= cols; x += 8) {
    uint64_t w;
    std::memcpy(&w, row + x, 8);
    if (w == 0) continue;
    if (w == row[x] * 0x0101010101010101ULL) {
      extend(boxes, row[x], x, x + 7, y);
      continue;
    }
    for (int i = x; i < x + 8; ++i) {
      if (row[i]) extend(boxes, row[i], i, i, y);
    }
  }
  for (; x < cols; ++x) {
    if (row[x]) extend(boxes, row[x], x, x, y);
  }
}

template <class T>
void add_row(const T* row, int cols, int y, LabelBoxes& boxes) {
  for (int x = 0; x < cols;) {
    int start = x;
    while (x < cols && row[x] == row[start]) ++x;  // a run of one value
    if (row[start]) extend(boxes, static_cast<int>(row[start]), start, x - 1, y);
  }
}

LabelBoxes label_boxes(const cv::Mat& labels) {
  LabelBoxes boxes;
  for (int y = 0; y < labels.rows; ++y) {
    switch (labels.depth()) {
      case CV_8U: add_row_u8(labels.ptr<unsigned char>(y), labels.cols, y, boxes); break;
      case CV_16U: add_row(labels.ptr<uint16_t>(y), labels.cols, y, boxes); break;
      case CV_32S: add_row(labels.ptr<int32_t>(y), labels.cols, y, boxes); break;
      default: CV_Error(cv::Error::StsUnsupportedFormat, "find_instances: labels must be 8U, 16U or 32S");
    }
  }
  return boxes;
}

// One connected component of a class, in its class's box.
struct Component {
  cv::Rect box;  // in the box
  int area = 0;
  int label = 0;  // in the box's component map
  long long first = 0;  // its first 2x2 block of the image, in scan order
};

// OpenCV labels the components of a whole image in the order its block-based scan meets them:
// 2x2 blocks at even coordinates, row of blocks by row of blocks, left to right. An 8-connected
// component owns every foreground pixel of a block, so its first block is its place in that
// order. Sorting by it in the image's coordinates gives the instances of a class the numbers a
// pass over the whole image gave them, whatever the box's offset.
long long first_block(const cv::Mat& components, const Component& c, cv::Point offset, long long blocks_per_row) {
  const int block_row = (offset.y + c.box.y) / 2;
  int first_x = -1;
  for (int y = std::max(0, 2 * block_row - offset.y); y <= std::min(components.rows - 1, 2 * block_row + 1 - offset.y); ++y) {
    const int* row = components.ptr<int>(y);
    for (int x = c.box.x; x < c.box.x + c.box.width; ++x) {
      if (row[x] != c.label) continue;
      if (first_x < 0 || x < first_x) first_x = x;
      break;
    }
  }
  return block_row * blocks_per_row + (offset.x + first_x) / 2;
}

// The 8-connected components of `class_mask` (the class's box at `offset`), in the order a pass
// over the whole image numbers them.
std::vector<Component> components_of(const cv::Mat& class_mask, cv::Point offset, int image_cols,
                                     cv::Mat& components) {
  cv::Mat stats, centroids;
  int count = cv::connectedComponentsWithStats(class_mask, components, stats, centroids, 8, CV_32S);
  std::vector<Component> out(static_cast<size_t>(count - 1));
  for (int k = 1; k < count; ++k) {
    Component& c = out[k - 1];
    c.box = {stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP), stats.at<int>(k, cv::CC_STAT_WIDTH),
             stats.at<int>(k, cv::CC_STAT_HEIGHT)};
    c.area = stats.at<int>(k, cv::CC_STAT_AREA);
    c.label = k;
    c.first = first_block(components, c, offset, image_cols / 2 + 1);
  }
  std::sort(out.begin(), out.end(), [](const Component& a, const Component& b) { return a.first < b.first; });
  return out;
}

}  // namespace

std::vector<Instance> find_instances(const cv::Mat& labels, const std::vector<ClassInfo>& classes,
                                     const InstanceConfig& config, const std::filesystem::path& source) {
  LabelBoxes boxes = label_boxes(labels);
  for (const auto& cls : classes) {  // a class of label 0 (the pass skips it as background)
    if (cls.label != 0) continue;
    cv::Mat zero = labels == 0;
    if (cv::countNonZero(zero) > 0) boxes[0] = mask_box(zero);
  }
  std::vector<Instance> instances;
  long long counted = 0;
  for (const auto& cls : classes) {
    auto found = boxes.find(cls.label);
    if (found == boxes.end()) continue;
    const cv::Rect box = found->second;
    cv::Mat class_mask = labels(box) == cls.label;  // 0/255

    std::vector<Component> parts;
    cv::Mat components;
    if (config.whole_class) {
      parts.push_back({cv::Rect(0, 0, box.width, box.height), cv::countNonZero(class_mask), 255, 0});
      components = class_mask;
    } else {
      parts = components_of(class_mask, box.tl(), labels.cols, components);
    }

    for (const Component& part : parts) counted += part.area >= config.min_area;
    check_instance_count(counted, config, source);
    int index = 0;
    for (const Component& part : parts) {
      if (part.area < config.min_area) continue;
      Instance inst;
      inst.class_label = cls.label;
      inst.index = ++index;
      inst.area = part.area;
      inst.box = part.box + box.tl();
      inst.crop = (components(part.box) == part.label) / 255;
      instances.push_back(std::move(inst));
    }
  }
  return instances;
}

cv::Mat full_mask(const Instance& instance, cv::Size size) {
  cv::Mat full = cv::Mat::zeros(size, CV_8U);
  if (!instance.box.empty()) instance.crop.copyTo(full(instance.box));
  return full;
}

}  // namespace sambench
