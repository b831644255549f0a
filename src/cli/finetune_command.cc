#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/run_overrides.h"
#include "sambench/base/error.h"
#include "sambench/finetune/finetune.h"

namespace sambench {

namespace {

struct FinetuneArgs {
  std::string config;
  RunOverrides overrides;
  FinetuneRun run;
};

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
  args->overrides.add_to(cmd, "folder for the tuned model and log (overrides run.output)", false);
  cmd->add_flag("--resume", args->run.resume, "continue from OUTPUT/checkpoint.pt");
  cmd->add_option("--stop-after", args->run.stop_after,
                  "stop after this epoch, keeping the checkpoint (split a long run into sessions)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args] {
    Config config = load_config(args->config);
    args->overrides.apply(config);
    if (!config.models.empty()) {
      throw Error(config.file, "lists several models ('models:'); finetune trains one: pass --model PT");
    }
    print_result(finetune(config, args->run), config);
  });
}

}  // namespace sambench
