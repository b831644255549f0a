#include "run/stand_in_masks.h"

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "run/device_overlap.h"
#include "sambench/model/mask_tensors.h"

namespace sambench {

namespace {

// The low-res logits of the instance shifted by (kShiftX, kShiftY): each low-res pixel takes the
// instance's pixel under its centre (+8 inside, -8 outside and on the padding), as a decoder's
// logits would mark it. Only the rows and columns of its box are looked up in its crop.
std::vector<float> low_res_logits(const Instance& instance, const ResizeTransform& transform, int size) {
  const cv::Mat& crop = instance.crop;
  const cv::Rect& box = instance.box;
  std::vector<float> logits(static_cast<size_t>(size) * size, -8.0f);
  const double frame_per_low_res = static_cast<double>(transform.target) / size;
  const double scale = static_cast<double>(transform.new_w) / transform.orig_w;
  for (int i = 0; i < size; ++i) {
    double v = (i + 0.5) * frame_per_low_res;  // in the model's input frame
    if (v >= transform.new_h) break;
    int y = static_cast<int>(std::floor(v / scale)) - StandInMasks::kShiftY - box.y;
    if (y < 0 || y >= crop.rows) continue;
    const unsigned char* row = crop.ptr<unsigned char>(y);
    for (int j = 0; j < size; ++j) {
      double u = (j + 0.5) * frame_per_low_res;
      if (u >= transform.new_w) break;
      int x = static_cast<int>(std::floor(u / scale)) - StandInMasks::kShiftX - box.x;
      if (x >= 0 && x < crop.cols && row[x]) logits[static_cast<size_t>(i) * size + j] = 8.0f;
    }
  }
  return logits;
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

// One prediction per object, the same for every mask policy, as low-res logits (finish
// upscales them), in CPU tensors as SamMasks' are on a CPU.
PolicyPredictions StandInMasks::shifted_truth(const PreparedSample& sample) {
  const ModelInfo& info = setup_.model_info();
  auto t = times_.time("decode");
  c10::InferenceMode guard;
  std::vector<Prediction> kept(sample.instances.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    std::vector<float> logits = low_res_logits(sample.instances[i], sample.transform, info.low_res_size);
    kept[i].low_res = at::from_blob(logits.data(), {info.low_res_size, info.low_res_size}, at::kFloat).clone();
    kept[i].score = 1.0f;
  }
  return PolicyPredictions(setup_.settings.policies.size(), kept);
}

// Every policy holds the same logits: they are upscaled once, and the policies share the masks.
void StandInMasks::finish(const Mode&, const PreparedSample& sample, PolicyPredictions& predictions,
                          StageTimes& times) const {
  if (predictions.empty() || predictions.front().empty()) return;
  const ModelInfo& info = setup_.model_info();
  auto t = times.time("upscale");
  std::vector<at::Tensor> maps;
  for (const auto& p : predictions.front()) maps.push_back(p.low_res);
  const std::vector<cv::Mat> masks = host_masks(maps, sample.transform, UpscaleCall::kGrouped, info.mask_threshold);
  times.count("host_masks", static_cast<long long>(masks.size()));
  for (auto& kept : predictions) {
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i].mask = masks[i];
      kept[i].low_res = at::Tensor();
    }
  }
}

// The policies share their masks, and so their counts.
std::optional<std::vector<std::vector<Overlap>>> StandInMasks::device_counts(const Mode&,
                                                                             const PreparedSample& sample,
                                                                             const PolicyPredictions& predictions,
                                                                             StageTimes& times) const {
  if (predictions.empty()) return std::vector<std::vector<Overlap>>{};
  const ModelInfo& info = setup_.model_info();
  DeviceSample truth;
  {
    auto t = times.time("metrics");
    truth = device_sample(sample.sample.labels, sample.sample.roi, at::kCPU);
  }
  std::vector<at::Tensor> maps;
  for (const auto& p : predictions.front()) maps.push_back(p.low_res);
  const std::vector<Overlap> counts =
      row_counts(maps, UpscaleCall::kGrouped, sample.transform, info.mask_threshold, sample.instances, truth, times);
  return std::vector<std::vector<Overlap>>(predictions.size(), counts);
}

}  // namespace sambench
