#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace sambench {

// Randomness that gives the same numbers on every platform and standard library, so a seeded
// run can be sharded across machines and still reproduce. std::hash and the std distributions
// are implementation-defined; std::mt19937_64's sequence is fixed by the standard.

// FNV-1a, 64 bits, over `size` bytes, continuing from `state` (the offset basis to start).
constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
uint64_t fnv1a64(const void* data, size_t size, uint64_t state = kFnvOffsetBasis);

// SplitMix64's output for state x: spreads FNV's weakly mixed bits over all 64.
uint64_t splitmix64(uint64_t x);

// One seed per (run seed, image id, class label, instance index), whatever order the samples
// come in. Integers are hashed as 8 little-endian bytes; the image id is preceded by its length,
// so no two tuples share a byte string.
uint64_t instance_seed(uint64_t seed, const std::string& image, int class_label, int index);

// Uniform integer in [0, n), n >= 1: modulo with rejection of the biased top values.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);

// Uniform real in [0, 1) from the top 53 bits of one draw.
double uniform_unit(std::mt19937_64& rng);

// Uniform real in [lo, hi).
double uniform_real(std::mt19937_64& rng, double lo, double hi);

}  // namespace sambench
