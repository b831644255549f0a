#include "sambench/run/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "sambench/base/cores.h"
#include "sambench/base/error.h"
#include "sambench/run/eval.h"
#include "sambench/base/gpu_memory.h"
#include "sambench/base/median.h"
#include "sambench/model/sam_model.h"

namespace sambench {

namespace {

using nlohmann::json;

const std::vector<std::string> kStageOrder = {"wait",   "read",    "preprocess", "cache",   "encode", "prompt",
                                              "decode", "upscale", "score",      "metrics", "write", "wait_workers"};

double overhead_share(const BenchRepeat& r) {
  auto stage = [&](const char* s) { return r.stages.count(s) ? r.stages.at(s) : 0.0; };
  return r.loop_s > 0 ? std::max(0.0, r.loop_s - stage("encode") - stage("decode")) / r.loop_s : 0.0;
}

// One repeat from its eval's timings; `total` is the whole run_eval call, writing included.
BenchRepeat measure(const EvalResult& result, double total) {
  const json& timings = result.timings;
  BenchRepeat r;
  r.wall_s = total;
  r.load_s = timings.at("model_load_s").get<double>();
  r.write_s = total - result.wall_seconds;  // the tables and JSON written after the loop
  r.loop_s = result.wall_seconds - r.load_s;
  r.images = timings.at("images").get<long long>();
  r.prompts = timings.at("prompts").get<long long>();
  for (const auto& [stage, value] : timings.at("stages").items()) r.stages[stage] = value.at("total_s").get<double>();
  r.stages["write"] += r.write_s;  // saved predictions are timed as "write" inside the loop
  r.overhead_share = overhead_share(r);
  return r;
}

BenchRepeat median_of(const std::vector<BenchRepeat>& repeats) {
  auto field = [&](auto get) {
    std::vector<double> values;
    for (const auto& r : repeats) values.push_back(static_cast<double>(get(r)));
    return median(values);
  };
  BenchRepeat m;
  m.wall_s = field([](const BenchRepeat& r) { return r.wall_s; });
  m.load_s = field([](const BenchRepeat& r) { return r.load_s; });
  m.loop_s = field([](const BenchRepeat& r) { return r.loop_s; });
  m.write_s = field([](const BenchRepeat& r) { return r.write_s; });
  m.images = static_cast<long long>(field([](const BenchRepeat& r) { return r.images; }));
  m.prompts = static_cast<long long>(field([](const BenchRepeat& r) { return r.prompts; }));
  m.overhead_share = field([](const BenchRepeat& r) { return r.overhead_share; });
  for (const auto& stage : bench_stages(repeats.front())) {
    m.stages[stage] = field([&](const BenchRepeat& r) { return r.stages.count(stage) ? r.stages.at(stage) : 0.0; });
  }
  return m;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

double rate(long long count, double seconds) { return seconds > 0 ? static_cast<double>(count) / seconds : 0.0; }

json repeat_json(const BenchRepeat& r) {
  return {{"wall_s", r.wall_s},
          {"model_load_s", r.load_s},
          {"loop_s", r.loop_s},
          {"write_s", r.write_s},
          {"images", r.images},
          {"prompts", r.prompts},
          {"images_per_s", rate(r.images, r.loop_s)},
          {"prompts_per_s", rate(r.prompts, r.loop_s)},
          {"overhead_share", r.overhead_share},
          {"stages_s", r.stages}};
}

std::string peak_gpu_text(const BenchResult& result) {
  if (!result.peak_gpu_mib) return "";
  char text[64];
  std::snprintf(text, sizeof text, ", peak GPU memory %.0f MiB allocated", *result.peak_gpu_mib);
  return text;
}

}  // namespace

std::vector<std::string> bench_stages(const BenchRepeat& repeat) {
  std::vector<std::string> stages;
  for (const auto& s : kStageOrder) {
    if (repeat.stages.count(s)) stages.push_back(s);
  }
  for (const auto& [s, seconds] : repeat.stages) {
    if (std::find(stages.begin(), stages.end(), s) == stages.end()) stages.push_back(s);
  }
  return stages;
}

BenchResult run_bench(const Config& config, const BenchOptions& options) {
  if (options.warmup < 0 || options.repeat < 1) throw Error("bench: needs --warmup >= 0 and --repeat >= 1");
  BenchResult result;
  result.context = {{"config_file", config.file.string()},
                    {"model", config.model.path.string()},
                    {"load_average_at_start", load_average()},
                    {"cores", usable_cores()},
                    {"machine_cores", std::thread::hardware_concurrency()},
                    {"optimized_blas", optimized_blas_loaded()},
                    {"prefetch", config.run.prefetch},
                    {"workers", config.run.workers},
                    {"metric_workers", config.run.metric_workers},
                    {"decode_batch", config.run.decode_batch},
                    {"encode_batch", config.run.encode_batch},
                    {"precision", config.model.precision},
                    {"embedding_cache", config.run.embedding_cache.string()},
                    {"warmup", options.warmup},
                    {"repeat", options.repeat}};
  EvalOptions eval_options;
  eval_options.stand_in_model = config.model.path == kStandInModel;
  // bench's folder is scratch (<run.output>-bench unless --output says otherwise): each repeat
  // replaces the run before. The guards that stay: `/` and $HOME are refused, the folder is
  // locked, and only files a run listed are removed.
  eval_options.overwrite = true;
  EvalResult last;
  for (int i = 0; i < options.warmup + options.repeat; ++i) {
    std::fprintf(stderr, "sambench bench: %s %d of %d\n", i < options.warmup ? "warm-up" : "repeat",
                 i < options.warmup ? i + 1 : i - options.warmup + 1,
                 i < options.warmup ? options.warmup : options.repeat);
    if (i == options.warmup) reset_peak_gpu_memory(config.model.device);
    auto start = std::chrono::steady_clock::now();
    last = run_eval(config, eval_options);
    double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i >= options.warmup) result.repeats.push_back(measure(last, total));
  }
  result.median = median_of(result.repeats);
  result.peak_rss_mib = peak_rss_mib();
  result.context["device"] = last.timings.at("device");
  result.peak_gpu_mib = peak_gpu_memory_mib(last.timings.at("device").get<std::string>());
  result.context["threads"] = last.timings.at("threads");
  result.context["decode_batch"] = last.decode_batch;
  result.context["encode_batch"] = last.timings.at("encode_batch");
  result.context["load_average_at_end"] = load_average();
  return result;
}

json to_json(const BenchResult& result) {
  json repeats = json::array();
  for (const auto& r : result.repeats) repeats.push_back(repeat_json(r));
  return {{"context", result.context},
          {"median", repeat_json(result.median)},
          {"repeats", repeats},
          {"peak_rss_mib", result.peak_rss_mib},
          {"peak_gpu_mib", result.peak_gpu_mib ? json(*result.peak_gpu_mib) : json(nullptr)}};
}

std::string bench_table(const BenchResult& result) {
  const BenchRepeat& m = result.median;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %12s %14s %8s\n", "stage", "median s", "per image ms", "of loop");
  out += line;
  for (const auto& stage : bench_stages(m)) {
    double s = m.stages.at(stage);
    std::snprintf(line, sizeof line, "%-12s %12.3f %14.1f %7.1f%%\n", stage.c_str(), s,
                  m.images ? 1000.0 * s / static_cast<double>(m.images) : 0.0, m.loop_s > 0 ? 100.0 * s / m.loop_s : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "loop %.3f s (model load %.3f s, write %.3f s), %lld image(s), %lld prompt(s)\n"
                "images/s %.3f, prompts/s %.3f, harness overhead %.1f%% (all but encode and decode)\n"
                "peak RSS %.0f MiB%s; medians of %zu repeat(s)\n",
                m.loop_s, m.load_s, m.write_s, m.images, m.prompts, rate(m.images, m.loop_s),
                rate(m.prompts, m.loop_s), 100.0 * m.overhead_share, result.peak_rss_mib,
                peak_gpu_text(result).c_str(), result.repeats.size());
  out += line;
  out += "device " + result.context.value("device", std::string()) + ", encoder precision " +
         result.context.value("precision", std::string()) + "\n";
  out += "load average " + result.context.value("load_average_at_start", std::string()) + " before, " +
         result.context.value("load_average_at_end", std::string()) +
         " after (other processes slow every stage; compare runs made under the same load)\n";
  return out;
}

}  // namespace sambench
