#pragma once

// Where an instance's pixels are and the points derived from them: centre of mass, nearest and
// deepest pixel, tight box, the corrective click. Each takes either a whole-image mask or an
// Instance (its crop at its box), and both give the same result to the bit: the Instance forms
// never make an image-sized mask of the truth.

#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/data/instances.h"

namespace sambench {

// Point labels as SAM's prompt encoder understands them.
enum PointLabel { kPadding = -1, kNegative = 0, kPositive = 1, kBoxTopLeft = 2, kBoxBottomRight = 3 };

struct Box {
  cv::Point2d top_left, bottom_right;
};

// Centre of mass of the mask's pixels; the study's prompt. It can lie outside the object.
cv::Point2d centroid(const cv::Mat& mask);

// Whether the pixel that contains point p (rounded to the nearest pixel centre) is in the mask.
bool contains(const cv::Mat& mask, cv::Point2d p);

// The mask pixel nearest to p (Euclidean, between pixel centres); ties go to the first in raster
// order (lowest row, then lowest column). The mask must have a pixel.
cv::Point nearest_pixel(const cv::Mat& mask, cv::Point2d p);

// The mask pixel farthest from the outside: the maximum of the Euclidean distance transform,
// with the image border counted as outside. Ties go to the first in raster order.
cv::Point interior_point(const cv::Mat& mask);

// The tight box as SAM's batched_mask_to_box gives it: leftmost and rightmost columns, top and
// bottom rows of the mask's pixels.
Box tight_box(const cv::Mat& mask);

// The iterative mode's next click. The comment in mask_geometry.cc gives the rule.
struct Click {
  cv::Point2d point;
  int label = kPositive;
};
std::optional<Click> corrective_click(const cv::Mat& prediction, const cv::Mat& truth);
// The same click against an instance; `prediction` is image-sized.
std::optional<Click> corrective_click(const cv::Mat& prediction, const Instance& truth);

// The Instance forms of the functions above, in image coordinates.
cv::Point2d centroid(const Instance& instance);
bool contains(const Instance& instance, cv::Point2d p);
cv::Point nearest_pixel(const Instance& instance, cv::Point2d p);
cv::Point interior_point(const Instance& instance);
Box tight_box(const Instance& instance);

// The instance's pixels in raster order (lowest row, then lowest column).
std::vector<cv::Point> pixels_of(const Instance& instance);

// The pixels within `radius` of the instance but not in it (dilation by a (2 radius + 1)-px
// elliptic kernel), inside an image of `image_size`, in raster order.
std::vector<cv::Point> ring_pixels(const Instance& instance, int radius, cv::Size image_size);

}  // namespace sambench
