#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/report/compare.h"
#include "sambench/report/side_by_side.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

namespace {

struct CompareArgs {
  std::vector<std::string> runs;
  std::string output;
  int bootstrap = 1000;
  long long seed = 0;
  bool first = false;
};

void compare(const CompareArgs& args) {
  if (args.runs.size() < 2) throw Error("compare: give at least two run folders");
  std::vector<RunTables> runs;
  for (const auto& run : args.runs) runs.push_back(read_run_tables(run));
  std::vector<std::pair<std::string, std::vector<Comparison>>> comparisons;
  for (size_t i = 1; i < runs.size(); ++i) {
    comparisons.emplace_back(args.runs[i], compare_runs(runs[0], runs[i], args.bootstrap,
                                                        static_cast<uint64_t>(args.seed), args.first));
  }
  // Three or more runs (one per model): side by side, on the same instances and prompts.
  std::string side_by_side;
  if (runs.size() >= 3) {
    for (size_t i = 1; i < runs.size(); ++i) check_same_prompts(runs[0], runs[i]);
    side_by_side = side_by_side_markdown(runs, comparisons, args.first);
  }
  std::string markdown = comparison_markdown(args.runs[0], comparisons, side_by_side);
  std::fputs(markdown.c_str(), stdout);
  if (args.output.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(args.output, ec);
  if (ec) throw Error(args.output, "cannot create output folder: " + ec.message());
  write_file_atomic(std::filesystem::path(args.output) / "compare.md", markdown);
  write_file_atomic(std::filesystem::path(args.output) / "compare.csv", comparison_csv(comparisons));
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Put runs side by side: per-class differences to the first run, with paired bootstrap intervals "
      "(three or more runs, e.g. one per model: also one table of them all, which needs the same instances and prompts)");
  cmd->add_option("runs", args->runs, "run folders; the first is the reference")->required()->expected(2, -1);
  cmd->add_option("-o,--output", args->output, "also write compare.md and compare.csv into this folder");
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap resamples (0: no intervals)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->seed, "bootstrap seed");
  cmd->add_flag("--first", args->first,
                "compare each run's first prompt mode whatever its name (e.g. zero-shot centroid vs fine-tuned none)");
  cmd->callback([args] { compare(*args); });
}

}  // namespace sambench
