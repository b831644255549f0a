#include "sambench/model/postprocess.h"

#include <cstring>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "sambench/model/mask_tensors.h"

namespace sambench {

// The host forms of mask_tensors.h's operations: the maps are wrapped as CPU tensors, so a host
// caller gets the device path's bits.

namespace {

cv::Mat to_mat(const at::Tensor& map) {
  cv::Mat out(static_cast<int>(map.size(0)), static_cast<int>(map.size(1)), CV_32F);
  std::memcpy(out.data, map.contiguous().data_ptr<float>(), sizeof(float) * out.total());
  return out;
}

}  // namespace

cv::Mat upscale_logits(const float* low_res, int size, const ResizeTransform& t) {
  c10::InferenceMode guard;
  at::Tensor x = at::from_blob(const_cast<float*>(low_res), {1, size, size}, at::kFloat);
  return to_mat(upscale_maps(x, t, UpscaleCall::kAlone)[0]);
}

std::vector<cv::Mat> upscale_logits(const std::vector<const float*>& low_res, int size, const ResizeTransform& t) {
  if (low_res.empty()) return {};
  c10::InferenceMode guard;
  const size_t plane = static_cast<size_t>(size) * size;
  at::Tensor x = at::empty({static_cast<int64_t>(low_res.size()), size, size}, at::kFloat);
  for (size_t i = 0; i < low_res.size(); ++i) {
    std::memcpy(x.data_ptr<float>() + i * plane, low_res[i], sizeof(float) * plane);
  }
  std::vector<cv::Mat> out;
  for (const at::Tensor& map : upscale_maps(x, t, UpscaleCall::kGrouped)) out.push_back(to_mat(map));
  return out;
}

cv::Mat threshold_logits(const cv::Mat& logits, float threshold) {
  CV_Assert(logits.type() == CV_32F);
  const cv::Mat continuous = logits.isContinuous() ? logits : logits.clone();
  c10::InferenceMode guard;
  return host_mask(at::from_blob(continuous.data, {continuous.rows, continuous.cols}, at::kFloat), threshold);
}

}  // namespace sambench
