#pragma once

// Result rows as JSON that reads back exactly (the journal, sambench merge): every field, every
// bit of every number, NaN and infinities included. A new field of InstanceResult or RegionResult
// is one edit here.

#include <nlohmann/json.hpp>

#include "sambench/metrics/results.h"

namespace sambench {

// A number that survives JSON: NaN and infinities as the strings "nan", "inf", "-inf".
nlohmann::json number_json(double value);
double number_from_json(const nlohmann::json& j);

nlohmann::json to_json(const InstanceResult& r);
InstanceResult instance_result_from_json(const nlohmann::json& j);

nlohmann::json to_json(const RegionResult& r);
RegionResult region_result_from_json(const nlohmann::json& j);

}  // namespace sambench
