#include "sambench/report/baselines.h"

#include "sambench/data/config.h"
#include "sambench/base/error.h"

namespace sambench {

std::vector<Baseline> parse_baselines(const nlohmann::json& list) {
  if (!list.is_array()) throw Error("baselines: expected a list of {source, metric, values}");
  std::vector<Baseline> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& entry = list[i];
    const std::string where = "baselines[" + std::to_string(i) + "]";
    if (!entry.is_object()) throw Error(where + ": expected a mapping");
    check_keys(entry, {"source", "metric", "level", "prompt", "values"}, where);
    Baseline b;
    try {
      b.source = entry.at("source").get<std::string>();
      b.metric = parse_metric(entry.value("metric", std::string("dice")));
      b.level = entry.value("level", b.level);
      b.prompt = entry.value("prompt", b.prompt);
      for (const auto& item : entry.at("values").items()) b.values.emplace_back(item.key(), item.value().get<double>());
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": needs 'source' (text) and 'values' ({class: number}): " + e.what());
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    if (b.level != "instance" && b.level != "image" && b.level != "case") {
      throw Error(where + ": 'level' must be instance, image or case");
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace sambench
