#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/eval.h"
#include "sambench/report.h"

namespace sambench {

namespace {

struct EvalArgs {
  std::string config;
  std::string model, output, device;
  int limit = -1, threads = -1, decode_batch = -1;
};

// Command-line paths are relative to the current folder; config paths to the config's folder.
Config resolve(const EvalArgs& args) {
  Config config = load_config(args.config);
  if (!args.model.empty()) config.model.path = args.model;
  if (!args.output.empty()) config.run.output = args.output;
  if (!args.device.empty()) config.model.device = args.device;
  if (args.limit >= 0) config.run.limit = args.limit;
  if (args.threads >= 0) config.run.threads = args.threads;
  if (args.decode_batch >= 0) config.run.decode_batch = args.decode_batch;
  return config;
}

void print_table(const EvalResult& result) {
  std::printf("%-24s %9s %9s %9s\n", "class", "instances", "dice", "iou");
  for (const auto& c : result.classes) {
    std::printf("%-24s %9lld %9s %9s\n", c.info.name.c_str(), c.instances,
                format_number(c.dice.mean, 4).c_str(), format_number(c.iou.mean, 4).c_str());
  }
  const Overall& o = result.overall;
  std::printf("%-24s %9s %9s %9s\n", "mean over classes", "", format_number(o.dice_over_classes.mean, 4).c_str(),
              format_number(o.iou_over_classes.mean, 4).c_str());
  std::printf("%-24s %9lld %9s %9s\n", "mean over instances", result.instances,
              format_number(o.dice_over_instances.mean, 4).c_str(),
              format_number(o.iou_over_instances.mean, 4).c_str());
  std::printf("%lld image(s) in %.1f s; results in %s\n", result.images, result.wall_seconds,
              result.output.c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate SAM on a dataset described by a config");
  cmd->add_option("-c,--config", args->config, "YAML config (see configs/)")->required();
  cmd->add_option("--model", args->model, "TorchScript SAM from scripts/export_sam.py (overrides model.path)");
  cmd->add_option("-o,--output", args->output, "run folder for the results (overrides run.output)");
  cmd->add_option("--limit", args->limit, "evaluate only the first N samples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "CPU threads (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", args->device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--decode-batch", args->decode_batch, "prompts per decoder call")->check(CLI::PositiveNumber);
  cmd->callback([args] { print_table(run_eval(resolve(*args))); });
}

}  // namespace sambench
