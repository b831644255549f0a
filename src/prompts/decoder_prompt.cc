#include "sambench/prompts/decoder_prompt.h"

namespace sambench {

DecoderPrompt to_decoder_prompt(const Prompt& prompt, const ResizeTransform& t) {
  DecoderPrompt out;
  auto add = [&](cv::Point2d p, int label) {
    cv::Point2d q = t.apply(p);
    out.coords.push_back(static_cast<float>(q.x));
    out.coords.push_back(static_cast<float>(q.y));
    out.labels.push_back(static_cast<float>(label));
  };
  for (size_t i = 0; i < prompt.points.size(); ++i) add(prompt.points[i], prompt.labels[i]);
  if (prompt.box) {
    add(prompt.box->top_left, kBoxTopLeft);
    add(prompt.box->bottom_right, kBoxBottomRight);
  } else if (!prompt.points.empty()) {
    // SamPredictor pads point-only prompts with a "not a point"; SAM was trained that way.
    out.coords.push_back(0.0f);
    out.coords.push_back(0.0f);
    out.labels.push_back(static_cast<float>(kPadding));
  }
  return out;
}

}  // namespace sambench
