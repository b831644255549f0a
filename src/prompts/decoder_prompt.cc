#include "sambench/prompts/decoder_prompt.h"

namespace sambench {

DecoderPrompt to_decoder_prompt(const Prompt& prompt, const ResizeTransform& t, const ModelProfile& profile) {
  DecoderPrompt out;
  auto add = [&](cv::Point2d p, int label) {
    cv::Point2d q = t.apply(p);
    out.coords.push_back(static_cast<float>(q.x));
    out.coords.push_back(static_cast<float>(q.y));
    out.labels.push_back(static_cast<float>(label));
  };
  auto add_box = [&] {
    if (!prompt.box) return;
    add(prompt.box->top_left, kBoxTopLeft);
    add(prompt.box->bottom_right, kBoxBottomRight);
  };
  if (profile.box_position == BoxPosition::kFirst) add_box();
  for (size_t i = 0; i < prompt.points.size(); ++i) add(prompt.points[i], prompt.labels[i]);
  if (profile.box_position == BoxPosition::kLast) add_box();
  // SamPredictor pads point-only prompts with a "not a point"; SAM was trained that way. SAM 2.1
  // passes its box as two points, so every non-empty prompt is padded.
  const bool pad = prompt.box ? profile.pad_point == PadPoint::kAlways : !prompt.points.empty();
  if (pad) {
    out.coords.push_back(0.0f);
    out.coords.push_back(0.0f);
    out.labels.push_back(static_cast<float>(kPadding));
  }
  return out;
}

}  // namespace sambench
