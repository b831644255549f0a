#pragma once

// What SAM kept for each prompt, and how it is saved beside the scores for inspection in a
// viewer and for re-scoring without the model (`sambench rescore`).

#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include "sambench/data/instances.h"

namespace sambench {

struct Prediction {
  cv::Mat mask;  // CV_8U, 0/1, the image's full resolution; empty until a step needs it on the host
  int mask_index = 0;
  float score = 0.0f;  // SAM's predicted IoU for the kept mask
  // The kept mask's [size, size] low-res logits where the model ran (a GPU's or the CPU's
  // memory), until it is brought to full resolution; may be read from a worker thread.
  at::Tensor low_res;
  std::vector<float> logits;  // the same on the host, clamped, only when saved or fed to the next round
  int logits_size = 0;
};

// Paths relative to the run folder. The image id may hold '/' (volume/slice), which becomes a
// sub-folder, so a slice's files carry its index.
std::string instance_mask_path(const std::string& image, const std::string& class_name, int instance);
std::string instance_logits_path(const std::string& image, const std::string& class_name, int instance);
std::string label_map_path(const std::string& image);

// A binary mask as an 8-bit PNG with 0 and 255, the form viewers show as is.
void write_mask_png(const std::filesystem::path& file, const cv::Mat& mask);
cv::Mat read_mask_png(const std::filesystem::path& file);  // back to 0/1

// One label map from the kept masks of an image: each pixel takes the class of the covering
// instance with the highest predicted score (ties: the earlier instance). 16-bit if a label
// exceeds 255.
cv::Mat merge_label_map(const std::vector<Instance>& instances,
                        const std::vector<Prediction>& predictions, cv::Size size);

// float32 .npy (NumPy format 1.0), C order.
void write_npy(const std::filesystem::path& file, const std::vector<float>& values, int rows, int cols);

}  // namespace sambench
