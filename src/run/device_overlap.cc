#include "run/device_overlap.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "sambench/model/mask_policy.h"
#include "sambench/model/mask_tensors.h"

namespace sambench {

at::Tensor truth_tensor(const Instance& instance, cv::Size image_size, const at::Device& device) {
  CV_Assert(instance.mask.type() == CV_8U && instance.mask.size() == image_size);
  c10::InferenceMode guard;
  const cv::Mat mask = instance.mask.isContinuous() ? instance.mask : instance.mask.clone();
  // Any non-zero pixel is foreground, as for overlap(); the comparison also copies the pixels
  // out of the cv::Mat, which may be freed before the tensor.
  return at::ne(at::from_blob(mask.data, {mask.rows, mask.cols}, at::kByte).to(device), 0);
}

std::vector<Overlap> overlap_counts(const std::vector<at::Tensor>& masks, const at::Tensor& truth) {
  if (masks.empty()) return {};
  c10::InferenceMode guard;
  std::vector<at::Tensor> sums = {truth.sum()};
  for (const at::Tensor& mask : masks) {
    sums.push_back(mask.sum());
    sums.push_back(at::logical_and(mask, truth).sum());
  }
  const at::Tensor host = at::stack(sums).to(at::kCPU, at::kLong);
  const int64_t* counts = host.data_ptr<int64_t>();
  std::vector<Overlap> out(masks.size());
  for (size_t i = 0; i < masks.size(); ++i) {
    out[i].truth = counts[0];
    out[i].prediction = counts[1 + 2 * i];
    out[i].intersection = counts[2 + 2 * i];
  }
  return out;
}

int oracle_choice(const DeviceDecode& decoded, int p, const ResizeTransform& transform, const at::Tensor& truth,
                  float threshold, EmptyRule rule) {
  c10::InferenceMode guard;
  const at::Tensor outputs = decoded.logits[p].narrow(0, 1, decoded.masks - 1);
  std::vector<at::Tensor> masks;
  for (const at::Tensor& logits : upscale_maps(outputs, transform, UpscaleCall::kGrouped)) {
    masks.push_back(threshold_maps(logits, threshold));
  }
  const std::vector<Overlap> counts = overlap_counts(masks, truth);
  std::vector<float> ious(decoded.masks, -1.0f);
  for (int k = 1; k < decoded.masks; ++k) ious[k] = static_cast<float>(iou(counts[k - 1], rule));
  return choose_mask(ious.data(), decoded.masks, MaskPolicy::kOracle);
}

}  // namespace sambench
