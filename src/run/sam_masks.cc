#include "run/sam_masks.h"

#include <algorithm>

#include <c10/core/InferenceMode.h>

#include "run/device_overlap.h"
#include "sambench/model/mask_tensors.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {

namespace {

// Iterative modes feed the kept mask's low-res logits into the next round.
bool any_iterative(const std::vector<Mode>& modes) {
  return std::any_of(modes.begin(), modes.end(), [](const Mode& m) { return m.rounds > 0; });
}

// A kept output's low-res logits on the host, for an iterative round's mask input or to save.
std::vector<float> host_values(const at::Tensor& map) {
  c10::InferenceMode guard;
  const at::Tensor host = map.to(at::kCPU).contiguous();
  return std::vector<float>(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
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

struct SamMasks::KeptLogits {
  std::vector<std::vector<at::Tensor>> maps;  // [size, size] views of the decoder's output
};

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

// One prediction per prompt; `previous` (iterative rounds) feeds each prompt's last low-res
// logits back as SAM's mask input. A decoder batch holds prompts with equal point counts:
// padding them to one length would change SAM's output, since padding points take part in
// attention.
PolicyPredictions SamMasks::decode(const Encoded& encoded, const std::vector<Prompt>& prompts,
                                   const std::vector<Instance>& instances,
                                   const std::vector<Prediction>* previous) {
  std::vector<DecoderPrompt> decoder_prompts;
  for (const auto& p : prompts) decoder_prompts.push_back(to_decoder_prompt(p, encoded.transform, model_.info().profile));
  PolicyPredictions predictions;
  KeptLogits kept;
  const size_t batch = static_cast<size_t>(setup_.config.run.decode_batch);
  for (size_t begin = 0; begin < decoder_prompts.size();) {
    size_t end = begin + 1;
    while (end < decoder_prompts.size() && end - begin < batch &&
           decoder_prompts[end].size() == decoder_prompts[begin].size()) {
      ++end;
    }
    decode_chunk(encoded, decoder_prompts, instances, previous, begin, end, predictions, kept);
    begin = end;
  }
  upscale_kept(encoded.transform, kept, predictions);
  return predictions;
}

// Decodes prompts [begin, end) of one image in a single call, choosing one output per policy.
// The logits stay on the model's device.
void SamMasks::decode_chunk(const Encoded& encoded, const std::vector<DecoderPrompt>& prompts,
                            const std::vector<Instance>& instances, const std::vector<Prediction>* previous,
                            size_t begin, size_t end, PolicyPredictions& out, KeptLogits& kept) {
  std::vector<DecoderPrompt> batch(prompts.begin() + begin, prompts.begin() + end);
  std::vector<float> mask_input;
  for (size_t i = begin; previous && i < end; ++i) {
    const auto& logits = (*previous)[i].logits;
    mask_input.insert(mask_input.end(), logits.begin(), logits.end());
  }
  DeviceDecode decoded;
  {
    auto t = times_.time("decode");
    decoded = model_.decode_on_device(encoded.embedding, batch, mask_input);
  }
  auto t = times_.time("upscale");  // the oracle's full-resolution comparisons
  out.resize(setup_.settings.policies.size());
  kept.maps.resize(setup_.settings.policies.size());
  for (size_t k = 0; k < setup_.settings.policies.size(); ++k) {
    for (int p = 0; p < decoded.batch; ++p) {
      out[k].push_back(
          choose(decoded, p, setup_.settings.policies[k], encoded.transform, instances[begin + p], kept, k));
    }
  }
}

// The output policy k keeps for prompt p; its logits wait, at low resolution, in `kept` for
// upscale_kept. The oracle compares each output with the truth on the model's device.
Prediction SamMasks::choose(const DeviceDecode& decoded, int p, MaskPolicy policy, const ResizeTransform& transform,
                            const Instance& instance, KeptLogits& kept, size_t k) const {
  Prediction pred;
  if (policy == MaskPolicy::kOracle) {
    const at::Tensor truth = truth_tensor(instance, cv::Size(transform.orig_w, transform.orig_h), decoded.logits.device());
    pred.mask_index = oracle_choice(decoded, p, transform, truth, model_.info().mask_threshold, setup_.settings.empty_rule);
  } else {
    pred.mask_index = choose_mask(&decoded.iou[static_cast<size_t>(p) * decoded.masks], decoded.masks, policy);
  }
  pred.score = decoded.score(p, pred.mask_index);
  kept.maps[k].push_back(decoded.logits[p][pred.mask_index]);
  return pred;
}

// The low-res logits as the model's predictor returns them: the mask comes from the unbounded
// ones, the next round's mask input and the saved logits from these.
void SamMasks::clamp_low_res(std::vector<float>& logits) const {
  const float bound = model_.info().low_res_logit_bound;
  if (bound <= 0) return;
  for (float& v : logits) v = std::clamp(v, -bound, bound);
}

// Only the kept masks reach full resolution, on the model's device, in the calls SamPredictor
// would make: the multimask outputs of the image together, the single-mask output alone. What
// comes to the host: each kept mask as a 1-byte cv::Mat (scoring, surface metrics, saving, the
// ROI cut and the corrective clicks read it), and its low-res logits only when they are saved
// or feed an iterative round.
void SamMasks::upscale_kept(const ResizeTransform& transform, KeptLogits& kept, PolicyPredictions& predictions) {
  auto t = times_.time("upscale");
  const float threshold = model_.info().mask_threshold;
  for (size_t k = 0; k < predictions.size(); ++k) {
    const UpscaleCall call =
        setup_.settings.policies[k] == MaskPolicy::kSingle ? UpscaleCall::kAlone : UpscaleCall::kGrouped;
    std::vector<cv::Mat> masks = host_masks(kept.maps[k], transform, call, threshold);
    for (size_t i = 0; i < masks.size(); ++i) {
      Prediction& pred = predictions[k][i];
      pred.mask = std::move(masks[i]);
      if (keep_logits_) {
        pred.logits = host_values(kept.maps[k][i]);
        pred.logits_size = static_cast<int>(kept.maps[k][i].size(0));
        clamp_low_res(pred.logits);
      }
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
