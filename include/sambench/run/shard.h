#pragma once

// Whole cases as the unit of work: what a journal records, a resumed run skips, and a shard
// (--shard i/N) takes. A volume's slices form one unit, so that a volume never splits.

#include <string>
#include <vector>

#include "sambench/data/dataset.h"

namespace sambench {

// --shard i/N: shard i (0-based, i < N) of N.
struct Shard {
  int index = 0;
  int count = 1;
  std::string name() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "i/N"; throws Error on anything else.
Shard parse_shard(const std::string& text);

// A case (the consecutive samples sharing a case id) or a sample without one.
struct Unit {
  long long index = 0;  // position in the whole listing, shards included
  std::string key;      // the case id, or the sample id
  std::vector<SampleRef> samples;
};

std::vector<Unit> list_units(const std::vector<SampleRef>& samples);

// The units of one shard: every N-th (index % N == i), so that each shard gets a mix of the
// listing (datasets list their subsets one after another).
std::vector<Unit> shard_units(const std::vector<Unit>& units, const Shard& shard);

// The samples of `units`, in order.
std::vector<SampleRef> samples_of(const std::vector<Unit>& units);

}  // namespace sambench
