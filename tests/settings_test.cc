#include "run/settings.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

using nlohmann::json;
using testing::error_of;

Config config_of(const json& prompt, const json& mask_policy) {
  Config c;
  c.file = "/configs/c.yaml";
  c.prompt = parse_prompt_modes(prompt);
  c.mask_policy = parse_mask_policy_names(mask_policy);
  return c;
}

std::vector<std::string> set_names(const RunSettings& settings) {
  std::vector<std::string> names;
  for (const auto& set : settings.result_sets) names.push_back(set.name);
  return names;
}

TEST(SettingsOf, OneSetPerModeRoundAndPolicy) {
  RunSettings s = settings_of(config_of(json::array({"centroid", {{"mode", "iterative"}, {"rounds", 2}}}),
                                        "single"));
  ASSERT_EQ(s.modes.size(), 2u);
  EXPECT_EQ(s.modes[1].name, "iterative(centroid,rounds=2)");
  EXPECT_EQ(s.modes[1].rounds, 2);
  EXPECT_EQ(set_names(s), (std::vector<std::string>{"centroid", "iterative(centroid,rounds=2)@1",
                                                   "iterative(centroid,rounds=2)@2"}));
  EXPECT_NE(s.result_sets[2].description.find("plus 1 corrective click(s)"), std::string::npos);
  EXPECT_EQ(s.policies, std::vector<MaskPolicy>{MaskPolicy::kSingle});
  EXPECT_EQ(s.empty_rule, EmptyRule::kNaN);
}

TEST(SettingsOf, SeveralPoliciesNameTheirSetsButNotTheEverythingMode) {
  RunSettings s = settings_of(config_of(json::array({"centroid", {{"mode", "everything"}, {"points_per_side", 4}}}),
                                        json::array({"best_score", "oracle"})));
  EXPECT_EQ(set_names(s), (std::vector<std::string>{"centroid/best_score", "centroid/oracle",
                                                   "everything(points_per_side=4)"}));
  EXPECT_NE(s.result_sets[1].description.find("; mask policy "), std::string::npos);
  ASSERT_TRUE(s.modes[1].everything.has_value());
  EXPECT_EQ(s.modes[1].everything->points_per_side, 4);
  EXPECT_EQ(s.policy_labels, (std::vector<std::string>{"best_score", "oracle"}));
}

// The everything mode's defaults are the model's official generator's; the config's values win.
TEST(SettingsOf, EverythingModeTakesTheModelsDefaults) {
  ModelProfile sam2;
  sam2.name = "sam2";
  const Config c = config_of(json::array({"everything", {{"mode", "everything"}, {"points_per_side", 4},
                                                         {"pred_iou_thresh", 0.9}}}),
                             "best_score");
  const RunSettings sam = settings_of(c);
  const RunSettings two = settings_of(c, sam2);
  EXPECT_FLOAT_EQ(sam.modes[0].everything->pred_iou_thresh, 0.88f);
  EXPECT_FLOAT_EQ(two.modes[0].everything->pred_iou_thresh, 0.8f);
  EXPECT_NE(two.result_sets[0].description.find("predicted IoU > 0.8 (pred_iou_thresh)"), std::string::npos)
      << two.result_sets[0].description;
  EXPECT_FLOAT_EQ(two.modes[1].everything->pred_iou_thresh, 0.9f);
  EXPECT_EQ(set_names(two), set_names(sam));
}

TEST(SettingsOf, UnknownNamesAreErrorsNamingTheConfigFile) {
  auto error_with = [](auto change) {
    Config c = config_of("centroid", "best_score");
    change(c);
    return error_of([&] { settings_of(c); });
  };
  const std::vector<std::pair<std::string, std::string>> errors = {
      {error_with([](Config& c) { c.prompt = parse_prompt_modes("centre"); }), "centre"},
      {error_with([](Config& c) { c.prompt = parse_prompt_modes({{"mode", "box"}, {"margn", 5}}); }), "margn"},
      {error_with([](Config& c) { c.prompt = parse_prompt_modes({{"mode", "everything"}, {"points", 4}}); }),
       "points"},
      {error_with([](Config& c) { c.mask_policy = parse_mask_policy_names("best"); }), "best"},
      {error_with([](Config& c) { c.empty_rule = "zero"; }), "zero"},
      {error_with([](Config& c) { c.baselines = json::parse(R"([{"source": "s", "metric": "f1", "values": {}}])"); }),
       "baselines[0]"},
      {error_with([](Config& c) { c.prompt = parse_prompt_modes(json::array({"centroid", "centroid"})); }),
       "the mode centroid is listed twice"},
  };
  for (const auto& [error, reason] : errors) {
    EXPECT_EQ(error.rfind("/configs/c.yaml: ", 0), 0u) << error;
    EXPECT_NE(error.find(reason), std::string::npos) << error;
  }
}

TEST(SettingsOf, ABuiltInConfigIsNamedConfig) {
  Config c;
  c.empty_rule = "zero";
  EXPECT_EQ(error_of([&] { settings_of(c); }).rfind("config: ", 0), 0u);
}

}  // namespace
}  // namespace sambench
