#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/finetune.h"

namespace sambench {

namespace {

struct FinetuneArgs {
  std::string config;
  std::string model, output, device;
  int threads = -1, limit = -1;
  FinetuneRun run;
};

// Command-line paths are relative to the current folder; config paths to the config's folder.
Config resolve(const FinetuneArgs& args) {
  Config config = load_config(args.config);
  if (!args.model.empty()) config.model.path = args.model;
  if (!args.output.empty()) config.run.output = args.output;
  if (!args.device.empty()) config.model.device = args.device;
  if (args.threads >= 0) config.run.threads = args.threads;
  if (args.limit >= 0) config.run.limit = args.limit;
  return config;
}

void print_result(const FinetuneResult& result, const Config& config) {
  std::printf("trained on %zu image(s), validated on %zu\n", result.train_ids.size(),
              result.validation_ids.size());
  if (result.model.empty()) {
    std::printf("stopped early; continue with --resume (checkpoint in %s)\n", config.run.output.c_str());
  } else {
    std::printf("tuned model: %s\n", result.model.c_str());
  }
}

}  // namespace

void add_finetune_command(CLI::App& app) {
  auto args = std::make_shared<FinetuneArgs>();
  CLI::App* cmd = app.add_subcommand("finetune", "Fine-tune SAM's mask decoder on a dataset's masks");
  cmd->add_option("-c,--config", args->config, "YAML config with a finetune: section")->required();
  cmd->add_option("--model", args->model, "base TorchScript SAM (overrides model.path)");
  cmd->add_option("-o,--output", args->output, "folder for the tuned model and log (overrides run.output)");
  cmd->add_option("--limit", args->limit, "use only the first N samples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "CPU threads (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", args->device, "auto, cpu, cuda or cuda:N");
  cmd->add_flag("--resume", args->run.resume, "continue from OUTPUT/checkpoint.pt");
  cmd->add_option("--stop-after", args->run.stop_after,
                  "stop after this epoch, keeping the checkpoint (split a long run into sessions)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args] {
    Config config = resolve(*args);
    print_result(finetune(config, args->run), config);
  });
}

}  // namespace sambench
