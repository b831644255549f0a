#pragma once

// Model-only speed: the encoder's images/s and the decoder's prompts/s per decode batch, with
// the peak GPU memory, on synthetic inputs. It needs only LibTorch (and nlohmann_json and CLI11,
// header-only), so it also builds where sambench's other dependencies are missing: the device
// machine, whose PyTorch carries LibTorch but which has no OpenCV, ITK or yaml-cpp
// (`-DSAMBENCH_MODEL_ONLY=ON`, scripts/device_model_speed.sh). The whole-pipeline benchmark is
// `sambench bench`.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/model/sam_model.h"

namespace sambench {

struct ModelSpeedOptions {
  int warmup = 3;                              // calls of each kind run first and not timed
  int images = 10;                             // encoder calls timed per batch size
  std::vector<int> encode_batches = {1};       // images per encoder call (SamModel::encode_batch)
  std::vector<int> decode_batches = {1, 4, 16, 64};  // may be empty: no decoder measured
  int decode_calls = 5;                        // decoder calls timed per batch size
};

struct ModelSpeed {
  double load_s = 0;
  int threads = 0;
  std::vector<std::vector<double>> encode_s;       // per encode batch size, each timed call
  std::vector<std::vector<double>> decode_s;       // per batch size, each timed call
  std::optional<double> peak_gpu_mib;              // over the timed calls, CUDA only
};

// Loads nothing: `model` is loaded by the caller (load_s is the caller's to fill). Encoder calls
// include copying the embedding back to the host (4 MiB), which is what makes a CUDA call end.
ModelSpeed measure_model_speed(const SamModel& model, const ModelSpeedOptions& options);

nlohmann::json to_json(const ModelSpeed& speed, const SamModel& model, const ModelSpeedOptions& options);
std::string model_speed_table(const ModelSpeed& speed, const SamModel& model, const ModelSpeedOptions& options);

// One model's measurement, kept after the model itself is released (several models in one run).
struct ModelSpeedRow {
  std::string model;       // the .pt's file name
  std::string model_type;  // its metadata's model_type
  std::string device, precision;
  ModelSpeed speed;
};

// Every model side by side, one line each: encoder images/s per encode batch and decoder
// prompts/s per decode batch (medians), the load time, and the load average before and after.
std::string model_speed_side_by_side(const std::vector<ModelSpeedRow>& rows, const ModelSpeedOptions& options,
                                     const std::string& load_before, const std::string& load_after);

// "1,4,16" → {1, 4, 16}; throws Error on anything but positive integers. "none" → {}.
std::vector<int> parse_batches(const std::string& text);

}  // namespace sambench
