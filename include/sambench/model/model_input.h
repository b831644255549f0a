#pragma once

// What SamModel takes, in plain types: the pixel normalization its metadata declares and a
// prompt in the decoder's frame. Apart from preprocess.h so that the model needs no OpenCV (the
// model-only speed build, docs/performance.md).

#include <array>
#include <vector>

namespace sambench {

struct Normalization {
  std::array<float, 3> mean;
  std::array<float, 3> std;
};

// A prompt as the decoder takes it: coordinates in the resized frame, labels as floats, with
// SamPredictor's (0, 0)/-1 padding point when there is no box, and box corners last.
struct DecoderPrompt {
  std::vector<float> coords;  // x0, y0, x1, y1, ...
  std::vector<float> labels;
  int size() const { return static_cast<int>(labels.size()); }
};

}  // namespace sambench
