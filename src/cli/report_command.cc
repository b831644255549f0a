#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/report/run_report.h"

namespace sambench {

namespace {

struct ReportArgs {
  std::string run_dir;
  int overlays = 3;
  bool no_charts = false;
  std::string dataset_root;
};

void report(const ReportArgs& args) {
  ReportResult result = regenerate_report(args.run_dir, {args.overlays, !args.no_charts, args.dataset_root});
  std::printf("report: %s/report.md and report.html from %lld instance row(s); %zu chart(s), %zu overlay(s)\n", args.run_dir.c_str(),
              result.instances, result.figures.charts.size(), result.figures.overlays.size());
  for (const auto& note : result.figures.notes) std::printf("  %s\n", note.c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Rewrite a run's per_class tables, figures, report.md and report.html from its saved results, without the model");
  cmd->add_option("run", args->run_dir, "run folder of a finished eval")->required();
  cmd->add_option("--overlays", args->overlays, "best and worst N instances per class to draw (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-charts", args->no_charts, "do not draw the Dice bar charts");
  cmd->add_option("--dataset-root", args->dataset_root,
                  "read the overlays' images from this folder (needed for a run folder that is not yours)");
  cmd->callback([args] { report(*args); });
}

}  // namespace sambench
