#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "sambench/model/preprocess.h"

namespace sambench {

// Logits back to the original H x W by the transform's upscale rule (model_profile.h), bilinear
// with align_corners=false: SamPredictor's postprocess_masks (size → target, crop to
// new_h x new_w, → H x W), or straight to H x W (of the probabilities for direct_sigmoid, turned
// back into logits). Returns CV_32F logits. One map alone, as SamPredictor upscales its
// single-mask output (multimask_output=False).
cv::Mat upscale_logits(const float* low_res, int size, const ResizeTransform& transform);

// Several maps of one image, as SamPredictor upscales its three multimask outputs: in calls of
// two or three channels. LibTorch's bilinear kernel gives every channel of a call of two or more
// the same bits, but takes another path for one channel, 4-5x slower and different in the last
// bits (measured with LibTorch 1.13); a lone map is therefore upscaled beside a copy of itself.
std::vector<cv::Mat> upscale_logits(const std::vector<const float*>& low_res, int size,
                                    const ResizeTransform& transform);

// The binary mask (CV_8U, 0/1) where logits > threshold.
cv::Mat threshold_logits(const cv::Mat& logits, float threshold);

}  // namespace sambench
