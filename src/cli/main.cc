#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "sambench/base/error.h"
#include "sambench/base/version.h"
#include "sambench/run/fatal_error.h"

namespace {

// The command line that continues an interrupted eval: the same one, with --resume.
std::string resume_command(int argc, char** argv) {
  std::string command = "sambench";
  bool has_resume = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--overwrite") continue;  // it excludes --resume, and its work is done
    has_resume |= arg == "--resume";
    const bool plain = arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") ==
                       std::string::npos;
    if (!plain || arg.empty()) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    command += " " + arg;
  }
  return has_resume ? command : command + " --resume";
}

}  // namespace

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
  sambench::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sambench::Interrupted& e) {
    std::fprintf(stderr, "sambench: %s\n", e.what());
    if (argc > 1 && std::string(argv[1]) == "eval") {
      std::fprintf(stderr, "sambench: continue with: %s\n", resume_command(argc, argv).c_str());
    }
    return 128 + e.signal_number();
  } catch (const sambench::Error& e) {
    std::fprintf(stderr, "sambench: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: internal error: %s\n", sambench::first_line(e.what()).c_str());
    return 3;
  }
  return 0;
}
