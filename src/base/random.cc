#include "sambench/base/random.h"

namespace sambench {

namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// Little-endian whatever the host, so the hash does not depend on byte order.
uint64_t hash_u64(uint64_t value, uint64_t state) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  return fnv1a64(bytes, sizeof bytes, state);
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t size, uint64_t state) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    state ^= bytes[i];
    state *= kFnvPrime;
  }
  return state;
}

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t instance_seed(uint64_t seed, const std::string& image, int class_label, int index) {
  uint64_t h = hash_u64(seed, kFnvOffsetBasis);
  h = hash_u64(image.size(), h);
  h = fnv1a64(image.data(), image.size(), h);
  // Sign-extended, so negative labels hash as their two's-complement 64-bit value.
  h = hash_u64(static_cast<uint64_t>(static_cast<int64_t>(class_label)), h);
  h = hash_u64(static_cast<uint64_t>(static_cast<int64_t>(index)), h);
  return splitmix64(h);
}

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  // 2^64 mod n: draws below it would make the low residues more likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double uniform_real(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * uniform_unit(rng);
}

}  // namespace sambench
