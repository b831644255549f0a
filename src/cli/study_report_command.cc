#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/report/study_report.h"

namespace sambench {

namespace {

struct StudyReportArgs {
  std::vector<std::string> runs;
  std::string output;
};

void study_report(const StudyReportArgs& args) {
  std::vector<std::filesystem::path> paths(args.runs.begin(), args.runs.end());
  const auto runs = write_study_report(paths, args.output);
  size_t compared = 0;
  for (const auto& run : runs) compared += run.comparisons.empty() ? 0 : 1;
  std::printf("study report: %s/study_report.md and study_report.html from %zu run(s), %zu with published numbers\n",
              args.output.c_str(), runs.size(), compared);
}

}  // namespace

void add_study_report_command(CLI::App& app) {
  auto args = std::make_shared<StudyReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "study-report", "Put finished runs in the study's layout, beside its published tables (Markdown and HTML)");
  cmd->add_option("runs", args->runs, "run folders, or a suite's output folder holding them")->required();
  cmd->add_option("-o,--output", args->output, "folder for study_report.md and study_report.html")->required();
  cmd->callback([args] { study_report(*args); });
}

}  // namespace sambench
