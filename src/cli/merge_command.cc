#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/run/merge.h"

namespace sambench {

namespace {

struct MergeArgs {
  std::vector<std::string> runs;
  std::string output;
  bool overwrite = false;
};

}  // namespace

void add_merge_command(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand("merge", "Combine the run folders of eval --shard i/N into one run");
  cmd->add_option("runs", args->runs, "the shards' run folders, every shard once")->required();
  cmd->add_option("-o,--output", args->output, "run folder for the merged results")->required();
  cmd->add_flag("--overwrite", args->overwrite,
                "replace the run already in the output folder; only files sambench wrote there are removed");
  cmd->callback([args] {
    std::vector<std::filesystem::path> dirs(args->runs.begin(), args->runs.end());
    MergeResult result = run_merge(dirs, args->output, args->overwrite);
    std::printf("merged %zu shard folder(s): %lld case(s), %lld image(s), %lld instance(s); results in %s\n",
                dirs.size(), result.units, result.images, result.instances, result.output.c_str());
  });
}

}  // namespace sambench
