#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/bench.h"
#include "sambench/report.h"

namespace sambench {

namespace {

struct BenchArgs {
  std::string config, model, output, device, embedding_cache;
  int limit = -1, threads = -1, decode_batch = -1, prefetch = -1;
  BenchOptions options;
};

// As eval's options; the default output is beside the config's run folder, not the run itself.
Config resolve(const BenchArgs& args) {
  Config config = load_config(args.config);
  config.run.output = args.output.empty() ? config.run.output.string() + "-bench" : args.output;
  if (!args.model.empty()) config.model.path = args.model;
  if (!args.device.empty()) config.model.device = args.device;
  if (!args.embedding_cache.empty()) config.run.embedding_cache = args.embedding_cache;
  if (args.limit >= 0) config.run.limit = args.limit;
  if (args.threads >= 0) config.run.threads = args.threads;
  if (args.decode_batch >= 0) config.run.decode_batch = args.decode_batch;
  if (args.prefetch >= 0) config.run.prefetch = args.prefetch;
  return config;
}

void bench(const BenchArgs& args) {
  Config config = resolve(args);
  BenchResult result = run_bench(config, args.options);
  std::printf("%s", bench_table(result).c_str());
  write_file_atomic(config.run.output / "bench.json", to_json(result).dump(2) + "\n");
  std::printf("bench.json in %s\n", config.run.output.c_str());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time an evaluation per stage: medians over repeats after warm-up");
  cmd->add_option("-c,--config", args->config, "YAML config (see configs/)")->required();
  cmd->add_option("--warmup", args->options.warmup, "evaluations run first, not counted")->check(CLI::NonNegativeNumber);
  cmd->add_option("--repeat", args->options.repeat, "evaluations measured")->check(CLI::PositiveNumber);
  cmd->add_option("--model", args->model, "TorchScript SAM (overrides model.path)");
  cmd->add_option("-o,--output", args->output, "run folder, overwritten by each repeat (default: run.output-bench)");
  cmd->add_option("--limit", args->limit, "only the first N samples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "CPU threads (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", args->device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--decode-batch", args->decode_batch, "prompts per decoder call")->check(CLI::PositiveNumber);
  cmd->add_option("--prefetch", args->prefetch, "samples read ahead (0: sequential)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--embedding-cache", args->embedding_cache, "on-disk embedding cache folder");
  cmd->callback([args] { bench(*args); });
}

}  // namespace sambench
