#pragma once

// SAM 2.1's image transform (resize_filter "torch_bilinear_aa"): torchvision's ToTensor, then
// Resize on the float image, which is F.interpolate(mode="bilinear", antialias=True,
// align_corners=False), then Normalize.

#include <vector>

#include <opencv2/core.hpp>

#include "sambench/model/model_input.h"

namespace sambench {

// RGB uint8 → planar float [3, new_h, new_w]: each value divided by `divisor` in float32 first
// (ToTensor's x / 255 for divisor 255; 1 keeps 0..255), then resized with LibTorch's antialiased
// bilinear kernel, the one F.interpolate(antialias=True) calls.
std::vector<float> torch_resize_bilinear_aa(const cv::Mat& rgb, int new_w, int new_h, float divisor);

// The model input [3, target, target] through that transform: pixels in 0..value_range (1: x / 255
// before resizing; 255: as they are), resized to new_h x new_w at the top left, (x - mean) / std
// per channel in float32 (Normalize), zero elsewhere.
std::vector<float> torch_model_input(const cv::Mat& rgb, int new_w, int new_h, int target, int value_range,
                                     const Normalization& norm);

}  // namespace sambench
