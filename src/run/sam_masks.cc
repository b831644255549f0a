#include "run/sam_masks.h"

#include <algorithm>

#include "sambench/model/postprocess.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {

namespace {

// Iterative modes feed the kept mask's low-res logits into the next round.
bool any_iterative(const std::vector<Mode>& modes) {
  return std::any_of(modes.begin(), modes.end(), [](const Mode& m) { return m.rounds > 0; });
}

// The oracle's choice needs each multimask output at full resolution against the truth.
int oracle_choice(const DecodeOutput& decoded, int p, const ResizeTransform& transform,
                  const cv::Mat& truth, float threshold, EmptyRule rule) {
  std::vector<const float*> outputs;
  for (int k = 1; k < decoded.masks; ++k) outputs.push_back(decoded.mask_logits(p, k));
  std::vector<cv::Mat> logits = upscale_logits(outputs, decoded.size, transform);
  std::vector<float> ious(decoded.masks, -1.0f);
  for (int k = 1; k < decoded.masks; ++k) {
    ious[k] = static_cast<float>(iou(overlap(threshold_logits(logits[k - 1], threshold), truth), rule));
  }
  return choose_mask(ious.data(), decoded.masks, MaskPolicy::kOracle);
}

// The same file and slice after the same preprocessing; the inputs are compared too, so an
// adapter that draws two different images from one file never shares an embedding.
bool same_input(const LastEmbedding& last, const PreparedSample& prepared) {
  const SampleRef& ref = prepared.ref;
  return last.file == ref.image && last.slice == ref.slice && !prepared.input.empty() &&
         last.input == prepared.input && last.encoded->transform.orig_h == prepared.transform.orig_h &&
         last.encoded->transform.orig_w == prepared.transform.orig_w;
}

}  // namespace

SamMasks::SamMasks(const RunSetup& setup, StageTimes& times)
    : setup_(setup),
      model_(*setup.model),
      times_(times),
      keep_logits_(setup.config.run.save_logits || any_iterative(setup.settings.modes)) {}

PolicyPredictions SamMasks::predict(const Mode& mode, const PreparedSample& sample,
                                    const std::vector<Prompt>& prompts) {
  const Encoded& encoded = encoded_image(sample);
  if (mode.everything) return PolicyPredictions{generate(*mode.everything, encoded, sample.instances)};
  return decode(encoded, prompts, sample.instances, nullptr);
}

PolicyPredictions SamMasks::refine(const PreparedSample& sample, const std::vector<Prompt>& prompts,
                                   const std::vector<Prediction>& previous) {
  return decode(encoded_image(sample), prompts, sample.instances, &previous);
}

void SamMasks::finish(const Mode& mode, const PreparedSample& sample, PolicyPredictions& predictions,
                      StageTimes& times) const {
  if (mode.everything) return;
  upscale_kept(sample.transform, predictions, times);
}

const Encoded& SamMasks::encoded_image(const PreparedSample& sample) {
  const SampleRef& ref = sample.ref;
  if (last_.encoded && last_.sample == ref.id) return *last_.encoded;
  if (last_.encoded && same_input(last_, sample)) {
    ++encodes_reused_;
  } else {
    last_.encoded.reset();
    last_.encoded = encode(sample);
    last_.file = ref.image;
    last_.slice = ref.slice;
    last_.input = sample.input;
  }
  last_.sample = ref.id;
  return *last_.encoded;
}

// From the embedding disk cache when it holds the image (checked while preparing), else encoded
// (in a batch by SampleFeed, or now) from the prepared input and stored there.
Encoded SamMasks::encode(const PreparedSample& sample) {
  if (sample.embedding_from_disk) {
    auto t = times_.time("cache");
    return {sample.transform, model_.embedding_from_values(*sample.embedding_from_disk)};
  }
  Encoded encoded{sample.transform, [&] {
                    if (sample.embedding) return *sample.embedding;
                    auto t = times_.time("encode");
                    return model_.encode(sample.input);
                  }()};
  if (setup_.embedding_disk_cache) {
    auto t = times_.time("cache");
    setup_.embedding_disk_cache->store(sample.cache_key, embedding_values(encoded.embedding));
  }
  return encoded;
}

// One prediction per prompt, at low resolution (finish upscales it); `previous` (iterative
// rounds) feeds each prompt's last low-res logits back as SAM's mask input. A decoder batch holds prompts with equal point counts:
// padding them to one length would change SAM's output, since padding points take part in
// attention.
PolicyPredictions SamMasks::decode(const Encoded& encoded, const std::vector<Prompt>& prompts,
                                   const std::vector<Instance>& instances,
                                   const std::vector<Prediction>* previous) {
  std::vector<DecoderPrompt> decoder_prompts;
  for (const auto& p : prompts) decoder_prompts.push_back(to_decoder_prompt(p, encoded.transform, model_.info().profile));
  PolicyPredictions predictions;
  const size_t batch = static_cast<size_t>(setup_.config.run.decode_batch);
  for (size_t begin = 0; begin < decoder_prompts.size();) {
    size_t end = begin + 1;
    while (end < decoder_prompts.size() && end - begin < batch &&
           decoder_prompts[end].size() == decoder_prompts[begin].size()) {
      ++end;
    }
    decode_chunk(encoded, decoder_prompts, instances, previous, begin, end, predictions);
    begin = end;
  }
  return predictions;
}

