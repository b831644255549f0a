#include "sambench/report/baselines.h"

#include <gtest/gtest.h>

#include "sambench/base/error.h"

namespace sambench {
namespace {

TEST(ParseBaselines, ReadsEntriesWithDefaults) {
  auto list = nlohmann::json::parse(R"([
    {"source": "Study, Table 2", "values": {"liver": 0.81, "spleen": 0.5}},
    {"source": "Other", "metric": "nsd", "level": "case", "prompt": "box", "values": {"liver": 0.7}}])");
  auto b = parse_baselines(list);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].metric, Metric::kDice);
  EXPECT_EQ(b[0].level, "instance");
  ASSERT_EQ(b[0].values.size(), 2u);
  EXPECT_EQ(b[0].values[0].first, "liver");
  EXPECT_DOUBLE_EQ(b[0].values[0].second, 0.81);
  EXPECT_EQ(b[1].metric, Metric::kNSD);
  EXPECT_EQ(b[1].level, "case");
  EXPECT_EQ(b[1].prompt, "box");
}

TEST(ParseBaselines, BadEntriesNameTheEntry) {
  auto error_of = [](const std::string& text) {
    try {
      parse_baselines(nlohmann::json::parse(text));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of(R"([{"source": "s", "values": {"a": "high"}}])").find("baselines[0]"), std::string::npos);
  EXPECT_NE(error_of(R"([{"source": "s", "metric": "hd", "values": {}}])").find("unknown metric"), std::string::npos);
  EXPECT_NE(error_of(R"([{"source": "s", "value": {}}])").find("unknown key 'value'"), std::string::npos);
  EXPECT_NE(error_of(R"([{"source": "s", "level": "slice", "values": {}}])").find("level"), std::string::npos);
  EXPECT_NE(error_of(R"({"source": "s"})").find("list"), std::string::npos);
  EXPECT_TRUE(parse_baselines(nlohmann::json::array()).empty());
  EXPECT_NE(error_of(R"([{"source": "s"}])").find("gives no number"), std::string::npos);
  EXPECT_NE(error_of(R"([{"source": "s", "level": "image", "group": "D1", "average": 1}])").find("group"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"source": "s", "samples": -3}])").find("samples"), std::string::npos);
}

TEST(ParseBaselines, ReadsMethodGroupAverageAndSamples) {
  auto b = parse_baselines(nlohmann::json::parse(R"([
    {"source": "the study, Table 3", "method": "DoFE", "group": "Domain1", "values": {"optic cup": 0.8359}},
    {"source": "the study, Table 6", "average": 0.2105},
    {"source": "the study, Table 1", "samples": 15361}])"));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].method, "DoFE");
  EXPECT_EQ(b[0].group, "Domain1");
  EXPECT_FALSE(b[0].average.has_value());
  EXPECT_EQ(b[1].method, "SAM");
  EXPECT_DOUBLE_EQ(*b[1].average, 0.2105);
  EXPECT_TRUE(b[1].values.empty());
  EXPECT_EQ(b[2].samples, 15361);
}

}  // namespace
}  // namespace sambench
