// The model-only speed measurement: every timed call is kept, the medians and rates come from
// them, and bad options are refused. Times themselves are not asserted.

#include "sambench/model/model_speed.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

using nlohmann::json;

TEST(ModelSpeed, KeepsEveryTimedCallAndReportsRates) {
  SamModel model = SamModel::load(testing::small_model(), "cpu");
  ModelSpeedOptions options;
  options.warmup = 1;
  options.images = 3;
  options.encode_batches = {1, 2};
  options.decode_batches = {1, 3};
  options.decode_calls = 2;
  ModelSpeed speed = measure_model_speed(model, options);
  ASSERT_EQ(speed.encode_s.size(), 2u);
  for (const auto& calls : speed.encode_s) EXPECT_EQ(calls.size(), 3u);
  ASSERT_EQ(speed.decode_s.size(), 2u);
  for (const auto& calls : speed.decode_s) EXPECT_EQ(calls.size(), 2u);
  EXPECT_FALSE(speed.peak_gpu_mib);  // a CPU run

  json j = to_json(speed, model, options);
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_EQ(j["precision"], "fp32");
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["encoder_attention"], "textbook");
  ASSERT_EQ(j["encode"].size(), 2u);
  EXPECT_EQ(j["encode"][1]["batch"], 2);
  const double encode = j["encode"][1]["median_s"].get<double>();
  EXPECT_GT(encode, 0.0);
  EXPECT_DOUBLE_EQ(j["encode"][1]["images_per_s"].get<double>(), 2.0 / encode);
  EXPECT_EQ(j["encode"][1]["calls_s"].size(), 3u);
  ASSERT_EQ(j["decode"].size(), 2u);
  EXPECT_EQ(j["decode"][1]["batch"], 3);
  EXPECT_DOUBLE_EQ(j["decode"][1]["prompts_per_s"].get<double>(), 3.0 / j["decode"][1]["median_s"].get<double>());
  EXPECT_TRUE(j["peak_gpu_mib"].is_null());

  const std::string table = model_speed_table(speed, model, options);
  EXPECT_TRUE(testing::contains(table, "images/s")) << table;
  EXPECT_TRUE(testing::contains(table, "decode batch   3")) << table;
  EXPECT_TRUE(testing::contains(table, "encode batch   2")) << table;
}

TEST(ModelSpeed, BadOptionsAreRefused) {
  EXPECT_EQ(parse_batches("1,4,16"), (std::vector<int>{1, 4, 16}));
  EXPECT_EQ(parse_batches("none"), std::vector<int>{});
  for (const char* bad : {"", "0", "1,,2", "4x", "-1", "1,a"}) {
    EXPECT_THROW(parse_batches(bad), Error) << bad;
  }
  SamModel model = SamModel::load(testing::small_model(), "cpu");
  ModelSpeedOptions options;
  options.images = 0;
  EXPECT_THROW(measure_model_speed(model, options), Error);
}

}  // namespace
}  // namespace sambench
