#include "sambench/run/shard.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

SampleRef slice(const std::string& case_id, int k) {
  SampleRef ref;
  ref.id = case_id + "/" + std::to_string(k);
  ref.case_id = case_id;
  ref.slice = k;
  return ref;
}

SampleRef image(const std::string& id) {
  SampleRef ref;
  ref.id = id;
  return ref;
}

TEST(Shard, ParsesIOfNFromZero) {
  Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.name(), "2/5");
  EXPECT_EQ(parse_shard("0/1").count, 1);
}

TEST(Shard, RejectsOutOfRangeAndMalformed) {
  EXPECT_TRUE(testing::contains(testing::error_of([] { parse_shard("5/5"); }), "0..N-1"));
  EXPECT_TRUE(testing::contains(testing::error_of([] { parse_shard("0/0"); }), "0..N-1"));
  EXPECT_TRUE(testing::contains(testing::error_of([] { parse_shard("1-4"); }), "expected i/N"));
  EXPECT_TRUE(testing::contains(testing::error_of([] { parse_shard("-1/4"); }), "expected i/N"));
}

TEST(Shard, AVolumesSlicesFormOneUnitAndImagesOneEach) {
  auto units = list_units({slice("a", 0), slice("a", 1), slice("a", 2), image("x"), image("y"), slice("b", 0)});
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[0].key, "a");
  EXPECT_EQ(units[0].samples.size(), 3u);
  EXPECT_EQ(units[1].key, "x");
  EXPECT_EQ(units[2].key, "y");
  EXPECT_EQ(units[3].key, "b");
  for (size_t i = 0; i < units.size(); ++i) EXPECT_EQ(units[i].index, static_cast<long long>(i));
}

TEST(Shard, ShardsPartitionTheUnitsWithoutSplittingACase) {
  std::vector<SampleRef> samples;
  for (int c = 0; c < 7; ++c) {
    for (int k = 0; k < 3; ++k) samples.push_back(slice("case" + std::to_string(c), k));
  }
  auto units = list_units(samples);
  std::vector<SampleRef> all;
  std::vector<int> owner(units.size(), -1);
  for (int i = 0; i < 3; ++i) {
    for (const auto& unit : shard_units(units, {i, 3})) {
      EXPECT_EQ(owner[unit.index], -1) << "unit in two shards";
      owner[unit.index] = i;
      EXPECT_EQ(unit.samples.size(), 3u);  // whole cases
    }
  }
  for (size_t u = 0; u < units.size(); ++u) EXPECT_EQ(owner[u], static_cast<int>(u % 3));
  EXPECT_EQ(samples_of(shard_units(units, {1, 3})).size(), 2u * 3u);
  EXPECT_EQ(samples_of(shard_units(units, {0, 1})).size(), samples.size());
}

}  // namespace
}  // namespace sambench
