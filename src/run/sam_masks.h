#pragma once

// The kept masks from SAM: each image encoded once (or its embedding read from the disk cache),
// then every mode's prompts decoded on that embedding, one output kept per mask policy.

#include <optional>
#include <string>
#include <vector>

#include "run/mask_source.h"
#include "sambench/model/mask_tensors.h"

namespace sambench {

// An image as the decoder needs it.
struct Encoded {
  ResizeTransform transform;
  Embedding embedding;
};

// The last image's embedding: computed on the first mode that needs it and reused by the
// others, by iterative rounds, and by the next sample when that one has the same encoder input
// (adapters list an image once per target when targets overlap, a fundus image as its disc, then
// its cup, and encoding it again would give the same embedding at the encoder's full cost).
struct LastEmbedding {
  std::string sample;  // the sample it was last used for
  std::filesystem::path file;
  int slice = -1;
  std::vector<float> input;  // what was encoded (empty when the disk cache held it)
  std::optional<Encoded> encoded;
};

class SamMasks : public MaskSource {
 public:
  // The setup's model decodes; `times` gets the encode, cache and decode times (and the
  // oracle's full-resolution comparisons as "upscale").
  SamMasks(const RunSetup& setup, StageTimes& times);

  PolicyPredictions predict(const Mode& mode, const PreparedSample& sample,
                            const std::vector<Prompt>& prompts) override;
  PolicyPredictions refine(const PreparedSample& sample, const std::vector<Prompt>& prompts,
                           const std::vector<Prediction>& previous) override;
  // Upscales the kept masks (upscale_kept); an everything mode's come at full resolution.
  void finish(const Mode& mode, const PreparedSample& sample, PolicyPredictions& predictions,
              StageTimes& times) const override;
  // The rows' counts from the kept masks on the model's device (row_counts); an everything
  // mode's masks are on the host: nothing.
  std::optional<std::vector<std::vector<Overlap>>> device_counts(const Mode& mode, const PreparedSample& sample,
                                                                 const PolicyPredictions& predictions,
                                                                 StageTimes& times) const override;

  // Samples that took the previous sample's embedding (timings.json).
  long long encodes_reused() const { return encodes_reused_; }

 private:
  const Encoded& encoded_image(const PreparedSample& sample);
  Encoded encode(const PreparedSample& sample);
  PolicyPredictions decode(const Encoded& encoded, const std::vector<Prompt>& prompts,
                           const std::vector<Instance>& instances, const std::vector<Prediction>* previous);
  void decode_chunk(const Encoded& encoded, const std::vector<DecoderPrompt>& prompts,
                    const std::vector<Instance>& instances, const std::vector<Prediction>* previous,
                    size_t begin, size_t end, PolicyPredictions& out);
  Prediction choose(const DeviceDecode& decoded, int p, MaskPolicy policy, const ResizeTransform& transform,
                    const Instance& instance) const;
  void upscale_kept(const ResizeTransform& transform, PolicyPredictions& predictions, StageTimes& times) const;
  UpscaleCall upscale_call(size_t policy) const;
  void clamp_low_res(std::vector<float>& logits) const;
  std::vector<Prediction> generate(const AutomaticOptions& options, const Encoded& encoded,
                                   const std::vector<Instance>& instances);

  const RunSetup& setup_;
  const SamModel& model_;
  StageTimes& times_;
  // The low-res logits of the kept masks come to the host when saved or fed to an iterative round.
  const bool keep_logits_;
  LastEmbedding last_;
  long long encodes_reused_ = 0;
};

}  // namespace sambench
