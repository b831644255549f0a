#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/run_overrides.h"
#include "sambench/base/error.h"
#include "sambench/data/dataset.h"
#include "sambench/run/eval.h"
#include "sambench/report/published_comparison.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

struct EvalArgs {
  std::string config;
  RunOverrides overrides;
  std::string prompts;
  bool save_predictions = false, save_logits = false;
  bool resume = false, overwrite = false;
  std::string shard, on_error = "fail";
  std::vector<std::string> only;
  bool plan = false;
};

EvalOptions options_of(const EvalArgs& args) {
  EvalOptions options;
  options.resume = args.resume;
  options.overwrite = args.overwrite;
  if (!args.shard.empty()) options.shard = parse_shard(args.shard);
  options.on_error = parse_on_error(args.on_error);
  return options;
}

Config resolve(const EvalArgs& args) {
  Config config = load_config(args.config);
  args.overrides.apply(config);
  if (args.save_predictions) config.run.save_predictions = true;
  if (!args.prompts.empty()) config.replay_prompts = args.prompts;
  if (args.save_logits) config.run.save_predictions = config.run.save_logits = true;
  return config;
}

// The instance-level table (the study's), with the image- and case-level Dice beside it.
void print_mode(const EvalResult& result, const std::vector<LevelSummary>& levels) {
  const LevelSummary& inst = levels.front();
  size_t width = 24;  // wider for long class names (AROI's "under BM (choroid/sclera)")
  for (const auto& c : inst.classes) width = std::max(width, columns_of(c.info.name));
  std::printf("%s %9s %9s %9s", pad("class", width).c_str(), "instances", "dice", "iou");
  for (size_t l = 1; l < levels.size(); ++l) std::printf(" %11s", (levels[l].name + " dice").c_str());
  std::printf("\n");
  auto row = [&](const std::string& name, const std::string& count, auto stat_of) {
    std::printf("%s %9s %9s %9s", pad(name, width).c_str(), count.c_str(),
                format_number(stat_of(inst, true).mean, 4).c_str(),
                format_number(stat_of(inst, false).mean, 4).c_str());
    for (size_t l = 1; l < levels.size(); ++l) {
      std::printf(" %11s", format_number(stat_of(levels[l], true).mean, 4).c_str());
    }
    std::printf("\n");
  };
  for (size_t c = 0; c < inst.classes.size(); ++c) {
    row(inst.classes[c].info.name, std::to_string(inst.classes[c].count),
        [c](const LevelSummary& l, bool dice) { return l.classes[c].of(dice ? Metric::kDice : Metric::kIoU); });
  }
  row("mean over classes", "", [](const LevelSummary& l, bool dice) {
    return l.overall.over_classes[static_cast<size_t>(dice ? Metric::kDice : Metric::kIoU)];
  });
  row("mean over rows", std::to_string(result.instances), [](const LevelSummary& l, bool dice) {
    return l.overall.over_rows[static_cast<size_t>(dice ? Metric::kDice : Metric::kIoU)];
  });
}

// Measured beside published, for the baselines of the config: the publication's SAM row only
// (report.md has every method and the per-group comparisons).
void print_published(const PublishedComparison& c) {
  size_t width = 24;
  for (const auto& r : c.rows) width = std::max(width, columns_of(r));
  const std::string method = c.methods[c.reference] + " (published)";
  std::printf("%s\n%s %*s %9s %10s\n", c.title().c_str(), pad("class", width).c_str(),
              static_cast<int>(std::max<size_t>(9, columns_of(method))), method.c_str(), "measured", "difference");
  for (size_t r = 0; r < c.rows.size(); ++r) {
    const bool measured = c.measured[r].count > 0;
    std::printf("%s %*s %9s %10s\n", pad(c.rows[r], width).c_str(),
                static_cast<int>(std::max<size_t>(9, columns_of(method))),
                format_number(c.published[r][c.reference], 4).c_str(),
                measured ? format_number(c.measured[r].mean, 4).c_str() : "-",
                measured ? format_number(c.difference(r), 4).c_str() : "-");
  }
}

