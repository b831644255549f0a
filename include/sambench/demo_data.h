#pragma once

#include <filesystem>

namespace sambench {

// Writes the embedded demo dataset in the `folder` layout (images/, masks/): synthetic RGB
// images with a few organ-like shapes per class, including a C-shaped object whose centroid lies
// outside it. Deterministic for a given seed.
struct DemoSpec {
  int images = 6;
  int seed = 0;
};

void make_demo_dataset(const std::filesystem::path& root, const DemoSpec& spec);

}  // namespace sambench
