#pragma once

// The decoder's masks as tensors on the model's device, and the steps after the decoder as
// tensor operations there: upscale, threshold, and the copy of a kept mask to the host. On CUDA
// the masks stay on the GPU until a cv::Mat is asked for; on a CPU the same operations run on
// CPU tensors, and the host functions of postprocess.h are these operations too.

#include <vector>

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include "sambench/model/device_decode.h"
#include "sambench/model/preprocess.h"

namespace sambench {

// How maps go through LibTorch's bilinear kernel: SamPredictor upscales its single-mask output
// alone and its multimask outputs in calls of three. A call of one channel takes another kernel
// than a call of two or more (different in the last bits), so a lone map of a grouped call is
// upscaled beside a copy of itself; every map of a grouped call then has the same bits whatever
// its companions.
enum class UpscaleCall { kAlone, kGrouped };
constexpr int64_t kGroupedCallMaps = 3;

// Logits [B, C, size, size] to [B, C, H, W] by the transform's upscale rule (postprocess.h): the
// one upscale of eval (through upscale_maps) and of finetune's loss, so a model is trained on the
// logits it is scored on. Differentiable: the caller decides whether autograd records it.
at::Tensor upscale_to_image(const at::Tensor& low_res, const ResizeTransform& transform);

// maps: [N, size, size] low-res logits on any device → N logit maps [H, W] (orig_h x orig_w) on
// the same device, by the transform's upscale rule (postprocess.h). A grouped call's maps are
// views of one [1, C, H, W] tensor.
std::vector<at::Tensor> upscale_maps(const at::Tensor& maps, const ResizeTransform& transform, UpscaleCall call);

// The kept masks on the host (host_mask) from their [size, size] low-res logits on any device,
// upscaled in the calls `call` makes and thresholded call by call, so that at most one call's
// full-size logits exist at a time.
std::vector<cv::Mat> host_masks(const std::vector<at::Tensor>& maps, const ResizeTransform& transform,
                                UpscaleCall call, float threshold);

// logits > threshold, as a bool tensor on the logits' device.
at::Tensor threshold_maps(const at::Tensor& logits, float threshold);

// The binary mask (CV_8U, 0/1) where the [H, W] logits > threshold, on the host: on a CPU the
// comparison writes straight into the cv::Mat, on a GPU it runs there and only the 1-byte mask is
// copied back.
cv::Mat host_mask(const at::Tensor& logits, float threshold);

}  // namespace sambench
