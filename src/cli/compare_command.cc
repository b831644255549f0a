#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/report/compare.h"
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
  RunTables reference = read_run_tables(args.runs[0]);
  std::vector<std::pair<std::string, std::vector<Comparison>>> comparisons;
  for (size_t i = 1; i < args.runs.size(); ++i) {
    comparisons.emplace_back(args.runs[i], compare_runs(reference, read_run_tables(args.runs[i]), args.bootstrap,
                                                        static_cast<uint64_t>(args.seed), args.first));
  }
  std::string markdown = comparison_markdown(args.runs[0], comparisons);
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
      "compare", "Put runs side by side: per-class differences to the first run, with paired bootstrap intervals");
  cmd->add_option("runs", args->runs, "run folders; the first is the reference")->required()->expected(2, -1);
  cmd->add_option("-o,--output", args->output, "also write compare.md and compare.csv into this folder");
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap resamples (0: no intervals)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->seed, "bootstrap seed");
  cmd->add_flag("--first", args->first,
                "compare each run's first prompt mode whatever its name (e.g. zero-shot centroid vs fine-tuned none)");
  cmd->callback([args] { compare(*args); });
}

}  // namespace sambench
