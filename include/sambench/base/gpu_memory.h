#pragma once

// Peak GPU memory allocated through LibTorch's CUDA caching allocator, for `sambench bench`.
// Needs a LibTorch with CUDA at build time (CMakeLists.txt defines SAMBENCH_CUDA then); without
// it, or on a CPU device, there is nothing to measure.

#include <optional>
#include <string>

namespace sambench {

// Starts a new peak on every CUDA device, unless `device` (a config's model.device) is "cpu".
void reset_peak_gpu_memory(const std::string& device);

// The peak allocated MiB on `device` ("cuda:N", as the run reports it) since the reset;
// nothing for a CPU device or a LibTorch without CUDA.
std::optional<double> peak_gpu_memory_mib(const std::string& device);

}  // namespace sambench
