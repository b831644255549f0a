#include "run/sam_masks.h"

#include <algorithm>

#include <ATen/ATen.h>
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

// A kept output's low-res logits on the host: an iterative round's mask input, what is saved.
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

std::optional<std::vector<std::vector<Overlap>>> SamMasks::device_counts(const Mode& mode,
                                                                         const PreparedSample& sample,
                                                                         const PolicyPredictions& predictions,
                                                                         StageTimes& times) const {
  if (mode.everything) return std::nullopt;
  const at::Device device(model_.info().device);
  DeviceSample truth;
  {
    auto t = times.time("metrics");
    truth = device_sample(sample.sample.labels, sample.sample.roi, device);
  }
  std::vector<std::vector<Overlap>> counts;
  for (size_t k = 0; k < predictions.size(); ++k) {
    std::vector<at::Tensor> maps;
    for (const Prediction& pred : predictions[k]) maps.push_back(pred.low_res);
    counts.push_back(row_counts(maps, upscale_call(k), sample.transform, model_.info().mask_threshold,
                                sample.instances, truth, times));
  }
  return counts;
}

// SamPredictor upscales its single-mask output alone and its multimask outputs together.
UpscaleCall SamMasks::upscale_call(size_t policy) const {
  return setup_.settings.policies[policy] == MaskPolicy::kSingle ? UpscaleCall::kAlone : UpscaleCall::kGrouped;
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
// The logits stay on the model's device but for the kept outputs' low-res maps.
void SamMasks::decode_chunk(const Encoded& encoded, const std::vector<DecoderPrompt>& prompts,
                            const std::vector<Instance>& instances, const std::vector<Prediction>* previous,
                            size_t begin, size_t end, PolicyPredictions& out) {
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
  for (size_t k = 0; k < setup_.settings.policies.size(); ++k) {
    for (int p = 0; p < decoded.batch; ++p) {
      out[k].push_back(choose(decoded, p, setup_.settings.policies[k], encoded.transform, instances[begin + p]));
    }
  }
}

// The output a policy keeps for prompt p, still at low resolution (finish upscales it). The
// oracle compares each output with the truth on the model's device.
Prediction SamMasks::choose(const DeviceDecode& decoded, int p, MaskPolicy policy, const ResizeTransform& transform,
                            const Instance& instance) const {
  Prediction pred;
  if (policy == MaskPolicy::kOracle) {
    const at::Tensor truth = truth_tensor(instance, cv::Size(transform.orig_w, transform.orig_h), decoded.logits.device());
    pred.mask_index = oracle_choice(decoded, p, transform, truth, model_.info().mask_threshold, setup_.settings.empty_rule);
  } else {
    pred.mask_index = choose_mask(&decoded.iou[static_cast<size_t>(p) * decoded.masks], decoded.masks, policy);
  }
  pred.score = decoded.score(p, pred.mask_index);
  const at::Tensor& logits = decoded.logits[p][pred.mask_index];
  {
    c10::InferenceMode guard;
    pred.low_res = logits.clone();  // its own 256 KiB: the decoder's whole output is freed
  }
  if (keep_logits_) {
    pred.logits = host_values(logits);
    clamp_low_res(pred.logits);
    pred.logits_size = static_cast<int>(logits.size(0));
  }
  return pred;
}

// The low-res logits as the model's predictor returns them: the mask comes from the unbounded
// ones, the next round's mask input and the saved logits from these.
void SamMasks::clamp_low_res(std::vector<float>& logits) const {
  const float bound = model_.info().low_res_logit_bound;
  if (bound <= 0) return;
  for (float& v : logits) v = std::clamp(v, -bound, bound);
}

// The kept masks reach full resolution on the model's device, in the calls SamPredictor would
// make: the multimask outputs of the image together, the single-mask output alone. Their low-res
// logits stayed there since the decode (this runs on a worker while the model decodes the next
// sample); only the 1-byte full-size masks come to the host, and the low-res tensors are freed.
void SamMasks::upscale_kept(const ResizeTransform& transform, PolicyPredictions& predictions,
                            StageTimes& times) const {
  auto t = times.time("upscale");
  c10::InferenceMode guard;
  const float threshold = model_.info().mask_threshold;
  for (size_t k = 0; k < predictions.size(); ++k) {
    std::vector<Prediction>& kept = predictions[k];
    std::vector<at::Tensor> maps;
    for (const Prediction& pred : kept) maps.push_back(pred.low_res);
    std::vector<cv::Mat> masks = host_masks(maps, transform, upscale_call(k), threshold);
    times.count("host_masks", static_cast<long long>(masks.size()));
    for (size_t i = 0; i < masks.size(); ++i) {
      kept[i].mask = std::move(masks[i]);
      kept[i].low_res = at::Tensor();
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
      p.mask = cv::Mat::zeros(encoded.transform.orig_h, encoded.transform.orig_w, CV_8U);
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
