#pragma once

#include <array>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/model/model_input.h"
#include "sambench/model/model_profile.h"

namespace sambench {

// How one image maps into the model's square input frame and back, as its profile says: the
// resized part is new_h x new_w at the top left of target x target.
struct ResizeTransform {
  int orig_h = 0, orig_w = 0;
  int new_h = 0, new_w = 0;
  int target = 1024;
  ResizeRule rule = ResizeRule::kLongestSide;
  UpscaleRule upscale = UpscaleRule::kViaInput;  // how logits return to orig_h x orig_w (postprocess.h)
  // Whether apply() computes the square map in float32 (SAM 2.1's SAM2Transforms works on float32
  // tensors) rather than float64 (SamPredictor's and MedSAM's numpy arithmetic).
  bool float32_points = false;

  // A point of the original image in the model's frame, with its official code's arithmetic.
  cv::Point2d apply(cv::Point2d p) const;
};

// SamPredictor's ResizeLongestSide: the longest side becomes `target`, the other is rounded
// half up, and points scale by the same per-axis ratios.
ResizeTransform longest_side_transform(int height, int width, int target);

// Both sides become `target`, aspect ignored (MedSAM, SAM 2.1); a point (x, y) maps to
// (x / width * target, y / height * target), the official code's arithmetic.
ResizeTransform square_transform(int height, int width, int target);

// The transform the profile asks for: its resize and upscale rules, to its input_size. The float
// path (resize_filter "torch_bilinear_aa", SAM 2.1) maps points in float32, as its transforms do.
ResizeTransform model_transform(const ModelProfile& profile, int height, int width);

// Throws Error naming the field when the profile asks for a step sambench does not apply yet
// (SAM 2.1's resize_filter "torch_bilinear_aa" and value_range 1): a run checks this before
// it starts, so that it never evaluates a model through another model's pipeline.
void check_profile_supported(const ModelProfile& profile);

// Bilinear resize of a uint8 image exactly as PIL's Image.resize(BILINEAR) does it: a triangle
// filter stretched by the scale factor (so it antialiases when downscaling), fixed-point
// weights with 22 fractional bits, horizontal pass then vertical, each rounded to uint8.
// cv::resize(INTER_LINEAR) does not antialias and gives different pixels.
cv::Mat pil_resize_bilinear(const cv::Mat& src, int new_w, int new_h);

// Names how make_model_input turns pixels into the model's input. Change it whenever that code
// changes, so that embeddings cached by the old code are not reused (embedding_cache.h).
inline constexpr const char* kPreprocessingVersion = "model-profile/2";

// The preprocessing of a profile, for cache keys: kPreprocessingVersion and every profile field
// that shapes the model's input, so that an embedding made through one profile's preprocessing
// is never taken for another's.
std::string preprocessing_key(const ModelProfile& profile);

// RGB uint8 → resized (profile.resize_filter), scaled (profile.normalization with `norm` for
// mean_std), zero-padded planar float tensor [3, target, target].
std::vector<float> make_model_input(const cv::Mat& rgb, const ResizeTransform& transform,
                                    const ModelProfile& profile, const Normalization& norm);

}  // namespace sambench
