#include "run/scoring.h"

#include <algorithm>
#include <limits>

#include "sambench/base/error.h"

namespace sambench {

void PendingMetrics::submit(EvalOutput& unit, std::vector<Row> rows, Compute compute) {
  if (on_workers_) {
    jobs_.push_back({&unit, std::move(rows), pool_.submit(std::move(compute)), nullptr});
    return;
  }
  std::packaged_task<JobResult()> here(std::move(compute));
  here();  // its exception goes to the future, as on a worker
  jobs_.push_back({&unit, std::move(rows), here.get_future(), nullptr});
}

void PendingMetrics::in_order(EvalOutput& unit, std::function<void(EvalOutput& unit)> step) {
  if (jobs_.empty()) {
    step(unit);
    return;
  }
  std::promise<JobResult> done;
  JobResult result;
  result.in_order = std::move(step);
  done.set_value(std::move(result));
  jobs_.push_back({&unit, {}, done.get_future(), nullptr});
}

void PendingMetrics::settle(StageTimes& times, size_t keep) {
  while (!jobs_.empty()) {
    Job& job = jobs_.front();
    if (job.failure) std::rethrow_exception(job.failure);
    const bool ready = job.result.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (!ready && jobs_.size() <= keep) return;
    if (!ready) {
      auto t = times.time("wait_workers");  // the model thread idles: the workers fall behind
      job.result.wait();
    }
    settle_front(times);
  }
}

// The oldest job, done: its rows filled and popped, or kept as failed and its failure rethrown.
void PendingMetrics::settle_front(StageTimes& times) {
  Job& job = jobs_.front();
  try {
    JobResult result = job.result.get();
    times.add(result.times);
    auto& saved = job.unit->saved_files;
    saved.insert(saved.end(), result.saved_files.begin(), result.saved_files.end());
    if (result.failure) std::rethrow_exception(result.failure);
    fill(job, result);
    if (result.in_order) result.in_order(*job.unit);
  } catch (...) {
    job.failure = std::current_exception();
    throw;
  }
  jobs_.pop_front();
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
}

void PendingMetrics::abandon() {
  for (Job& job : jobs_) {
    if (!job.result.valid()) continue;  // a failed job: its result was taken, its files listed
    try {
      const JobResult result = job.result.get();
      auto& saved = job.unit->saved_files;
      saved.insert(saved.end(), result.saved_files.begin(), result.saved_files.end());
    } catch (...) {  // the first failure is the one reported
    }
  }
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
