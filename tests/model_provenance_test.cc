// Security finding 4: whether a model looks like a sambench export of an official checkpoint,
// the hint the eval header gives.

#include "sambench/model/model_provenance.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

using testing::contains;

const std::string kVitB = "ec2df62732614e57411cdcf32a23ffdf28910380d03139ee0f4fcbe91eb8c912";

ModelInfo model(const std::string& type, const nlohmann::json& metadata) {
  ModelInfo info;
  info.model_type = type;
  info.metadata = metadata;
  return info;
}

TEST(ModelProvenance, AnExportOfAKnownOfficialCheckpointRaisesNoDoubt) {
  EXPECT_EQ(official_checkpoint_type(kVitB), "vit_b");
  EXPECT_EQ(provenance_doubt(model("vit_b", {{"checkpoint_sha256", kVitB}, {"random_init", false}})), "");
  // A sambench fine-tune keeps its base's metadata.
  EXPECT_EQ(provenance_doubt(model("vit_b", {{"checkpoint_sha256", kVitB}, {"finetune", {{"prompt", "box"}}}})), "");
}

TEST(ModelProvenance, RandomUnknownMissingOrMismatchedCheckpointsAreDoubted) {
  EXPECT_EQ(provenance_doubt(model("small", {{"random_init", true}, {"checkpoint_sha256", nullptr}})),
            "its metadata records no checkpoint (random weights)");
  EXPECT_EQ(provenance_doubt(model("vit_b", {{"format", "sambench-sam/1"}})),
            "its metadata records no checkpoint_sha256");
  EXPECT_TRUE(contains(provenance_doubt(model("vit_b", {{"checkpoint_sha256", std::string(64, 'f')}})),
                       "its checkpoint_sha256 ffffffffffff... is not one of the official checkpoints"));
  EXPECT_EQ(provenance_doubt(model("vit_h", {{"checkpoint_sha256", kVitB}})),
            "its checkpoint_sha256 is the official vit_b checkpoint's, but its model_type is 'vit_h'");
  EXPECT_EQ(provenance_doubt(model("vit_b", nullptr)), "it carries no sambench metadata");
}

}  // namespace
}  // namespace sambench
