#include "run/prepare.h"

#include <algorithm>

#include "sambench/model/embedding_cache.h"

namespace sambench {

namespace {

// Each mode's prompts depend only on the instances, the image's size and the seed, so they are
// derived here, beside the read; replayed prompts are looked up on the model thread.
std::vector<std::vector<Prompt>> derive_prompts(const RunSetup& setup, const PreparedSample& prepared) {
  if (setup.replay) return {};
  const PromptContext context{prepared.ref.id, prepared.sample.image.size(),
                              static_cast<uint64_t>(setup.config.prompt_seed)};
  std::vector<std::vector<Prompt>> prompts(setup.settings.modes.size());
  for (size_t m = 0; m < prompts.size(); ++m) {
    const Mode& mode = setup.settings.modes[m];
    if (mode.everything) continue;
    for (const auto& inst : prepared.instances) prompts[m].push_back(mode.rule->make(inst, context));
  }
  return prompts;
}

}  // namespace

PreparedSample prepare_sample(const RunSetup& setup, const SampleRef& ref) {
  PreparedSample out;
  out.ref = ref;
  {
    auto t = out.times.time("read");
    out.sample = setup.dataset->load(ref);
  }
  {
    auto t = out.times.time("prompt");
    out.instances = find_instances(out.sample.labels, setup.dataset->classes(), setup.config.instances, out.ref.mask);
    out.prompts = derive_prompts(setup, out);
  }
  // Nothing to encode, or no model to encode it (a rescore); the stand-in of bench --model
  // none has no model but is given SamModel's input all the same, to time its making.
  if (out.instances.empty() || (!setup.model && !setup.recorded_model)) return out;
  const ModelInfo& info = setup.model_info();
  out.transform = model_transform(info.profile, out.sample.image.rows, out.sample.image.cols);
  if (setup.embedding_disk_cache) {
    auto t = out.times.time("cache");
    out.cache_key = setup.embedding_disk_cache->key(out.sample.image);
    if (auto values = setup.embedding_disk_cache->load(out.cache_key)) {
      out.embedding_from_disk = std::move(values);
      return out;
    }
  }
  auto t = out.times.time("preprocess");
  out.input = make_model_input(out.sample.image, out.transform, info.profile, info.normalization);
  return out;
}

std::unique_ptr<Prefetcher<PreparedSample>> prefetch_samples(const RunSetup& setup, const std::vector<SampleRef>& refs,
                                                             ThreadPool& pool) {
  const int prefetch = setup.config.run.prefetch;
  const size_t depth = static_cast<size_t>(prefetch > 0 ? std::max(prefetch, setup.config.run.encode_batch) : 0);
  const size_t lanes = setup.volumetric ? 1 : depth;
  return std::make_unique<Prefetcher<PreparedSample>>(
      refs.size(), depth, pool, lanes, [&setup, &refs](size_t i) { return prepare_sample(setup, refs[i]); });
}

}  // namespace sambench
