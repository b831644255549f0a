#include "run/settings.h"

#include <algorithm>

#include "sambench/base/error.h"

namespace sambench {

namespace {

// A plain or iterative mode's rule, or the automatic generation's options.
Mode mode_of(const ModeSpec& spec, const ModelProfile& profile) {
  if (spec.everything) {
    AutomaticOptions options = parse_automatic_options(spec.rule, automatic_defaults(profile));
    return {"everything(points_per_side=" + std::to_string(options.points_per_side) + ")", nullptr, 0, options};
  }
  Mode mode{"", make_prompt_rule(spec.rule), spec.rounds, std::nullopt};
  mode.name = mode.rounds ? "iterative(" + mode.rule->name() + ",rounds=" + std::to_string(mode.rounds) + ")"
                          : mode.rule->name();
  return mode;
}

// What one round of a prompted mode feeds SAM, as summary.json says it.
std::string round_description(const Mode& mode, int round) {
  const std::string start = mode.rule->describe();
  if (!mode.rounds) return start;
  return "iterative, after " + std::to_string(round) + " prompt(s): the start prompt (" + start + ") plus " +
         std::to_string(round - 1) +
         " corrective click(s), each at the distance-transform maximum of the largest "
         "error region of the previous mask (positive where the object was missed, "
         "negative where the mask overflows), with the previous low-res logits as mask "
         "input; no click once the mask is exact";
}

// The sets a mode fills: one for automatic generation; per round and policy for a prompted mode.
void add_result_sets(RunSettings& settings, const Mode& mode) {
  if (mode.everything) {
    settings.result_sets.push_back({mode.name, describe(*mode.everything)});
    return;
  }
  const std::vector<MaskPolicy>& policies = settings.policies;
  for (int round = 1; round <= std::max(1, mode.rounds); ++round) {
    const std::string description = round_description(mode, round);
    for (size_t k = 0; k < policies.size(); ++k) {
      settings.result_sets.push_back({settings.set_name(mode, round, k),
                                      policies.size() > 1 ? description + "; mask policy " + describe(policies[k])
                                                          : description});
    }
  }
}

RunSettings build(const Config& config, const ModelProfile& profile) {
  RunSettings settings;
  for (const ModeSpec& spec : config.prompt.modes) settings.modes.push_back(mode_of(spec, profile));
  for (const std::string& name : config.mask_policy.names) {
    settings.policies.push_back(parse_mask_policy(name));
    settings.policy_labels.push_back(name);
  }
  settings.empty_rule = parse_empty_rule(config.empty_rule);
  settings.baselines = parse_baselines(config.baselines);
  for (auto mode = settings.modes.begin(); mode != settings.modes.end(); ++mode) {
    const bool repeated = std::any_of(settings.modes.begin(), mode, [&](const Mode& m) { return m.name == mode->name; });
    if (repeated && !mode->everything) throw Error("prompt: the mode " + mode->name + " is listed twice");
    add_result_sets(settings, *mode);
  }
  return settings;
}

}  // namespace

RunSettings settings_of(const Config& config, const ModelProfile& model_profile) {
  try {
    return build(config, model_profile);
  } catch (const Error& e) {
    throw Error(config.file.empty() ? std::filesystem::path("config") : config.file, e.what());
  }
}

}  // namespace sambench
