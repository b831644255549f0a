#pragma once

#include <opencv2/core.hpp>

#include "sambench/preprocess.h"

namespace sambench {

// SamPredictor's postprocess_masks: bilinear (align_corners=false) from size x size to
// target x target, crop to new_h x new_w, bilinear to the original H x W. Returns CV_32F logits.
cv::Mat upscale_logits(const float* low_res, int size, const ResizeTransform& transform);

// The binary mask (CV_8U, 0/1) where logits > threshold.
cv::Mat threshold_logits(const cv::Mat& logits, float threshold);

}  // namespace sambench
