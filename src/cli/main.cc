#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

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

// CLI11 reads an unknown first word as a missing subcommand ("A subcommand is required").
bool refuse_unknown_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    if (command->get_name() == argv[1]) return false;
    names.push_back(command->get_name());
  }
  std::fprintf(stderr, "sambench: error: unknown command '%s' (commands: %s; see sambench --help)\n", argv[1],
               sambench::join(names).c_str());
  return true;
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
  sambench::add_study_report_command(app);
  sambench::add_bench_command(app);

  if (refuse_unknown_command(app, argc, argv)) return 1;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the file system refused (a link loop, no permission): named, not an internal error.
    std::fprintf(stderr, "sambench: error: %s: %s\n", e.path1().lexically_normal().c_str(), e.code().message().c_str());
    return 1;
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
