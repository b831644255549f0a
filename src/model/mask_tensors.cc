#include "sambench/model/mask_tensors.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

namespace sambench {

// [B, C, size, size] → [B, C, H, W] with the same steps and interpolation as the model's official
// code, so masks match it pixel for pixel: SamPredictor's postprocess_masks (via the input
// frame), a plain resize (SAM 2.1), or MedSAM_Inference.py's resize of the probabilities, whose
// threshold 0.5 is the logit's 0 (interpolating probabilities and logits differ at mask edges).
at::Tensor upscale_to_image(const at::Tensor& low_res, const ResizeTransform& t) {
  const std::vector<int64_t> image_size = {t.orig_h, t.orig_w};
  switch (t.upscale) {
    case UpscaleRule::kDirect:
      return at::upsample_bilinear2d(low_res, image_size, /*align_corners=*/false).contiguous();
    case UpscaleRule::kDirectSigmoid:
      return at::logit(at::upsample_bilinear2d(at::sigmoid(low_res), image_size, /*align_corners=*/false))
          .contiguous();
    case UpscaleRule::kViaInput:
      break;
  }
  at::Tensor x = at::upsample_bilinear2d(low_res, {t.target, t.target}, /*align_corners=*/false);
  x = x.slice(2, 0, t.new_h).slice(3, 0, t.new_w);
  return at::upsample_bilinear2d(x, image_size, /*align_corners=*/false).contiguous();
}

std::vector<at::Tensor> upscale_maps(const at::Tensor& maps, const ResizeTransform& t, UpscaleCall call) {
  c10::InferenceMode guard;  // no autograd bookkeeping, like SamPredictor under torch.no_grad
  // SamPredictor's multimask call holds three maps; wider calls cost more per map.
  const int64_t group = call == UpscaleCall::kAlone ? 1 : kGroupedCallMaps;
  const int64_t n = maps.size(0);
  std::vector<at::Tensor> out;
  for (int64_t begin = 0; begin < n; begin += group) {
    const int64_t count = std::min(group, n - begin);
    at::Tensor x = maps.narrow(0, begin, count);
    if (call == UpscaleCall::kGrouped && count == 1) x = at::cat({x, x});
    const at::Tensor up = upscale_to_image(x.to(at::kFloat).unsqueeze(0).contiguous(), t);
    for (int64_t c = 0; c < count; ++c) out.push_back(up[0][c]);
  }
  return out;
}

std::vector<cv::Mat> host_masks(const std::vector<at::Tensor>& maps, const ResizeTransform& t, UpscaleCall call,
                                float threshold) {
  c10::InferenceMode guard;
  const size_t group = call == UpscaleCall::kAlone ? 1 : kGroupedCallMaps;
  std::vector<cv::Mat> out;
  for (size_t begin = 0; begin < maps.size(); begin += group) {
    const size_t end = std::min(maps.size(), begin + group);
    const at::Tensor low_res = at::stack(std::vector<at::Tensor>(maps.begin() + begin, maps.begin() + end));
    for (const at::Tensor& logits : upscale_maps(low_res, t, call)) out.push_back(host_mask(logits, threshold));
  }
  return out;
}

at::Tensor threshold_maps(const at::Tensor& logits, float threshold) {
  c10::InferenceMode guard;
  return at::gt(logits, threshold);
}

cv::Mat host_mask(const at::Tensor& logits, float threshold) {
  c10::InferenceMode guard;
  cv::Mat mask(static_cast<int>(logits.size(0)), static_cast<int>(logits.size(1)), CV_8U);
  // A bool is one byte, 0 or 1: the cv::Mat's own memory holds the result.
  at::Tensor out = at::from_blob(mask.data, {mask.rows, mask.cols}, at::kBool);
  if (logits.is_cpu()) {
    at::gt_out(out, logits, threshold);
  } else {
    out.copy_(threshold_maps(logits, threshold));
  }
  return mask;
}

}  // namespace sambench
