#pragma once

// A prompt handed to SAM: from original-image pixels to the decoder's resized frame.

#include "sambench/model/model_input.h"
#include "sambench/model/preprocess.h"
#include "sambench/prompts/prompt.h"

namespace sambench {

// The prompt's points and box corners in the model's frame, ordered and padded as the model's
// profile says: SAM puts the box corners last and pads point-only prompts with a (0, 0)/-1
// point (SamPredictor); box_position "first" puts the corners first, pad_point "always" pads
// every prompt (SAM 2.1).
DecoderPrompt to_decoder_prompt(const Prompt& prompt, const ResizeTransform& transform,
                                const ModelProfile& profile);

}  // namespace sambench
