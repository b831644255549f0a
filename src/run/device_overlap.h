#pragma once

// Overlap counts of masks against the truth as tensor operations on the masks' device (CUDA
// or CPU), so that comparing a mask with the truth needs no full-size copy to the host; and the
// oracle's choice, which compares each multimask output with the truth.

#include <vector>

#include <ATen/core/Tensor.h>

#include "sambench/data/instances.h"
#include "sambench/metrics/metrics.h"
#include "sambench/model/device_decode.h"
#include "sambench/model/preprocess.h"

namespace sambench {

// The instance's truth as a bool [H, W] tensor of the image's size on `device`. The one place that
// knows how an Instance holds its mask.
at::Tensor truth_tensor(const Instance& instance, cv::Size image_size, const at::Device& device);

// |P|, |G| and |P ∩ G| of each bool [H, W] mask against the bool [H, W] truth, on their device;
// equal to overlap() of the same masks as cv::Mats. The counts come back in one copy.
std::vector<Overlap> overlap_counts(const std::vector<at::Tensor>& masks, const at::Tensor& truth);

// The multimask output (1..masks-1) of prompt p with the best IoU against the truth, each output
// upscaled, thresholded and counted on the logits' device (ties: the lowest index).
int oracle_choice(const DeviceDecode& decoded, int p, const ResizeTransform& transform, const at::Tensor& truth,
                  float threshold, EmptyRule rule);

}  // namespace sambench
