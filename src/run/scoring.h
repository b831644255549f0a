#pragma once

// The work after the decoder, on worker threads (run.metric_workers), overlapping the model: per
// sample and result set, the kept masks brought to full resolution and cut to the field of
// view, every row's overlap counts and metrics, the saved masks. The rows enter their unit's
// output (eval_output.h) at once, in order, with their values pending; settle() fills them in,
// and lists the saved files, in submission order, so every table and the journal hold the bytes
// a sequential run (metric_workers: 0, each job run inside submit) writes.

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <string>
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
};

// What one job hands back: its rows' scores (in the order of the rows it was given), the files
// it wrote (relative to the run folder), and the time it spent, per stage.
struct JobResult {
  std::vector<Scored> scores;
  std::vector<std::string> saved_files;
  StageTimes times;
};

// run.metric_workers as configured, or for -1 one per core the model leaves free (at most 4):
// none on a CPU whose cores all run the model, since a busy extra thread stalls LibTorch's
// threads at every barrier (measured here: the decoder twice as slow). model_threads is 0 when
// no model runs (rescore, the stand-in), 1 when a GPU runs it (one core feeds it).
int resolve_metric_workers(int configured, int model_threads);

class PendingMetrics {
 public:
  enum class Table { kInstances, kImages };
  struct Row {
    Table table;
    size_t index;  // in the unit's instance_rows or image_rows
  };
  using Compute = std::function<JobResult()>;

  explicit PendingMetrics(size_t workers) : pool_(workers) {}

  // Computes the scores of `rows` of `unit` on a worker (`compute` returns one per row, in
  // order). `unit` must stay where it is until its jobs are settled (its rows may grow
  // meanwhile); `compute` must own what it reads: the caller goes on at once.
  void submit(EvalOutput& unit, std::vector<Row> rows, Compute compute);

  // Fills in the rows (and lists the files) of the jobs that are done, in submission order,
  // then waits for the oldest until at most `keep` remain pending. A failure in a job is
  // rethrown here.
  void settle(StageTimes& times, size_t keep);

  // Whether any of the unit's rows still waits for its scores.
  bool pending(const EvalOutput& unit) const;

  // The unit's rows below this index of the table have their final values.
  size_t settled(const EvalOutput& unit, Table table) const;

  // Forgets the pending jobs (after a failure), once they have ended: they read the evaluator
  // and its mask source, which go away after the failure.
  void abandon();

  size_t workers() const { return pool_.workers(); }

 private:
  struct Job {
    EvalOutput* unit;
    std::vector<Row> rows;
    std::future<JobResult> result;
  };

  static void fill(Job& job, JobResult& result);

  ThreadPool pool_;
  std::deque<Job> jobs_;
};

}  // namespace sambench