void print_table(const EvalResult& result, const std::vector<Baseline>& baselines) {
  const auto comparisons = compare_with_published(baselines, result.modes, {});
  for (const auto& [mode, levels] : result.modes) {
    if (result.modes.size() > 1) std::printf("prompt: %s\n", mode.c_str());
    print_mode(result, levels);
    for (const auto& c : comparisons) {
      if (c.set == mode) print_published(c);
    }
  }
  if (needs_groups(baselines)) std::printf("per-group comparisons with the published numbers: report.md\n");
  std::printf("%lld image(s) in %.1f s; results in %s\n", result.images, result.wall_seconds,
              result.output.c_str());
}

// One line per dataset, tab-separated, for scripts: "plan", the dataset's name, its sample count
// (after --limit) or "absent", the output folder, the model, the folder relative dataset roots
// start from, and why it is absent.
void print_plan(const std::vector<Config>& configs) {
  for (const auto& c : configs) {
    std::string count, why;
    try {
      const size_t n = make_dataset(c.dataset, c.dataset_base)->list().size();
      count = std::to_string(c.run.limit > 0 ? std::min<size_t>(n, static_cast<size_t>(c.run.limit)) : n);
    } catch (const Error& e) {
      count = "absent";
      why = e.what();
    }
    std::printf("plan\t%s\t%s\t%s\t%s\t%s\t%s\n", c.run.output.filename().c_str(), count.c_str(),
                c.run.output.c_str(), c.model.path.c_str(), c.dataset_base.c_str(), why.c_str());
  }
}

// A suite's datasets one after the other; one failing stops the suite (its error names the file),
// after the datasets before it were written.
void evaluate(const Config& config, const EvalOptions& options, const std::vector<std::string>& only) {
  std::vector<Config> configs = suite_datasets(config, only);
  for (size_t i = 0; i < configs.size(); ++i) {
    if (configs.size() > 1) {
      std::printf("== %s (%zu/%zu)\n", configs[i].name.c_str(), i + 1, configs.size());
      std::fflush(stdout);
    }
    print_table(run_eval(configs[i], options), parse_baselines(configs[i].baselines));
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate SAM on a dataset described by a config");
  cmd->add_option("-c,--config", args->config, "YAML config (see configs/)")->required();
  args->overrides.add_to(cmd, "run folder for the results (overrides run.output)", true);
  cmd->add_option("--prompts", args->prompts,
                  "replay the prompts of a prompts.jsonl (from an earlier run) instead of deriving them");
  cmd->add_flag("--save-predictions", args->save_predictions,
                "write the kept masks and a label map per image under RUN/predictions/");
  cmd->add_flag("--save-logits", args->save_logits,
                "also write each kept mask's 256x256 low-res logits as float32 .npy");
  CLI::Option* resume = cmd->add_flag("--resume", args->resume,
                                      "continue the interrupted run in the output folder (same config, code and "
                                      "model), computing only what its journal lacks");
  cmd->add_flag("--overwrite", args->overwrite,
                "replace the run already in the output folder (finished or not); only files sambench "
                "wrote there are removed")
      ->excludes(resume);
  cmd->add_option("--shard", args->shard, "evaluate shard i of N (i/N, i from 0), whole cases; see merge")
      ->check(non_empty());
  cmd->add_option("--on-error", args->on_error, "a sample that cannot be read: fail (default) or skip")
      ->check(CLI::IsMember({"fail", "skip"}));
  cmd->add_option("--only", args->only, "evaluate only these datasets of a suite (their folder names)");
  cmd->add_flag("--plan", args->plan,
                "print what would run, one tab-separated line per dataset (name, samples or absent, output, "
                "model), and stop");
  cmd->callback([args] {
    if (args->plan) return print_plan(suite_datasets(resolve(*args), args->only));
    evaluate(resolve(*args), options_of(*args), args->only);
  });
}

}  // namespace sambench
