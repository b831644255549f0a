#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/data/config.h"

namespace sambench {

// The `finetune:` section of a config: how SAM's decoder is trained on a dataset's masks.
// The rest of the config (dataset, model, instances, prompt, run.output, run.threads) means what
// it means for `sambench eval`.
struct FinetuneOptions {
  bool train_prompt_encoder = false;  // parts: [mask_decoder] (always) and optionally prompt_encoder
  double dice_weight = 1.0;           // loss = dice_weight * soft Dice loss + bce_weight * BCE
  double bce_weight = 1.0;
  double lr = 1e-4;
  double weight_decay = 0.01;
  int epochs = 20;
  int batch_size = 1;  // images per optimizer step (gradients accumulated, loss averaged)
  long long seed = 0;  // split, shuffling and augmentation
  bool flips = true;   // augmentation: horizontal/vertical flips
  bool rot90 = true;   // augmentation: rotations by multiples of 90 degrees
  double validation_fraction = 0.2;  // of the listed samples, held out (at least one if > 0)
};

// Reads and checks the section; unknown keys and out-of-range values are errors naming `file`.
FinetuneOptions parse_finetune_options(const nlohmann::json& section, const std::filesystem::path& file);
nlohmann::json to_json(const FinetuneOptions& options);

struct EpochRecord {
  int epoch = 0;             // 0: the base model, before any update
  double train_loss = 0;     // mean over the epoch's training images (NaN for epoch 0)
  double validation_dice = 0;  // mean hard Dice over the held-out images (NaN without any)
  double seconds = 0;
};

struct FinetuneRun {
  bool resume = false;  // continue from <output>/checkpoint.pt
  int stop_after = 0;   // stop after this epoch (checkpoint kept), 0: train to the end
};

struct FinetuneResult {
  std::filesystem::path model;  // the tuned .pt; empty when stopped early
  std::vector<EpochRecord> log;
  std::vector<std::string> train_ids, validation_ids;
};

// Trains, checkpointing every epoch, and writes into config.run.output: finetuned.pt,
// training_log.csv, training_curve.png and checkpoint.pt. Throws Error.
FinetuneResult finetune(const Config& config, const FinetuneRun& run);

// The training_log.csv text of a log.
std::string training_log_csv(const std::vector<EpochRecord>& log);

}  // namespace sambench
