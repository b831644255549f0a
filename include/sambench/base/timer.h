#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sambench {

// Wall time per pipeline stage, summed over a run, and counts of what the stages did (for
// example "host_masks", the full-size masks copied to the host). Kept apart from results, which
// must be byte-identical between runs while times never are.
class StageTimes {
 public:
  class Scope {
   public:
    Scope(StageTimes& times, std::string stage);
    ~Scope();

   private:
    StageTimes& times_;
    std::string stage_;
    std::chrono::steady_clock::time_point start_;
  };

  Scope time(std::string stage) { return Scope(*this, std::move(stage)); }
  void add(const std::string& stage, double seconds);
  void add(const StageTimes& other);  // e.g. the times a worker thread spent on one sample
  double total(const std::string& stage) const;
  void count(const std::string& what, long long n) { counts_[what] += n; }
  long long counted(const std::string& what) const;
  nlohmann::json to_json(long long images) const;

 private:
  std::map<std::string, double> seconds_;
  std::map<std::string, long long> counts_;
};

}  // namespace sambench
