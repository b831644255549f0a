#pragma once

// The command-line options that override a config's model and run settings, shared by eval,
// bench and finetune so that each means the same everywhere. Command-line paths are relative to
// the current folder; config paths to the config's folder.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sambench/data/config.h"

namespace sambench {

// A CLI11 check that refuses an empty value.
const CLI::Validator& non_empty();

struct RunOverrides {
  std::string model, output, device, embedding_cache, precision, data_root;
  int limit = -1, threads = -1, decode_batch = -1, encode_batch = -1, prefetch = -1, workers = -2, metric_workers = -2;
  bool shared_embedding_cache = false;

  // --model, --output (described by `output_help`), --limit, --threads, --device, --data-root; with
  // `engine`, also --decode-batch, --encode-batch, --prefetch, --workers, --metric-workers, --embedding-cache,
  // --shared-embedding-cache and --precision.
  void add_to(CLI::App* cmd, const std::string& output_help, bool engine);
  // Sets what was given on the command line; the rest stays as the config says.
  void apply(Config& config) const;
};

// The datasets of a suite that `only` names by folder name (every one when empty; the config itself
// when it is no suite); with a models list, one config per model and dataset, and `only` may name
// models too. An unknown name is an Error naming the config.
std::vector<Config> suite_datasets(const Config& config, const std::vector<std::string>& only);

}  // namespace sambench
