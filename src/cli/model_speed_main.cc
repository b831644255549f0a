// sambench-model-speed: the model alone, on synthetic inputs (include/sambench/model_speed.h).
// A program of its own rather than a subcommand, so that it builds with LibTorch alone.

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>

#include <CLI/CLI.hpp>

#include "sambench/base/cores.h"
#include "sambench/base/error.h"
#include "sambench/model/model_speed.h"
#include "sambench/base/version.h"

namespace {

struct Args {
  std::vector<std::string> models;
  std::string device = "auto", precision = "fp32", encode_batches = "1", batches = "1,4,16,64", json;
  int threads = 0;
  sambench::ModelSpeedOptions options;
};

// Loads one model, measures it and prints its own table; the model is released on return, so
// that several large models never share the memory.
std::pair<sambench::ModelSpeedRow, nlohmann::json> measure(const std::string& path, const Args& args,
                                                           const sambench::ModelSpeedOptions& options, int threads) {
  auto start = std::chrono::steady_clock::now();
  sambench::SamModel model = sambench::SamModel::load(path, args.device, args.precision);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sambench::ModelSpeed speed = sambench::measure_model_speed(model, options);
  speed.load_s = load_s;
  speed.threads = threads;
  std::fputs(sambench::model_speed_table(speed, model, options).c_str(), stdout);
  std::fflush(stdout);
  const sambench::ModelInfo& info = model.info();
  return {{info.path.filename().string(), info.model_type, info.device, info.precision, speed},
          sambench::to_json(speed, model, options)};
}

void run(const Args& args) {
  sambench::ModelSpeedOptions options = args.options;
  options.encode_batches = sambench::parse_batches(args.encode_batches);
  options.decode_batches = sambench::parse_batches(args.batches);
  const int threads = sambench::set_threads(args.threads);
  const std::string load_before = sambench::load_average();
  std::vector<sambench::ModelSpeedRow> rows;
  nlohmann::json documents = nlohmann::json::array();
  for (const std::string& path : args.models) {
    auto [row, document] = measure(path, args, options, threads);
    rows.push_back(row);
    documents.push_back(document);
  }
  const std::string load_after = sambench::load_average();
  // Several models: one table of them all after their own.
  if (rows.size() > 1) {
    std::printf("\n%s", sambench::model_speed_side_by_side(rows, options, load_before, load_after).c_str());
  }
  if (!args.json.empty()) {
    std::ofstream out(args.json);
    const nlohmann::json all = {{"models", documents}, {"load_average_before", load_before},
                                {"load_average_after", load_after}};
    out << (rows.size() == 1 ? documents.front() : all).dump(2) << "\n";
    if (!out) throw sambench::Error(args.json, "cannot write");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sambench-model-speed: encoder images/s and decoder prompts/s of an exported SAM"};
  app.set_version_flag("--version", std::string(sambench::version()) + " (" + sambench::git_commit() + ")");
  Args args;
  app.add_option("--model", args.models,
                 "TorchScript SAM from scripts/export_sam.py; repeat it (or list several) to time each model in "
                 "turn and print them side by side")
      ->required();
  app.add_option("--device", args.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--precision", args.precision, "image encoder dtype: fp32, bf16 or fp16 (CUDA)")->capture_default_str();
  app.add_option("--threads", args.threads, "CPU threads (0: one per core this process may use)")->capture_default_str();
  app.add_option("--warmup", args.options.warmup, "untimed calls of each kind first")->capture_default_str();
  app.add_option("--images", args.options.images, "timed encoder calls per batch size")->capture_default_str();
  app.add_option("--encode-batches", args.encode_batches, "images per encoder call, comma-separated")
      ->capture_default_str();
  app.add_option("--decode-batches", args.batches, "prompts per decoder call, comma-separated, or none")
      ->capture_default_str();
  app.add_option("--decode-calls", args.options.decode_calls, "timed decoder calls per batch size")->capture_default_str();
  app.add_option("--json", args.json, "also write the numbers (and every timed call) to this file");
  try {
    app.parse(argc, argv);
    run(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sambench::Error& e) {
    std::fprintf(stderr, "sambench-model-speed: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench-model-speed: internal error: %s\n", sambench::first_line(e.what()).c_str());
    return 3;
  }
  return 0;
}
