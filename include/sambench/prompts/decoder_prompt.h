#pragma once

// A prompt handed to SAM: from original-image pixels to the decoder's resized frame.

#include "sambench/model/model_input.h"
#include "sambench/model/preprocess.h"
#include "sambench/prompts/prompt.h"

namespace sambench {

// Points first, then the box's corners; point-only prompts get SamPredictor's padding point.
DecoderPrompt to_decoder_prompt(const Prompt& prompt, const ResizeTransform& transform);

}  // namespace sambench
