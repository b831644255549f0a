#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

namespace sambench {

// Decoder output for a batch of B prompts (SamModel::decode_on_device): the logits stay on the
// model's device, the predicted IoUs (a few floats, which the policies choose on) come to the host.
struct DeviceDecode {
  int batch = 0;
  int masks = 0;  // outputs per prompt
  int size = 0;   // low-res side (256)
  at::Tensor logits;       // [B, masks, size, size] float32, on the model's device
  std::vector<float> iou;  // B x masks, on the host

  float score(int prompt, int mask) const { return iou[static_cast<size_t>(prompt) * masks + mask]; }
};

}  // namespace sambench
