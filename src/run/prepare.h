#pragma once

// Samples made ready for the model off the model's thread (read, instances, prompts,
// preprocessing or the embedding from the disk cache), read ahead in run order.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "run/run.h"
#include "sambench/base/prefetch.h"
#include "sambench/model/preprocess.h"

namespace sambench {

struct PreparedSample {
  SampleRef ref;
  Sample sample;
  std::vector<Instance> instances;
  // Per mode of the run, the prompts derived from the instances (none for an everything mode,
  // nor when the prompts are replayed from a file: then the list is empty).
  std::vector<std::vector<Prompt>> prompts;
  ResizeTransform transform;
  std::vector<float> input;  // the model input; empty without instances, model, or from the disk cache
  std::string cache_key;     // with an embedding disk cache (run.embedding_cache)
  std::optional<EmbeddingValues> embedding_from_disk;  // the embedding disk cache held the image
  std::optional<Embedding> embedding;     // encoded with the next samples in one call (SampleFeed)
  StageTimes times;                     // read, prompt (instances, prompts), cache and preprocess time spent on it
};

PreparedSample prepare_sample(const RunSetup& setup, const SampleRef& ref);

// `refs` (which must outlive the prefetcher) in order, run.prefetch ahead as jobs on `pool`
// (0, or a pool without workers: on the caller's thread, when taken), and at least
// run.encode_batch ahead, so that a batch is prepared while the model encodes the previous one.
// Volumes are prepared one at a time, in order: adapters cache one volume, and slices come case
// by case, so each volume is read once and at most one is held besides the queued slices.
std::unique_ptr<Prefetcher<PreparedSample>> prefetch_samples(const RunSetup& setup, const std::vector<SampleRef>& refs,
                                                             ThreadPool& pool);

}  // namespace sambench
