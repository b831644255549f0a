#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "sambench/base/error.h"
#include "sambench/base/version.h"

int main(int argc, char** argv) {
  CLI::App app{"sambench: Segment Anything on medical segmentation benchmarks"};
  app.set_version_flag("--version", std::string(sambench::version()) + " (" + sambench::git_commit() + ")");
  app.require_subcommand(1);
  sambench::add_datasets_command(app);
  sambench::add_eval_command(app);
  sambench::add_finetune_command(app);
  sambench::add_inspect_command(app);
  sambench::add_make_demo_command(app);
  sambench::add_merge_command(app);
  sambench::add_rescore_command(app);
  sambench::add_report_command(app);
  sambench::add_compare_command(app);
  sambench::add_study_report_command(app);
  sambench::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sambench::Error& e) {
    std::fprintf(stderr, "sambench: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: internal error: %s\n", sambench::first_line(e.what()).c_str());
    return 3;
  }
  return 0;
}
