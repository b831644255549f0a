#include "sambench/model/model_speed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "sambench/base/error.h"
#include "sambench/base/gpu_memory.h"
#include "sambench/base/median.h"

namespace sambench {

namespace {

using nlohmann::json;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A smooth normalized-image-like input: its values do not change the cost, only its size does.
std::vector<float> synthetic_input(int size) {
  std::vector<float> input(static_cast<size_t>(3) * size * size);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(std::sin(0.001 * static_cast<double>(i)));
  return input;
}

// One positive point per prompt, spread over the image, with SamPredictor's padding point.
std::vector<DecoderPrompt> synthetic_prompts(int count, int image_size) {
  std::vector<DecoderPrompt> prompts;
  for (int i = 0; i < count; ++i) {
    float x = static_cast<float>((i * 37 % 97 + 0.5) / 97.0 * image_size);
    float y = static_cast<float>((i * 61 % 89 + 0.5) / 89.0 * image_size);
    prompts.push_back({{x, y, 0.0f, 0.0f}, {1.0f, -1.0f}});
  }
  return prompts;
}

double rate(double count, double seconds) { return seconds > 0 ? count / seconds : 0.0; }

}  // namespace

ModelSpeed measure_model_speed(const SamModel& model, const ModelSpeedOptions& options) {
  if (options.warmup < 0 || options.images < 1 || options.decode_calls < 1 || options.encode_batches.empty()) {
    throw Error("model speed: needs --warmup >= 0, --images >= 1, --decode-calls >= 1 and an encode batch");
  }
  const ModelInfo& info = model.info();
  const std::vector<float> input = synthetic_input(info.image_size);
  ModelSpeed speed;
  reset_peak_gpu_memory(info.device);
  Embedding embedding = model.encode(input);
  for (int batch : options.encode_batches) {
    const std::vector<const std::vector<float>*> inputs(static_cast<size_t>(batch), &input);
    // Every embedding is copied back, as a run stores or decodes each one.
    auto encode = [&] {
      std::vector<Embedding> embeddings = model.encode_batch(inputs);
      for (const Embedding& e : embeddings) embedding_values(e);
    };
    for (int i = 0; i < options.warmup; ++i) encode();
    std::vector<double> calls;
    for (int i = 0; i < options.images; ++i) {
      auto start = std::chrono::steady_clock::now();
      encode();
      calls.push_back(seconds_since(start));
    }
    speed.encode_s.push_back(calls);
  }
  for (int batch : options.decode_batches) {
    const std::vector<DecoderPrompt> prompts = synthetic_prompts(batch, info.image_size);
    for (int i = 0; i < options.warmup; ++i) model.decode(embedding, prompts);
    std::vector<double> calls;
    for (int i = 0; i < options.decode_calls; ++i) {
      auto start = std::chrono::steady_clock::now();
      model.decode(embedding, prompts);  // returns host vectors: the call has ended on the device
      calls.push_back(seconds_since(start));
    }
    speed.decode_s.push_back(calls);
  }
  speed.peak_gpu_mib = peak_gpu_memory_mib(info.device);
  return speed;
}

json to_json(const ModelSpeed& speed, const SamModel& model, const ModelSpeedOptions& options) {
  const ModelInfo& info = model.info();
  json decode = json::array();
  for (size_t b = 0; b < options.decode_batches.size(); ++b) {
    const int batch = options.decode_batches[b];
    const double s = median(speed.decode_s[b]);
    decode.push_back({{"batch", batch}, {"median_s", s}, {"prompts_per_s", rate(batch, s)}, {"calls_s", speed.decode_s[b]}});
  }
  json encode = json::array();
  for (size_t b = 0; b < options.encode_batches.size(); ++b) {
    const int batch = options.encode_batches[b];
    const double s = median(speed.encode_s[b]);
    encode.push_back({{"batch", batch}, {"median_s", s}, {"images_per_s", rate(batch, s)}, {"calls_s", speed.encode_s[b]}});
  }
  return {{"model", info.path.string()},
          {"model_type", info.model_type},
          {"sha256", info.sha256},
          {"device", info.device},
          {"precision", info.precision},
          {"threads", speed.threads},
          {"load_s", speed.load_s},
          {"warmup", options.warmup},
          {"encoder_attention", info.metadata.value("encoder_attention", "textbook")},
          {"encode", encode},
          {"decode", decode},
          {"peak_gpu_mib", speed.peak_gpu_mib ? json(*speed.peak_gpu_mib) : json(nullptr)}};
}

std::string model_speed_table(const ModelSpeed& speed, const SamModel& model, const ModelSpeedOptions& options) {
  const ModelInfo& info = model.info();
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line, "model %s (%s) on %s, encoder %s, %d thread(s), loaded in %.2f s\n",
                info.path.filename().c_str(), info.model_type.c_str(), info.device.c_str(), info.precision.c_str(),
                speed.threads, speed.load_s);
  out << line;
  for (size_t b = 0; b < options.encode_batches.size(); ++b) {
    const int batch = options.encode_batches[b];
    const double s = median(speed.encode_s[b]);
    std::snprintf(line, sizeof line, "encode batch %3d median %9.4f s   %9.3f images/s   (%zu calls)\n", batch, s,
                  rate(batch, s), speed.encode_s[b].size());
    out << line;
  }
  for (size_t b = 0; b < options.decode_batches.size(); ++b) {
    const int batch = options.decode_batches[b];
    const double s = median(speed.decode_s[b]);
    std::snprintf(line, sizeof line, "decode batch %3d median %9.4f s   %9.1f prompts/s  (%zu calls)\n", batch, s,
                  rate(batch, s), speed.decode_s[b].size());
    out << line;
  }
  if (speed.peak_gpu_mib) {
    std::snprintf(line, sizeof line, "peak GPU memory %.0f MiB allocated\n", *speed.peak_gpu_mib);
    out << line;
  }
  return out.str();
}

