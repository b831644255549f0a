#include "sambench/model/model_provenance.h"

#include <map>

namespace sambench {

std::string official_checkpoint_type(const std::string& checkpoint_sha256) {
  // The SHA-256 of the released files (sam_vit_{h,l,b}_*.pth, MobileSAM's mobile_sam.pt), as
  // listed by the projects that verify their downloads.
  static const std::map<std::string, std::string> kOfficial = {
      {"a7bf3b02f3ebf1267aba913ff637d9a2d5c33d3173bb679e46d9f338c26f262e", "vit_h"},
      {"3adcc4315b642a4d2101128f611684e8734c41232a17c648ed1693702a49a622", "vit_l"},
      {"ec2df62732614e57411cdcf32a23ffdf28910380d03139ee0f4fcbe91eb8c912", "vit_b"},
      {"6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f", "vit_t"},
  };
  auto it = kOfficial.find(checkpoint_sha256);
  return it == kOfficial.end() ? "" : it->second;
}

std::string provenance_doubt(const ModelInfo& info) {
  const nlohmann::json& m = info.metadata;
  if (!m.is_object()) return "it carries no sambench metadata";
  if (m.value("random_init", false)) return "its metadata records no checkpoint (random weights)";
  const auto sha = m.find("checkpoint_sha256");
  if (sha == m.end() || !sha->is_string()) return "its metadata records no checkpoint_sha256";
  const std::string type = official_checkpoint_type(sha->get<std::string>());
  if (type.empty()) {
    return "its checkpoint_sha256 " + sha->get<std::string>().substr(0, 12) +
           "... is not one of the official checkpoints sambench knows";
  }
  if (type != info.model_type) {
    return "its checkpoint_sha256 is the official " + type + " checkpoint's, but its model_type is '" +
           info.model_type + "'";
  }
  return "";
}

}  // namespace sambench
