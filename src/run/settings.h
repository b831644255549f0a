#pragma once

// What a run makes of its config before the model loads: the prompt modes with their rules, the
// result sets they fill, the mask policies, the empty rule and the baselines. Each module checks
// its own names here (prompts, model, metrics, report), so a typo fails before any work.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sambench/data/config.h"
#include "sambench/metrics/metrics.h"
#include "sambench/model/mask_policy.h"
#include "sambench/prompts/automatic.h"
#include "sambench/prompts/prompt.h"
#include "sambench/report/baselines.h"

namespace sambench {

// One prompt mode of the run; several are evaluated on the same embeddings, side by side.
struct Mode {
  std::string name;  // e.g. "box(margin=20px,jitter=0)"
  std::unique_ptr<PromptRule> rule;  // the prompt; for an iterative mode, its first one
  int rounds = 0;                    // iterative: prompts per instance, clicks included
  std::optional<AutomaticOptions> everything;  // automatic mask generation instead of prompts
  // The name its results carry in the tables: one set per round for an iterative mode.
  std::string result_name(int round) const { return rounds ? name + "@" + std::to_string(round) : name; }
};

// A named set of results: one per plain mode, one per round of an iterative mode.
struct ResultSet {
  std::string name;
  std::string description;
};

struct RunSettings {
  std::vector<Mode> modes;
  std::vector<ResultSet> result_sets;  // in table order: per mode, per round, per policy
  std::vector<MaskPolicy> policies;
  std::vector<std::string> policy_labels;  // the policies as the config names them
  EmptyRule empty_rule = EmptyRule::kNaN;
  // Checked here; report.md reads them back from summary.json (run_report.cc).
  std::vector<Baseline> baselines;

  // The name a mode's results carry: per round, and per policy when there are several.
  std::string set_name(const Mode& mode, int round, size_t policy) const {
    std::string name = mode.result_name(round);
    return policies.size() > 1 && !mode.everything ? name + "/" + policy_labels[policy] : name;
  }
};

// Builds the settings from a config that load_config (or config_from_json) read, for a model of
// the given profile (its official everything-mode defaults fill what the config leaves unset);
// throws Error naming the config file when a prompt mode, mask policy, empty rule or baseline is
// unknown, or a mode is listed twice.
RunSettings settings_of(const Config& config, const ModelProfile& model_profile = sam_profile());

}  // namespace sambench
