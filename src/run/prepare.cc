#include "run/prepare.h"

#include <algorithm>

#include "sambench/base/cores.h"
#include "sambench/model/embedding_cache.h"

namespace sambench {

PreparedSample prepare_sample(const Run& run, const SampleRef& ref) {
  PreparedSample out;
  out.ref = ref;
  {
    auto t = out.times.time("read");
    out.sample = run.dataset->load(ref);
  }
  {
    auto t = out.times.time("prompt");
    out.instances = find_instances(out.sample.labels, run.dataset->classes(), run.config.instances);
  }
  if (out.instances.empty() || !run.model) return out;  // nothing to encode
  const ModelInfo& info = run.model->info();
  out.transform = longest_side_transform(out.sample.image.rows, out.sample.image.cols, info.image_size);
  if (run.embedding_cache) {
    auto t = out.times.time("cache");
    out.cache_key = run.embedding_cache->key(out.sample.image);
    if (auto values = run.embedding_cache->load(out.cache_key)) {
      out.cached_embedding = std::move(*values);
      return out;
    }
  }
  auto t = out.times.time("preprocess");
  out.input = make_model_input(out.sample.image, out.transform, info.normalization);
  return out;
}

std::unique_ptr<Prefetcher<PreparedSample>> prefetch_samples(const Run& run, const std::vector<SampleRef>& refs) {
  const size_t depth = static_cast<size_t>(std::max(0, run.config.run.prefetch));
  const size_t cores = static_cast<size_t>(usable_cores());
  // The model's threads use the cores; the workers mostly wait on disk and decoders.
  const size_t workers = run.volumetric ? 1 : std::min(depth, std::max<size_t>(1, cores / 2));
  return std::make_unique<Prefetcher<PreparedSample>>(
      refs.size(), depth, workers, [&run, &refs](size_t i) { return prepare_sample(run, refs[i]); });
}

}  // namespace sambench
