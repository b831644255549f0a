#include "run/stand_in_masks.h"

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "sambench/model/mask_tensors.h"

namespace sambench {

namespace {

// The low-res logits of `mask` shifted by (kShiftX, kShiftY): each low-res pixel takes the mask
// pixel under its centre (+8 inside, -8 outside and on the padding), as a decoder's logits
// would mark it.
at::Tensor low_res_logits(const cv::Mat& mask, const ResizeTransform& transform, int size) {
  at::Tensor tensor = at::full({size, size}, -8.0f, at::kFloat);
  float* logits = tensor.data_ptr<float>();
  const double frame_per_low_res = static_cast<double>(transform.target) / size;
  const double scale = static_cast<double>(transform.new_w) / transform.orig_w;
  for (int i = 0; i < size; ++i) {
    double v = (i + 0.5) * frame_per_low_res;  // in the model's input frame
    if (v >= transform.new_h) break;
    int y = static_cast<int>(std::floor(v / scale)) - StandInMasks::kShiftY;
    if (y < 0 || y >= mask.rows) continue;
    const unsigned char* row = mask.ptr<unsigned char>(y);
    for (int j = 0; j < size; ++j) {
      double u = (j + 0.5) * frame_per_low_res;
      if (u >= transform.new_w) break;
      int x = static_cast<int>(std::floor(u / scale)) - StandInMasks::kShiftX;
      if (x >= 0 && x < mask.cols && row[x]) logits[static_cast<size_t>(i) * size + j] = 8.0f;
    }
  }
  return tensor;
}

}  // namespace

ModelInfo stand_in_model_info() {
  ModelInfo info;
  info.path = "none";
  info.sha256 = "none";
  info.model_type = "stand-in: the truth shifted by (" + std::to_string(StandInMasks::kShiftX) + ", " +
                    std::to_string(StandInMasks::kShiftY) + ") px";
  info.device = "cpu";
  info.metadata = {{"stand_in", "no model: each object's mask is its ground truth shifted by a few pixels"}};
  info.normalization = {{123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}};  // SAM's pixel mean and std
  return info;
}

StandInMasks::StandInMasks(const RunSetup& setup, StageTimes& times) : setup_(setup), times_(times) {}

PolicyPredictions StandInMasks::predict(const Mode&, const PreparedSample& sample, const std::vector<Prompt>&) {
  return shifted_truth(sample);
}

PolicyPredictions StandInMasks::refine(const PreparedSample& sample, const std::vector<Prompt>&,
                                       const std::vector<Prediction>&) {
  return shifted_truth(sample);
}

// One prediction per object, the same for every mask policy; upscaled and thresholded as
// SamMasks does SamPredictor's multimask outputs (mask_tensors.h), on CPU tensors.
PolicyPredictions StandInMasks::shifted_truth(const PreparedSample& sample) {
  const ModelInfo& info = setup_.model_info();
  c10::InferenceMode guard;
  std::vector<at::Tensor> logits;
  {
    auto t = times_.time("decode");
    for (const Instance& inst : sample.instances) {
      logits.push_back(low_res_logits(inst.mask, sample.transform, info.low_res_size));
    }
  }
  std::vector<Prediction> kept(sample.instances.size());
  {
    auto t = times_.time("upscale");
    std::vector<cv::Mat> masks = host_masks(logits, sample.transform, UpscaleCall::kGrouped, info.mask_threshold);
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i].mask = std::move(masks[i]);
      kept[i].score = 1.0f;
    }
  }
  return PolicyPredictions(setup_.settings.policies.size(), kept);
}

}  // namespace sambench
