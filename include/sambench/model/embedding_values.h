#pragma once

// An encoded image as host values: the feature tensors a model's decode takes before the prompt,
// in that order. SAM has one ([256, E, E]); SAM 2.1 three (the image embedding and the two
// high-resolution maps its mask decoder upsamples with). Without LibTorch, so that the disk cache
// and callers need none.

#include <cstddef>
#include <string>
#include <vector>

namespace sambench {

// One feature's shape without the batch dimension.
struct FeatureShape {
  int channels = 0, height = 0, width = 0;

  size_t count() const { return static_cast<size_t>(channels) * height * width; }
  std::string text() const {
    return "[" + std::to_string(channels) + "," + std::to_string(height) + "," + std::to_string(width) + "]";
  }
  bool operator==(const FeatureShape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
  bool operator!=(const FeatureShape& o) const { return !(*this == o); }
};

// The shapes as "[256,64,64] [32,256,256]", for messages.
inline std::string shapes_text(const std::vector<FeatureShape>& shapes) {
  std::string s;
  for (const FeatureShape& shape : shapes) s += (s.empty() ? "" : " ") + shape.text();
  return s;
}

struct FeatureValues {
  FeatureShape shape;
  std::vector<float> values;  // shape.count() floats, channel-major as the tensor holds them

  bool operator==(const FeatureValues& o) const { return shape == o.shape && values == o.values; }
};

struct EmbeddingValues {
  std::vector<FeatureValues> features;  // in the order decode takes them

  std::vector<FeatureShape> shapes() const {
    std::vector<FeatureShape> out;
    for (const FeatureValues& f : features) out.push_back(f.shape);
    return out;
  }
  bool operator==(const EmbeddingValues& o) const { return features == o.features; }
  bool operator!=(const EmbeddingValues& o) const { return !(*this == o); }
};

}  // namespace sambench