std::string model_speed_side_by_side(const std::vector<ModelSpeedRow>& rows, const ModelSpeedOptions& options,
                                     const std::string& load_before, const std::string& load_after) {
  size_t width = 5;  // "model"
  for (const ModelSpeedRow& row : rows) width = std::max(width, row.model.size());
  std::ostringstream out;
  char cell[64];
  auto column = [&](const char* format, auto value, int size) {
    std::snprintf(cell, sizeof cell, format, size, value);
    out << cell;
  };
  // "encode 1" is images/s with one image per encoder call, "decode 16" prompts/s with 16 per call.
  column("%-*s", "model", static_cast<int>(width));
  column("  %-*s", "type", 14);
  column("  %*s", "load s", 6);
  for (int batch : options.encode_batches) column("  %*s", ("encode " + std::to_string(batch)).c_str(), 10);
  for (int batch : options.decode_batches) column("  %*s", ("decode " + std::to_string(batch)).c_str(), 10);
  out << '\n';
  for (const ModelSpeedRow& row : rows) {
    column("%-*s", row.model.c_str(), static_cast<int>(width));
    column("  %-*s", row.model_type.c_str(), 14);
    column("  %*.2f", row.speed.load_s, 6);
    for (size_t b = 0; b < options.encode_batches.size(); ++b) {
      column("  %*.3f", rate(options.encode_batches[b], median(row.speed.encode_s[b])), 10);
    }
    for (size_t b = 0; b < options.decode_batches.size(); ++b) {
      column("  %*.1f", rate(options.decode_batches[b], median(row.speed.decode_s[b])), 10);
    }
    out << '\n';
  }
  const ModelSpeedRow& first = rows.front();
  out << "encode N: images/s with N images per encoder call; decode N: prompts/s with N prompts per decoder call\n"
      << "on " << first.device << ", encoder " << first.precision << ", " << first.speed.threads
      << " thread(s); medians of " << options.images << " encoder and " << options.decode_calls
      << " decoder call(s) per batch after " << options.warmup << " warm-up call(s)\n"
      << "load average " << load_before << " before, " << load_after
      << " after (other processes slow every number; compare tables made under the same load)\n";
  return out.str();
}

std::vector<int> parse_batches(const std::string& text) {
  if (text == "none") return {};
  std::vector<int> batches;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || value < 1) {
      throw Error("decode batches: expected positive integers separated by commas, got '" + text + "'");
    }
    batches.push_back(value);
  }
  if (batches.empty()) throw Error("decode batches: none given");
  return batches;
}

}  // namespace sambench
