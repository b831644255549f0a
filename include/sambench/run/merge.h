#pragma once

#include <filesystem>
#include <vector>

namespace sambench {

struct MergeResult {
  std::filesystem::path output;
  long long units = 0, images = 0, instances = 0;
};

// Combines the run folders of the shards of one run (eval --shard i/N, every i once, each
// complete) into `output`: the tables, summary, journal and saved predictions of the unsharded
// run, byte for byte (timings.json aside). Refuses shards made with different configs, code or
// models, missing or repeated shards, and units the shards did not finish. Like eval, it refuses
// an output folder that holds a run or other files unless `overwrite`.
MergeResult run_merge(const std::vector<std::filesystem::path>& shard_dirs, const std::filesystem::path& output,
                      bool overwrite = false);

}  // namespace sambench
