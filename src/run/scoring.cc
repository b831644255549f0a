#include "run/scoring.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "sambench/base/cores.h"

namespace sambench {

int resolve_metric_workers(int configured, int model_threads) {
  if (configured >= 0) return configured;
  return std::clamp(usable_cores() - model_threads, 0, 4);
}

void PendingMetrics::submit(EvalOutput& unit, Table table, size_t row, Compute compute) {
  jobs_.push_back({&unit, table, row, pool_.submit([compute = std::move(compute)] {
                     auto start = std::chrono::steady_clock::now();
                     Scored scored = compute();
                     scored.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                     return scored;
                   })});
}

void PendingMetrics::settle(StageTimes& times, size_t keep) {
  while (!jobs_.empty()) {
    Job& job = jobs_.front();
    if (jobs_.size() <= keep && job.scored.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    Job done = std::move(job);
    jobs_.pop_front();
    const Scored scored = done.scored.get();
    times.add("metrics", scored.seconds);
    if (done.table == Table::kInstances) {
      InstanceResult& row = done.unit->instance_rows.at(done.row);
      row.overlap = scored.overlap;
      set_metric_values(row, scored.values);
    } else {
      RegionResult& row = done.unit->image_rows.at(done.row);
      row.overlap = scored.overlap;
      set_metric_values(row, scored.values);
    }
  }
}

bool PendingMetrics::pending(const EvalOutput& unit) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& job) { return job.unit == &unit; });
}

size_t PendingMetrics::settled(const EvalOutput& unit, Table table) const {
  for (const auto& job : jobs_) {
    if (job.unit == &unit && job.table == table) return job.row;
  }
  return std::numeric_limits<size_t>::max();
}

}  // namespace sambench
