#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/model/model_input.h"

namespace sambench {

// SamPredictor's ResizeLongestSide: the longest side becomes `target`, the other is rounded
// half up, and points scale by the same per-axis ratios.
struct ResizeTransform {
  int orig_h = 0, orig_w = 0;
  int new_h = 0, new_w = 0;
  int target = 1024;

  cv::Point2d apply(cv::Point2d p) const;
};

ResizeTransform longest_side_transform(int height, int width, int target);

// Bilinear resize of a uint8 image exactly as PIL's Image.resize(BILINEAR) does it: a triangle
// filter stretched by the scale factor (so it antialiases when downscaling), fixed-point
// weights with 22 fractional bits, horizontal pass then vertical, each rounded to uint8.
// cv::resize(INTER_LINEAR) does not antialias and gives different pixels.
cv::Mat pil_resize_bilinear(const cv::Mat& src, int new_w, int new_h);

// Names how make_model_input turns pixels into the model's input. Change it whenever that code
// changes, so that embeddings cached by the old code are not reused (embedding_cache.h).
inline constexpr const char* kPreprocessingVersion = "longest-side-pil-bilinear-normalize-pad/1";

// RGB uint8 → resized, normalized, zero-padded planar float tensor [3, target, target].
std::vector<float> make_model_input(const cv::Mat& rgb, const ResizeTransform& transform,
                                    const Normalization& norm);

}  // namespace sambench
