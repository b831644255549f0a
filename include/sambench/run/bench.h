#pragma once

// The benchmark: whole evaluations repeated after warm-up, timed per stage.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/data/config.h"

namespace sambench {

struct BenchOptions {
  int warmup = 1;  // evaluations run first and not counted (caches, allocator, page cache)
  int repeat = 3;  // evaluations measured; the report gives their medians
};

// One measured evaluation. `loop_s` is the sample loop (wall time less model loading and
// writing), what images/s and prompts/s divide by.
struct BenchRepeat {
  double wall_s = 0, load_s = 0, loop_s = 0, write_s = 0;
  long long images = 0, prompts = 0;
  std::map<std::string, double> stages;  // seconds summed over the run (timings.json's stages)
  // Harness overhead: the share of the loop spent outside the encoder and decoder. The median
  // repeat carries the median of the repeats' shares: medians taken stage by stage need not add
  // up to the median loop, and their difference can even come out negative.
  double overhead_share = 0;
};

struct BenchResult {
  std::vector<BenchRepeat> repeats;
  BenchRepeat median;       // per field, the median over repeats
  double peak_rss_mib = 0;  // the process's, over warm-up and repeats
  std::optional<double> peak_gpu_mib;  // CUDA: LibTorch's peak allocated memory over the repeats
  nlohmann::json context;   // device, threads, cores, load average, config
};

// model.path (--model) naming no model but the stand-in: each object's mask is its ground
// truth shifted by a few pixels, so the repeats time the harness alone (EvalOptions).
inline const char* const kStandInModel = "none";

// Runs the evaluation warmup + repeat times into config.run.output (overwritten each time).
BenchResult run_bench(const Config& config, const BenchOptions& options);

// The stages in pipeline order, then any other stage the run timed.
std::vector<std::string> bench_stages(const BenchRepeat& repeat);

nlohmann::json to_json(const BenchResult& result);
std::string bench_table(const BenchResult& result);

}  // namespace sambench
