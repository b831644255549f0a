#pragma once

// Overlap counts of masks against the truth as tensor operations on the masks' device (CUDA
// or CPU), so that comparing a mask with the truth needs no full-size copy to the host: the
// oracle's choice, which compares each multimask output with the truth, and the rows' counts of
// the kept masks when nothing else needs them on the host (row_counts).

#include <vector>

#include <ATen/core/Tensor.h>

#include "sambench/base/timer.h"
#include "sambench/data/instances.h"
#include "sambench/metrics/metrics.h"
#include "sambench/model/device_decode.h"
#include "sambench/model/mask_tensors.h"
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

// What a sample's region rows and its field-of-view cut read, on the masks' device: made once
// per job, for all its policies.
struct DeviceSample {
  at::Tensor labels;  // the label map, [H, W] (uint16 as int16: compared for equality only)
  at::Tensor roi;     // bool [H, W], where the host cut keeps a pixel; undefined without a field of view
};
DeviceSample device_sample(const cv::Mat& labels, const cv::Mat& roi, const at::Device& device);

// The counts of one policy's kept masks ([size, size] low-res logits, one per instance, on
// their device) for the rows score() adds, in its order: each instance's row, then one region
// row per class of the instances in label order (the union of the class's kept masks against
// the whole class mask). Each mask is upscaled in the calls `call` makes, thresholded and cut
// to the field of view there, as the host path's masks are, so the counts are those overlap()
// takes of them; only the counts come back. The upscale and cut go to `times` as "upscale",
// the counting as "metrics".
std::vector<Overlap> row_counts(const std::vector<at::Tensor>& low_res, UpscaleCall call,
                                const ResizeTransform& transform, float threshold,
                                const std::vector<Instance>& instances, const DeviceSample& sample,
                                StageTimes& times);

}  // namespace sambench
