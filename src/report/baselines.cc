#include "sambench/report/baselines.h"

#include "sambench/data/config.h"
#include "sambench/base/error.h"

namespace sambench {

namespace {

Baseline parse_entry(const nlohmann::json& entry) {
  Baseline b;
  b.source = entry.at("source").get<std::string>();
  b.method = entry.value("method", b.method);
  b.metric = parse_metric(entry.value("metric", std::string("dice")));
  b.level = entry.value("level", b.level);
  b.prompt = entry.value("prompt", b.prompt);
  b.group = entry.value("group", b.group);
  // Held in a local: items() refers to its json, which a temporary would not outlive.
  const nlohmann::json values = entry.value("values", nlohmann::json::object());
  for (const auto& item : values.items()) {
    b.values.emplace_back(item.key(), item.value().get<double>());
  }
  if (entry.contains("average")) b.average = entry["average"].get<double>();
  b.samples = entry.value("samples", 0LL);
  return b;
}

}  // namespace

std::vector<Baseline> parse_baselines(const nlohmann::json& list) {
  if (!list.is_array()) throw Error("baselines: expected a list of {source, metric, values}");
  std::vector<Baseline> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& entry = list[i];
    const std::string where = "baselines[" + std::to_string(i) + "]";
    if (!entry.is_object()) throw Error(where + ": expected a mapping");
    check_keys(entry, {"source", "method", "metric", "level", "prompt", "group", "values", "average", "samples"}, where);
    Baseline b;
    try {
      b = parse_entry(entry);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": needs 'source' (text) and 'values' ({class: number}), 'average' or 'samples' (numbers): " +
                  e.what());
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    if (b.samples < 0) throw Error(where + ": 'samples' must be a positive count");
    if (b.level != "instance" && b.level != "image" && b.level != "case") {
      throw Error(where + ": 'level' must be instance, image or case");
    }
    if (!b.group.empty() && b.level != "instance") {
      throw Error(where + ": a 'group' compares with the group's instance rows: its level must be instance");
    }
    if (b.values.empty() && !b.average && b.samples == 0) {
      throw Error(where + ": gives no number: add 'values', 'average' or 'samples'");
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace sambench
