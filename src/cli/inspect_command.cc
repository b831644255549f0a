#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "sambench/base/error.h"
#include "sambench/data/inspect.h"
#include "sambench/model/model_profile.h"
#include "sambench/model/sam_model.h"

namespace sambench {

namespace {

struct InspectArgs {
  std::string config;
  std::string json;
  int limit = -1;
};

void print(const Inspection& in) {
  std::printf("adapter %s: %lld sample(s)", in.adapter.c_str(), in.samples);
  if (in.slices) std::printf(" (%lld slice(s))", in.slices);
  std::printf(" in %lld case(s); %lld without any instance (counted, not encoded)\n", in.cases,
              in.without_instances);
  for (const auto& [group, n] : in.groups) std::printf("  group %s: %lld\n", group.c_str(), n);
  std::printf("%s %6s %10s %12s\n", pad("class", 28).c_str(), "images", "instances", "pixels");
  for (const auto& c : in.classes) {
    std::printf("%s %6lld %10lld %12lld\n", pad(std::to_string(c.label) + " " + c.name, 28).c_str(), c.images,
                c.instances, c.pixels);
  }
  std::printf("image size: width %d..%d, height %d..%d\n", in.min_width, in.max_width, in.min_height,
              in.max_height);
  std::printf("model input (RGB uint8 after preprocessing): min %d, max %d, mean %.1f\n", in.intensity_min,
              in.intensity_max, in.intensity_mean);
  if (in.intensity_min == in.intensity_max) {
    std::printf("WARNING: every image is one flat intensity; check the window/percentile settings\n");
  }
  std::printf("field of view: %s\n", in.field_of_view.empty() ? "none (whole images)" : in.field_of_view.c_str());
  if (!in.skipped_files.empty()) std::printf("%s", skipped_files_text(in.skipped_files).c_str());
  if (in.orientation_tags) {
    std::printf("%lld image(s) carry an EXIF orientation tag: read in their stored pixel grid, as their masks\n",
                in.orientation_tags);
  }
}

// The model's profile, read from its metadata without loading it: what the run will follow, with
// the config's overrides (a missing or broken model is reported, not fatal: inspect is about data).
void print_model(const ModelConfig& model) {
  if (model.path.empty()) return;
  try {
    ModelInfo info = read_model_info(model.path);
    const nlohmann::json changed = override_profile(info.profile, model.profile);
    std::printf("model %s (%s): profile %s\n", model.path.c_str(), info.model_type.c_str(),
                describe(info.profile).c_str());
    if (!changed.empty()) {
      std::printf("WARNING: the config overrides the model's profile (%s): runs no longer follow the model's own "
                  "pipeline\n",
                  changed.dump().c_str());
    }
  } catch (const Error& e) {
    std::printf("model: %s\n", e.what());
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Count a config's (or each suite dataset's) samples, slices, cases, classes and instances, and the input intensity range, without the model");
  cmd->add_option("-c,--config", args->config, "YAML config (see configs/)")->required();
  cmd->add_option("--limit", args->limit, "inspect only the first N samples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--json", args->json, "also write the counts as JSON to this file");
  cmd->callback([args] {
    Config config = load_config(args->config);
    if (args->limit >= 0) config.run.limit = args->limit;
    config.models.clear();  // the data does not depend on the model: each dataset once
    nlohmann::json all = nlohmann::json::object();
    std::vector<Config> configs = expand_suite(config);
    for (const auto& one : configs) {
      if (configs.size() > 1) std::printf("== %s\n", one.name.c_str());
      Inspection in = inspect_dataset(one);
      print(in);
      print_model(one.model);
      all[one.name] = in.to_json();
    }
    if (!args->json.empty()) {
      std::ofstream out(args->json);
      out << (configs.size() > 1 ? all : all.begin().value()).dump(2) << "\n";
      if (!out) throw Error(args->json, "cannot write");
    }
  });
}

}  // namespace sambench
