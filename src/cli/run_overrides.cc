#include "cli/run_overrides.h"

#include <algorithm>
#include <cstdio>

#include "sambench/base/error.h"

namespace sambench {

// An option given as "" (an unset shell variable) must not read as "not given".
const CLI::Validator& non_empty() {
  static const CLI::Validator validator(
      [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); },
      "NOT EMPTY");
  return validator;
}

void RunOverrides::add_to(CLI::App* cmd, const std::string& output_help, bool engine) {
  cmd->add_option("--model", model, "TorchScript SAM from scripts/export_sam.py (overrides model.path)");
  cmd->add_option("-o,--output", output, output_help)->check(non_empty());
  cmd->add_option("--limit", limit, "only the first N units: images, or whole cases (a volume's slices; a fundus image's disc and cup) (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", threads, "CPU threads (0: one per core this process may use)")
      ->check(CLI::Range(0, kMaxThreads));
  cmd->add_option("--device", device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--data-root", data_root,
                  "folder that the config's relative dataset roots start from (overrides data_root)");
  if (!engine) return;
  cmd->add_option("--decode-batch", decode_batch, "prompts per decoder call (0: chosen per device)")
      ->check(CLI::Range(0, kMaxDecodeBatch));
  cmd->add_option("--encode-batch", encode_batch, "images per encoder call (0: chosen per device)")
      ->check(CLI::Range(0, kMaxEncodeBatch));
  cmd->add_option("--prefetch", prefetch, "samples read ahead on worker threads (0: sequential)")
      ->check(CLI::Range(0, kMaxPrefetch));
  cmd->add_option("--workers", workers,
                  "worker threads beside the model for the read-ahead and the work after the decoder (0: every "
                  "stage on the model thread; -1: one per core the model leaves free)")
      ->check(CLI::Range(-1, kMaxThreads));
  cmd->add_option("--metric-workers", metric_workers,
                  "the work after the decoder: 0 on the model thread; -1 on the workers when the model leaves "
                  "cores free; N on the workers, N of them unless --workers says")
      ->check(CLI::Range(-1, kMaxThreads));
  cmd->add_option("--embedding-cache", embedding_cache,
                  "on-disk cache of image embeddings (a folder), reused by later runs of the same model");
  cmd->add_flag("--shared-embedding-cache", shared_embedding_cache,
                "accept an embedding cache folder other users can write (they decide the embeddings you read)");
  cmd->add_option("--precision", precision,
                  "image encoder dtype: fp32, bf16 or fp16 (CUDA only) (overrides model.precision)")
      ->check(CLI::IsMember(kPrecisions));
}

void RunOverrides::apply(Config& config) const {
  if (!model.empty()) {
    config.model.path = model;
    config.models.clear();  // --model replaces a models list by the one model given
  }
  if (!data_root.empty()) config.dataset_base = std::filesystem::absolute(data_root).lexically_normal();
  if (!output.empty()) config.run.output = output;
  // The user's own --output needs no notice; a config's run.output may come from someone else.
  const std::string notice = output.empty() ? output_outside_notice(config, std::filesystem::current_path()) : "";
  if (!notice.empty()) std::fprintf(stderr, "sambench: note: %s\n", notice.c_str());
  if (!device.empty()) config.model.device = device;
  if (!precision.empty()) config.model.precision = precision;
  for (ModelEntry& entry : config.models) {
    if (!device.empty()) entry.model.device = device;
    if (!precision.empty()) entry.model.precision = precision;
  }
  if (!embedding_cache.empty()) config.run.embedding_cache = embedding_cache;
  if (shared_embedding_cache) config.run.embedding_cache_shared = true;
  if (limit >= 0) config.run.limit = limit;
  if (threads >= 0) config.run.threads = threads;
  if (decode_batch >= 0) config.run.decode_batch = decode_batch;
  if (encode_batch >= 0) config.run.encode_batch = encode_batch;
  if (prefetch >= 0) config.run.prefetch = prefetch;
  if (workers >= -1) config.run.workers = workers;
  if (metric_workers >= -1) config.run.metric_workers = metric_workers;
}

namespace {

// --only with a models list: its names pick models, datasets, or both (--only kvasir sam_b: that
// one run); the runs stay in the list's order.
std::vector<Config> only_of_models(const Config& config, const std::vector<Config>& all,
                                   const std::vector<std::string>& only) {
  auto listed = [&](const std::string& name) { return std::find(only.begin(), only.end(), name) != only.end(); };
  bool models_named = false, datasets_named = false;
  for (const auto& name : only) {
    const bool model = std::any_of(config.models.begin(), config.models.end(),
                                   [&](const ModelEntry& m) { return m.name == name; });
    const bool dataset = std::any_of(config.suite.begin(), config.suite.end(),
                                     [&](const SuiteEntry& e) { return e.name == name; });
    if (!model && !dataset) throw Error(config.file, "--only " + name + ": no such dataset or model in the config");
    models_named |= model;
    datasets_named |= dataset;
  }
  std::vector<Config> out;
  for (const Config& c : all) {
    const bool dataset_ok = !datasets_named || listed(c.run.output.filename());
    if ((!models_named || listed(c.model_name)) && dataset_ok) out.push_back(c);
  }
  return out;
}

}  // namespace

// The suite's datasets that --only names (all without it); an unknown name is an error. With a
// models list, --only also takes model names.
std::vector<Config> suite_datasets(const Config& config, const std::vector<std::string>& only) {
  std::vector<Config> all = expand_suite(config);
  if (only.empty()) return all;
  if (!config.models.empty()) return only_of_models(config, all, only);
  std::vector<Config> out;
  for (const auto& name : only) {
    auto it = std::find_if(all.begin(), all.end(), [&](const Config& c) { return c.run.output.filename() == name; });
    if (it == all.end()) throw Error(config.file, "--only " + name + ": no such dataset in the suite");
    out.push_back(*it);
  }
  return out;
}

}  // namespace sambench
