// sambench-model-speed: the model alone, on synthetic inputs (include/sambench/model_speed.h).
// A program of its own rather than a subcommand, so that it builds with LibTorch alone.

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>

#include <CLI/CLI.hpp>

#include "sambench/base/error.h"
#include "sambench/model/model_speed.h"
#include "sambench/base/version.h"

namespace {

struct Args {
  std::string model, device = "auto", precision = "fp32", encode_batches = "1", batches = "1,4,16,64", json;
  int threads = 0;
  sambench::ModelSpeedOptions options;
};

void run(const Args& args) {
  sambench::ModelSpeedOptions options = args.options;
  options.encode_batches = sambench::parse_batches(args.encode_batches);
  options.decode_batches = sambench::parse_batches(args.batches);
  const int threads = sambench::set_threads(args.threads);
  auto start = std::chrono::steady_clock::now();
  sambench::SamModel model = sambench::SamModel::load(args.model, args.device, args.precision);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sambench::ModelSpeed speed = sambench::measure_model_speed(model, options);
  speed.load_s = load_s;
  speed.threads = threads;
  std::fputs(sambench::model_speed_table(speed, model, options).c_str(), stdout);
  if (!args.json.empty()) {
    std::ofstream out(args.json);
    out << sambench::to_json(speed, model, options).dump(2) << "\n";
    if (!out) throw sambench::Error(args.json, "cannot write");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sambench-model-speed: encoder images/s and decoder prompts/s of an exported SAM"};
  app.set_version_flag("--version", std::string(sambench::version()) + " (" + sambench::git_commit() + ")");
  Args args;
  app.add_option("--model", args.model, "TorchScript SAM from scripts/export_sam.py")->required();
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
