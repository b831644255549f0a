#pragma once

#include <filesystem>

namespace sambench {

// Writes the embedded demo dataset in the `folder` layout (images/, masks/): synthetic RGB
// images with a few organ-like shapes per class, including a C-shaped object whose centroid lies
// outside it. Deterministic for a given seed. With classes > 3, organ-like ellipses labelled
// 4..classes are added to every image (an AMOS-like multi-organ set, for benchmarks).
struct DemoSpec {
  int images = 6;
  int seed = 0;
  int classes = 3;
  // Every image this size, as JPEG like ISIC's photographs (bench at a study's resolution);
  // 0x0: the six sizes and formats the demo cycles through.
  int width = 0, height = 0;
};

void make_demo_dataset(const std::filesystem::path& root, const DemoSpec& spec);

}  // namespace sambench
