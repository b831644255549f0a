#pragma once

// A stand-in for the model (sambench bench --model none): each object's mask is its ground truth
// shifted by a few pixels, sampled into the model's low-resolution frame as logits and upscaled
// and thresholded as SAM's kept masks are. The harness's own stages then run on smooth,
// object-like masks at the dataset's full resolution, with no model time: what bench measures
// is what the harness alone sustains.

#include "run/mask_source.h"

namespace sambench {

// The model description a stand-in run records: SAM's frame sizes and normalization, path
// "none", no weights.
ModelInfo stand_in_model_info();

class StandInMasks : public MaskSource {
 public:
  // `times` gets the "decode" time (making the low-res logits).
  StandInMasks(const RunSetup& setup, StageTimes& times);

  PolicyPredictions predict(const Mode& mode, const PreparedSample& sample,
                            const std::vector<Prompt>& prompts) override;
  PolicyPredictions refine(const PreparedSample& sample, const std::vector<Prompt>& prompts,
                           const std::vector<Prediction>& previous) override;
  // Upscales and thresholds the logits as SamPredictor upscales its multimask outputs.
  void finish(const Mode& mode, const PreparedSample& sample, PolicyPredictions& predictions,
              StageTimes& times) const override;
  // The same masks counted as tensors (row_counts), without the host masks.
  std::optional<std::vector<std::vector<Overlap>>> device_counts(const Mode& mode, const PreparedSample& sample,
                                                                 const PolicyPredictions& predictions,
                                                                 StageTimes& times) const override;

  // The shift, in pixels of the image, from the truth to the stand-in's mask.
  static constexpr int kShiftX = 4, kShiftY = 3;

 private:
  PolicyPredictions shifted_truth(const PreparedSample& sample);

  const RunSetup& setup_;
  StageTimes& times_;
};

}  // namespace sambench
