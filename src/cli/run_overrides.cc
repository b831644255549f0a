#include "cli/run_overrides.h"

namespace sambench {

void RunOverrides::add_to(CLI::App* cmd, const std::string& output_help, bool engine) {
  cmd->add_option("--model", model, "TorchScript SAM from scripts/export_sam.py (overrides model.path)");
  cmd->add_option("-o,--output", output, output_help);
  cmd->add_option("--limit", limit, "only the first N units: images, or whole cases (a volume's slices; a fundus image's disc and cup) (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", threads, "CPU threads (0: one per core this process may use)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", device, "auto, cpu, cuda or cuda:N");
  if (!engine) return;
  cmd->add_option("--decode-batch", decode_batch, "prompts per decoder call (0: chosen per device)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--prefetch", prefetch, "samples read ahead on worker threads (0: sequential)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--metric-workers", metric_workers,
                  "threads computing metrics beside the model (0: on the model thread; -1: one per core the model "
                  "leaves free)")
      ->check(CLI::Range(-1, 1024));
  cmd->add_option("--embedding-cache", embedding_cache,
                  "on-disk cache of image embeddings (a folder), reused by later runs of the same model");
  cmd->add_option("--precision", precision,
                  "image encoder dtype: fp32, bf16 or fp16 (CUDA only) (overrides model.precision)")
      ->check(CLI::IsMember(kPrecisions));
}

void RunOverrides::apply(Config& config) const {
  if (!model.empty()) config.model.path = model;
  if (!output.empty()) config.run.output = output;
  if (!device.empty()) config.model.device = device;
  if (!precision.empty()) config.model.precision = precision;
  if (!embedding_cache.empty()) config.run.embedding_cache = embedding_cache;
  if (limit >= 0) config.run.limit = limit;
  if (threads >= 0) config.run.threads = threads;
  if (decode_batch >= 0) config.run.decode_batch = decode_batch;
  if (prefetch >= 0) config.run.prefetch = prefetch;
  if (metric_workers >= -1) config.run.metric_workers = metric_workers;
}

}  // namespace sambench
