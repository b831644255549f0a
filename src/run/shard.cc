#include "sambench/run/shard.h"

#include <regex>

#include "sambench/base/error.h"

namespace sambench {

Shard parse_shard(const std::string& text) {
  static const std::regex pattern("([0-9]{1,9})/([0-9]{1,9})");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) {
    throw Error("--shard: expected i/N (e.g. 0/4), got '" + text + "'");
  }
  Shard shard{std::stoi(m[1]), std::stoi(m[2])};
  if (shard.count < 1 || shard.index >= shard.count) {
    throw Error("--shard " + text + ": i must be in 0..N-1 (shards are numbered from 0)");
  }
  return shard;
}

std::vector<Unit> list_units(const std::vector<SampleRef>& samples) {
  std::vector<Unit> units;
  for (const auto& ref : samples) {
    const std::string& key = ref.case_id.empty() ? ref.id : ref.case_id;
    if (ref.case_id.empty() || units.empty() || units.back().key != key) {
      units.push_back({static_cast<long long>(units.size()), key, {}});
    }
    units.back().samples.push_back(ref);
  }
  return units;
}

std::vector<Unit> shard_units(const std::vector<Unit>& units, const Shard& shard) {
  std::vector<Unit> out;
  for (const auto& unit : units) {
    if (unit.index % shard.count == shard.index) out.push_back(unit);
  }
  return out;
}

std::vector<SampleRef> samples_of(const std::vector<Unit>& units) {
  std::vector<SampleRef> out;
  for (const auto& unit : units) out.insert(out.end(), unit.samples.begin(), unit.samples.end());
  return out;
}

}  // namespace sambench
