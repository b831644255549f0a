#include "run/sample_feed.h"

#include <algorithm>

#include "sambench/base/error.h"

namespace sambench {

namespace {

// Whether the model has to encode this sample: it has an input (instances, not from the disk
// cache) that is not the previous sample's, which SamMasks reuses (an image listed once per
// target). A repeat across two batches is encoded again and then not used: SamMasks still
// reuses the first embedding, so only time is lost, never a bit.
bool needs_encoding(const PreparedSample& sample, const PreparedSample* previous) {
  if (sample.input.empty()) return false;
  return !previous || previous->ref.image != sample.ref.image || previous->ref.slice != sample.ref.slice ||
         previous->input != sample.input;
}

}  // namespace

SampleFeed::SampleFeed(const RunSetup& setup, const std::vector<SampleRef>& refs, ThreadPool& pool,
                       StageTimes& times)
    : setup_(setup),
      batch_(setup.model ? static_cast<size_t>(std::max(1, setup.config.run.encode_batch)) : 1),
      times_(times),
      prefetch_(prefetch_samples(setup, refs, pool)),
      not_taken_(refs.size()) {}

PreparedSample SampleFeed::next() {
  if (batch_ == 1) {  // as before batches: straight from the read-ahead
    auto t = times_.time("wait");
    --not_taken_;
    return prefetch_->next();
  }
  if (ready_.empty()) fill();
  Slot slot = std::move(ready_.front());
  ready_.pop_front();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(*slot.sample);
}

// Takes samples until a batch's worth need encoding, at most two batches' worth in all (samples
// from the disk cache or without objects need no encoder), or up to a sample whose preparation
// failed: the samples before it are encoded, and its error is rethrown in its turn.
void SampleFeed::fill() {
  size_t to_encode = 0;
  const PreparedSample* previous = nullptr;
  while (not_taken_ > 0 && to_encode < batch_ && ready_.size() < 2 * batch_) {
    Slot slot;
    {
      auto t = times_.time("wait");
      --not_taken_;
      try {
        slot.sample = prefetch_->next();
      } catch (...) {
        slot.error = std::current_exception();
      }
    }
    ready_.push_back(std::move(slot));
    if (ready_.back().error) break;
    const PreparedSample& sample = *ready_.back().sample;
    if (needs_encoding(sample, previous)) ++to_encode;
    if (!sample.input.empty()) previous = &sample;
  }
  encode_ready();
}

// One model call for the taken samples that need the encoder. When it fails, each of them is
// encoded alone in its turn (SamMasks), so the failure belongs to one sample as with batch 1.
void SampleFeed::encode_ready() {
  std::vector<PreparedSample*> samples;
  std::vector<const std::vector<float>*> inputs;
  const PreparedSample* previous = nullptr;
  for (Slot& slot : ready_) {
    if (!slot.sample) continue;
    if (needs_encoding(*slot.sample, previous)) {
      samples.push_back(&*slot.sample);
      inputs.push_back(&slot.sample->input);
    }
    if (!slot.sample->input.empty()) previous = &*slot.sample;
  }
  if (samples.empty()) return;
  std::vector<Embedding> embeddings;
  try {
    auto t = times_.time("encode");
    embeddings = setup_.model->encode_batch(inputs);
  } catch (const Error&) {
    return;
  }
  for (size_t i = 0; i < samples.size(); ++i) samples[i]->embedding = embeddings[i];
}

}  // namespace sambench
