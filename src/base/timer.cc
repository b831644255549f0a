#include "sambench/base/timer.h"

namespace sambench {

StageTimes::Scope::Scope(StageTimes& times, std::string stage)
    : times_(times), stage_(std::move(stage)), start_(std::chrono::steady_clock::now()) {}

StageTimes::Scope::~Scope() {
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  times_.add(stage_, elapsed.count());
}

void StageTimes::add(const std::string& stage, double seconds) { seconds_[stage] += seconds; }

void StageTimes::add(const StageTimes& other) {
  for (const auto& [stage, seconds] : other.seconds_) seconds_[stage] += seconds;
  for (const auto& [what, n] : other.counts_) counts_[what] += n;
}

long long StageTimes::counted(const std::string& what) const {
  auto it = counts_.find(what);
  return it == counts_.end() ? 0 : it->second;
}

double StageTimes::total(const std::string& stage) const {
  auto it = seconds_.find(stage);
  return it == seconds_.end() ? 0.0 : it->second;
}

nlohmann::json StageTimes::to_json(long long images) const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [stage, seconds] : seconds_) {
    out[stage] = {{"total_s", seconds},
                  {"per_image_s", images > 0 ? seconds / static_cast<double>(images) : 0.0}};
  }
  return out;
}

}  // namespace sambench