// Decodes prompts [begin, end) of one image in a single call, choosing one output per policy.
void SamMasks::decode_chunk(const Encoded& encoded, const std::vector<DecoderPrompt>& prompts,
                            const std::vector<Instance>& instances, const std::vector<Prediction>* previous,
                            size_t begin, size_t end, PolicyPredictions& out) {
  std::vector<DecoderPrompt> batch(prompts.begin() + begin, prompts.begin() + end);
  std::vector<float> mask_input;
  for (size_t i = begin; previous && i < end; ++i) {
    const auto& logits = (*previous)[i].logits;
    mask_input.insert(mask_input.end(), logits.begin(), logits.end());
  }
  DecodeOutput decoded;
  {
    auto t = times_.time("decode");
    decoded = model_.decode(encoded.embedding, batch, mask_input);
  }
  auto t = times_.time("upscale");  // the oracle's full-resolution comparisons
  out.resize(setup_.settings.policies.size());
  for (size_t k = 0; k < setup_.settings.policies.size(); ++k) {
    for (int p = 0; p < decoded.batch; ++p) {
      out[k].push_back(choose(decoded, p, setup_.settings.policies[k], encoded.transform, instances[begin + p]));
    }
  }
}

// The output a policy keeps for prompt p, still at low resolution (upscale_kept finishes it).
Prediction SamMasks::choose(const DecodeOutput& decoded, int p, MaskPolicy policy, const ResizeTransform& transform,
                            const Instance& instance) const {
  Prediction pred;
  pred.mask_index = policy == MaskPolicy::kOracle
                        ? oracle_choice(decoded, p, transform, instance.mask, model_.info().mask_threshold,
                                        setup_.settings.empty_rule)
                        : choose_mask(&decoded.iou[p * decoded.masks], decoded.masks, policy);
  pred.score = decoded.score(p, pred.mask_index);
  const float* logits = decoded.mask_logits(p, pred.mask_index);
  pred.logits.assign(logits, logits + decoded.size * decoded.size);
  pred.logits_size = decoded.size;
  return pred;
}

// The low-res logits as the model's predictor returns them: the mask comes from the unbounded
// ones, the next round's mask input and the saved logits from these.
void SamMasks::clamp_low_res(std::vector<float>& logits) const {
  const float bound = model_.info().low_res_logit_bound;
  if (bound <= 0) return;
  for (float& v : logits) v = std::clamp(v, -bound, bound);
}

// Only the kept masks reach full resolution, in the calls SamPredictor would make: the multimask
// outputs of the image together, the single-mask output alone. The low-res logits are dropped
// unless they are saved or feed an iterative round.
void SamMasks::upscale_kept(const ResizeTransform& transform, PolicyPredictions& predictions,
                            StageTimes& times) const {
  auto t = times.time("upscale");
  const float threshold = model_.info().mask_threshold;
  for (size_t k = 0; k < predictions.size(); ++k) {
    std::vector<Prediction>& kept = predictions[k];
    std::vector<cv::Mat> logits;
    if (setup_.settings.policies[k] == MaskPolicy::kSingle) {
      for (const auto& p : kept) logits.push_back(upscale_logits(p.logits.data(), p.logits_size, transform));
    } else {
      std::vector<const float*> maps;
      for (const auto& p : kept) maps.push_back(p.logits.data());
      if (!kept.empty()) logits = upscale_logits(maps, kept.front().logits_size, transform);
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i].mask = threshold_logits(logits[i], threshold);
      if (!keep_logits_) {
        kept[i].logits = {};
        kept[i].logits_size = 0;
      }
      clamp_low_res(kept[i].logits);
    }
  }
}

// Everything mode: SAM segments the whole image from a grid of points; each ground-truth
// instance is then scored against the generated mask that overlaps it best (an empty mask when
// none does).
std::vector<Prediction> SamMasks::generate(const AutomaticOptions& options, const Encoded& encoded,
                                           const std::vector<Instance>& instances) {
  std::vector<GeneratedMask> masks;
  {
    auto t = times_.time("decode");
    masks = generate_masks(model_, encoded.embedding, encoded.transform, options);
  }
  auto t = times_.time("metrics");
  std::vector<Prediction> predictions;
  std::vector<int> match = match_instances(instances, masks);
  for (size_t i = 0; i < instances.size(); ++i) {
    Prediction p;
    if (match[i] < 0) {
      p.mask = cv::Mat::zeros(instances[i].mask.size(), CV_8U);
    } else {
      p.mask = masks[match[i]].mask;
      p.mask_index = masks[match[i]].mask_index;
      p.score = masks[match[i]].predicted_iou;
    }
    predictions.push_back(std::move(p));
  }
  return predictions;
}

}  // namespace sambench
