#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/run/eval.h"
#include "sambench/base/error.h"

namespace sambench {

namespace {

struct RescoreArgs {
  std::string run_dir;
  std::string output;
  std::string dataset_root;
};

int rescore(const RescoreArgs& args) {
  std::filesystem::path output = args.output.empty() ? std::filesystem::path(args.run_dir) / "rescore"
                                                     : std::filesystem::path(args.output);
  RescoreResult result = run_rescore(args.run_dir, output, args.dataset_root);
  std::printf("rescored %lld instance(s) into %s\n", result.instances, result.output.c_str());
  for (const auto& f : result.identical) std::printf("  %-22s identical to the run's\n", f.c_str());
  for (const auto& f : result.differing) std::printf("  %-22s DIFFERS from the run's\n", f.c_str());
  return result.differing.empty() ? 0 : 1;
}

}  // namespace

void add_rescore_command(CLI::App& app) {
  auto args = std::make_shared<RescoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rescore", "Recompute a run's tables from its saved predictions and the ground truth, without the model");
  cmd->add_option("run", args->run_dir, "run folder of an eval made with --save-predictions")->required();
  cmd->add_option("-o,--output", args->output, "where to write the tables (default RUN/rescore)");
  cmd->add_option("--dataset-root", args->dataset_root,
                  "read the ground truth from this folder (needed for a run folder that is not yours)");
  cmd->callback([args] {
    int code = rescore(*args);
    if (code != 0) throw Error(args->run_dir + ": rescored tables differ from the run's");
  });
}

}  // namespace sambench
