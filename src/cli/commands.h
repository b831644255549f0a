#pragma once

// Each subcommand adds itself to the app; its callback runs when it is chosen.

#include <CLI/CLI.hpp>

namespace sambench {

void add_bench_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_make_demo_command(CLI::App& app);
void add_rescore_command(CLI::App& app);

}  // namespace sambench
