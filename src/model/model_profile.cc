#include "sambench/model/model_profile.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "sambench/base/error.h"

namespace sambench {

namespace {

using nlohmann::json;

// One field of the profile: its name, how to read it and how to set it from JSON.
struct FieldRule {
  std::string name;
  std::function<json(const ModelProfile&)> get;
  std::function<void(ModelProfile&, const json&)> set;  // throws Error naming the field
};

[[noreturn]] void refuse(const std::string& field, const std::string& rule, const json& value) {
  throw Error("profile field '" + field + "' must be " + rule + ", not " + value.dump());
}

template <typename E>
using Names = std::vector<std::pair<E, std::string>>;

template <typename E>
FieldRule enum_field(const std::string& field, E ModelProfile::*member, Names<E> names) {
  auto get = [member, names](const ModelProfile& p) {
    for (const auto& [value, name] : names) {
      if (p.*member == value) return json(name);
    }
    return json();  // unreachable: every enumerator is named
  };
  auto set = [field, member, names](ModelProfile& p, const json& v) {
    std::vector<std::string> accepted;
    for (const auto& [value, name] : names) {
      if (v.is_string() && v.get<std::string>() == name) {
        p.*member = value;
        return;
      }
      accepted.push_back("'" + name + "'");
    }
    refuse(field, "one of " + join(accepted), v);
  };
  return {field, get, set};
}

FieldRule number_field(const std::string& field, int ModelProfile::*member, const std::vector<int>& allowed,
                       int low, int high) {
  auto get = [member](const ModelProfile& p) { return json(p.*member); };
  auto set = [field, member, allowed, low, high](ModelProfile& p, const json& v) {
    const bool integer = v.is_number_integer() && v.get<long long>() >= low && v.get<long long>() <= high;
    const bool listed = allowed.empty() || (integer && std::find(allowed.begin(), allowed.end(), v.get<int>()) !=
                                                           allowed.end());
    if (integer && listed) {
      p.*member = v.get<int>();
      return;
    }
    std::vector<std::string> names;
    for (int a : allowed) names.push_back(std::to_string(a));
    refuse(field,
           allowed.empty() ? "an integer from " + std::to_string(low) + " to " + std::to_string(high)
                           : "one of " + join(names),
           v);
  };
  return {field, get, set};
}

// A name is shown in tables and file headers: short, plain characters.
FieldRule name_field() {
  auto get = [](const ModelProfile& p) { return json(p.name); };
  auto set = [](ModelProfile& p, const json& v) {
    const std::string allowed = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
    const bool ok = v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() <= 32 &&
                    v.get<std::string>().find_first_not_of(allowed) == std::string::npos;
    if (!ok) refuse("name", "1 to 32 characters of a-z, 0-9, '_', '.', '-'", v);
    p.name = v.get<std::string>();
  };
  return {"name", get, set};
}

const std::vector<FieldRule>& field_rules() {
  static const std::vector<FieldRule> rules = {
      name_field(),
      enum_field<ResizeRule>("resize", &ModelProfile::resize,
                             {{ResizeRule::kLongestSide, "longest_side"}, {ResizeRule::kSquare, "square"}}),
      enum_field<ResizeFilter>("resize_filter", &ModelProfile::resize_filter,
                               {{ResizeFilter::kPilBilinear, "pil_bilinear"},
                                {ResizeFilter::kSkimageCubicAaUint8, "skimage_cubic_aa_uint8"},
                                {ResizeFilter::kTorchBilinearAa, "torch_bilinear_aa"}}),
      enum_field<PixelScaling>("normalization", &ModelProfile::normalization,
                               {{PixelScaling::kMeanStd, "mean_std"}, {PixelScaling::kMinMax, "min_max"}}),
      number_field("value_range", &ModelProfile::value_range, {255, 1}, 1, 255),
      enum_field<UpscaleRule>("upscale", &ModelProfile::upscale,
                              {{UpscaleRule::kViaInput, "via_input"}, {UpscaleRule::kDirect, "direct"}}),
      number_field("input_size", &ModelProfile::input_size, {}, 16, 4096),
      enum_field<PromptKind>("prompt", &ModelProfile::prompt, {{PromptKind::kPoint, "point"}, {PromptKind::kBox, "box"}}),
      enum_field<MaskOutput>("mask_output", &ModelProfile::mask_output,
                             {{MaskOutput::kMultimask, "multimask"}, {MaskOutput::kSingle, "single"}}),
      enum_field<PadPoint>("pad_point", &ModelProfile::pad_point,
                           {{PadPoint::kWithoutBox, "without_box"}, {PadPoint::kAlways, "always"}}),
      enum_field<BoxPosition>("box_position", &ModelProfile::box_position,
                              {{BoxPosition::kLast, "last"}, {BoxPosition::kFirst, "first"}}),
  };
  return rules;
}

const FieldRule& rule_of(const std::string& field) {
  for (const auto& rule : field_rules()) {
    if (rule.name == field) return rule;
  }
  throw Error("unknown profile field '" + field + "' (expected one of: " + join(profile_fields()) + ")");
}

}  // namespace

bool ModelProfile::operator==(const ModelProfile& other) const { return to_json(*this) == to_json(other); }

ModelProfile sam_profile(int input_size) {
  ModelProfile profile;
  profile.input_size = input_size;
  return profile;
}

const std::vector<std::string>& profile_fields() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& rule : field_rules()) out.push_back(rule.name);
    return out;
  }();
  return names;
}

void set_profile_field(ModelProfile& profile, const std::string& field, const json& value) {
  rule_of(field).set(profile, value);
}

json profile_field_value(const ModelProfile& profile, const std::string& field) {
  return rule_of(field).get(profile);
}

ModelProfile parse_model_profile(const json& profile, const std::filesystem::path& file) {
  if (!profile.is_object()) throw Error(file, "model metadata 'profile' must be an object, not " + profile.dump());
  ModelProfile out;
  try {
    for (const auto& item : profile.items()) rule_of(item.key());  // an unknown field is refused by name
    for (const auto& rule : field_rules()) {
      if (!profile.contains(rule.name)) throw Error("profile field '" + rule.name + "' is missing");
      rule.set(out, profile.at(rule.name));
    }
  } catch (const Error& e) {
    throw Error(file, std::string("model metadata: ") + e.what());
  }
  return out;
}

json to_json(const ModelProfile& profile) {
  json out = json::object();
  for (const auto& rule : field_rules()) out[rule.name] = rule.get(profile);
  return out;
}

std::string describe(const ModelProfile& profile) {
  std::string out;
  for (const auto& rule : field_rules()) {
    const json value = rule.get(profile);
    out += (out.empty() ? "" : " ") + rule.name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace sambench
