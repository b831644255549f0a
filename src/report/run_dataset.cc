#include "sambench/report/run_dataset.h"

#include <sys/stat.h>
#include <unistd.h>

#include "sambench/base/error.h"

namespace sambench {

namespace fs = std::filesystem;

namespace {

bool owned_by_me(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == ::geteuid();
}

fs::path dataset_root_of(const Config& config) {
  return (config.dataset_base / config.dataset.value("root", std::string())).lexically_normal();
}

bool inside(const fs::path& file, const fs::path& root) {
  const fs::path relative = fs::absolute(file).lexically_normal().lexically_relative(fs::absolute(root).lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

Config confirmed_run_config(const fs::path& run_dir, const nlohmann::json& summary, const fs::path& dataset_root) {
  Config config = config_from_json(summary.at("config"), summary.value("config_file", ""));
  if (!dataset_root.empty()) {
    config.dataset["root"] = fs::absolute(dataset_root).lexically_normal().string();
    return config;
  }
  if (!owned_by_me(run_dir) || !owned_by_me(run_dir / "summary.json")) {
    throw Error(run_dir / "summary.json", "the run folder is not yours, so its recorded dataset root (" +
                                              dataset_root_of(config).string() +
                                              ") is not read without your word: pass --dataset-root DIR");
  }
  return config;
}

void check_inside_root(const Config& config, const std::vector<SampleRef>& samples) {
  const fs::path root = dataset_root_of(config);
  for (const auto& ref : samples) {
    for (const fs::path* file : {&ref.image, &ref.mask, &ref.roi}) {
      if (!file->empty() && !inside(*file, root)) {
        throw Error(*file, "lies outside the dataset root " + root.string() + "; refusing to read it");
      }
    }
  }
}

}  // namespace sambench
