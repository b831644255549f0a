#include "run/scoring.h"

#include <algorithm>
#include <limits>

#include "sambench/base/cores.h"
#include "sambench/base/error.h"

namespace sambench {

int resolve_metric_workers(int configured, int model_threads) {
  if (configured >= 0) return configured;
  return std::clamp(usable_cores() - model_threads, 0, 4);
}

void PendingMetrics::submit(EvalOutput& unit, std::vector<Row> rows, Compute compute) {
  jobs_.push_back({&unit, std::move(rows), pool_.submit(std::move(compute))});
}

void PendingMetrics::settle(StageTimes& times, size_t keep) {
  while (!jobs_.empty()) {
    Job& job = jobs_.front();
    if (jobs_.size() <= keep && job.result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    Job done = std::move(job);
    jobs_.pop_front();
    JobResult result = done.result.get();
    times.add(result.times);
    fill(done, result);
  }
}

void PendingMetrics::fill(Job& job, JobResult& result) {
  if (result.scores.size() != job.rows.size()) {
    throw Error("internal: a scoring job returned " + std::to_string(result.scores.size()) + " scores for " +
                std::to_string(job.rows.size()) + " rows");
  }
  for (size_t i = 0; i < job.rows.size(); ++i) {
    const Scored& scored = result.scores[i];
    if (job.rows[i].table == Table::kInstances) {
      InstanceResult& row = job.unit->instance_rows.at(job.rows[i].index);
      row.overlap = scored.overlap;
      set_metric_values(row, scored.values);
    } else {
      RegionResult& row = job.unit->image_rows.at(job.rows[i].index);
      row.overlap = scored.overlap;
      set_metric_values(row, scored.values);
    }
  }
  auto& saved = job.unit->saved_files;
  saved.insert(saved.end(), result.saved_files.begin(), result.saved_files.end());
}

void PendingMetrics::abandon() {
  for (Job& job : jobs_) job.result.wait();
  jobs_.clear();
}

bool PendingMetrics::pending(const EvalOutput& unit) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& job) { return job.unit == &unit; });
}

size_t PendingMetrics::settled(const EvalOutput& unit, Table table) const {
  for (const auto& job : jobs_) {
    if (job.unit != &unit) continue;
    for (const Row& row : job.rows) {
      if (row.table == table) return row.index;
    }
  }
  return std::numeric_limits<size_t>::max();
}

}  // namespace sambench
