#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "sambench/data/dataset.h"

namespace sambench {

namespace {

void print_adapters() {
  for (const auto& info : adapter_infos()) {
    std::printf("%s\n  %s\n", info.name.c_str(), info.summary.c_str());
    std::istringstream lines(info.layout);
    for (std::string line; std::getline(lines, line);) std::printf("    %s\n", line.c_str());
    std::printf("  configs: %s\n\n", info.configs.c_str());
  }
  std::printf("Point dataset.root of a config at your copy; `sambench inspect --config FILE` checks it.\n");
}

}  // namespace

void add_datasets_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("datasets", "List the dataset adapters and the on-disk layout each expects");
  cmd->callback(print_adapters);
}

}  // namespace sambench
