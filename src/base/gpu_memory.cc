#include "sambench/base/gpu_memory.h"

#ifdef SAMBENCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#endif

namespace sambench {

#ifdef SAMBENCH_CUDA

void reset_peak_gpu_memory(const std::string& device) {
  if (device == "cpu" || !torch::cuda::is_available()) return;
  for (int d = 0; d < static_cast<int>(torch::cuda::device_count()); ++d) {
    // A tensor initializes the device's allocator first: its statistics do not exist before.
    torch::zeros({1}, torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(d)));
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(d));
  }
}

std::optional<double> peak_gpu_memory_mib(const std::string& device) {
  const torch::Device where(device);
  if (!where.is_cuda()) return std::nullopt;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(where.has_index() ? where.index() : 0);
  // [0] is StatType::AGGREGATE (all pools); the enum's namespace differs between LibTorch versions.
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
}

#else

void reset_peak_gpu_memory(const std::string&) {}

std::optional<double> peak_gpu_memory_mib(const std::string&) { return std::nullopt; }

#endif

}  // namespace sambench
