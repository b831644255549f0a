#pragma once

// Metrics on worker threads (run.metric_workers), overlapping the model. A row enters its unit's
// output (eval_output.h) at once, in order, with its overlap and metric values pending; settle()
// fills them in submission order, so every table holds the bytes a sequential run
// (metric_workers: 0) writes.

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <vector>

#include "run/eval_output.h"
#include "sambench/metrics/metrics.h"
#include "sambench/metrics/results.h"
#include "sambench/base/thread_pool.h"
#include "sambench/base/timer.h"

namespace sambench {

struct Scored {
  Overlap overlap;
  MetricValues values{};
  double seconds = 0.0;  // on the worker
};

// run.metric_workers as configured, or for -1 one per core the model leaves free (at most 4):
// none on a CPU whose cores all run the model, since a busy extra thread stalls LibTorch's
// threads at every barrier (measured here: the decoder twice as slow). model_threads is 0 when
// no model runs (rescore), 1 when a GPU runs it (one core feeds it).
int resolve_metric_workers(int configured, int model_threads);

class PendingMetrics {
 public:
  enum class Table { kInstances, kImages };
  using Compute = std::function<Scored()>;

  explicit PendingMetrics(size_t workers) : pool_(workers) {}

  // Computes the scores of unit.instance_rows[row] (kInstances) or unit.image_rows[row]
  // (kImages) on a worker. `unit` must stay where it is until its jobs are settled (its rows may
  // grow meanwhile); `compute` must own what it reads: the caller goes on at once.
  void submit(EvalOutput& unit, Table table, size_t row, Compute compute);

  // Fills in the rows whose scores are ready, in submission order, then waits for the oldest
  // until at most `keep` remain pending. A failure in a metric is rethrown here.
  void settle(StageTimes& times, size_t keep);

  // Whether any of the unit's rows still waits for its scores.
  bool pending(const EvalOutput& unit) const;

  // The unit's rows below this index of the table have their final values.
  size_t settled(const EvalOutput& unit, Table table) const;

  // Forgets the pending jobs (after a failure); their tasks finish unseen.
  void abandon() { jobs_.clear(); }

  size_t workers() const { return pool_.workers(); }

 private:
  struct Job {
    EvalOutput* unit;
    Table table;
    size_t row;
    std::future<Scored> scored;
  };

  ThreadPool pool_;
  std::deque<Job> jobs_;
};

}  // namespace sambench
