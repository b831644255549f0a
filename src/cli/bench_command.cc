#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/run_overrides.h"
#include "sambench/run/bench.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

namespace {

struct BenchArgs {
  std::string config;
  RunOverrides overrides;
  BenchOptions options;
  std::string only;
};

// As eval's options; the default output is beside the config's run folder, not the run itself.
Config resolve(const BenchArgs& args) {
  Config config = load_config(args.config);
  config.run.output += "-bench";
  args.overrides.apply(config);
  if (config.models.empty()) {
    if (!config.suite.empty() && !args.only.empty()) return suite_datasets(config, {args.only}).front();
    return config;
  }
  // bench times one evaluation; each model's own speed: sambench-model-speed --model A --model B.
  std::vector<Config> runs = suite_datasets(config, args.only.empty() ? std::vector<std::string>{} : std::vector<std::string>{args.only});
  if (runs.size() != 1) {
    throw Error(config.file, "lists " + std::to_string(config.models.size()) +
                                 " models; bench times one run: pick it with --only NAME or --model PT "
                                 "(every model side by side: sambench-model-speed --model A --model B ...)");
  }
  return runs.front();
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
  CLI::App* cmd = app.add_subcommand("bench", "Time an evaluation per stage: medians over repeats after warm-up "
                                   "(--model none: no model, each mask the truth shifted by a few pixels, "
                                   "to time the harness alone)");
  cmd->add_option("-c,--config", args->config, "YAML config (see configs/)")->required();
  cmd->add_option("--only", args->only, "the one dataset of a suite config to time (its folder name)");
  cmd->add_option("--warmup", args->options.warmup, "evaluations run first, not counted")->check(CLI::NonNegativeNumber);
  cmd->add_option("--repeat", args->options.repeat, "evaluations measured")->check(CLI::PositiveNumber);
  args->overrides.add_to(cmd, "run folder, overwritten by each repeat (default: run.output-bench)", true);
  cmd->callback([args] { bench(*args); });
}

}  // namespace sambench
