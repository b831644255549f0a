#pragma once

// The work after the decoder, as jobs on the run's worker pool (workers.h), overlapping the
// model: per sample and result set, the kept masks brought to full resolution and cut to the
// field of view, every row's overlap counts and metrics, the saved masks. The rows enter their
// unit's output (eval_output.h) at once, in order, with their values pending; settle() fills
// them in, lists the saved files and runs each job's in-order step (a volume slice joins its
// case), in submission order, so every table and the journal hold the bytes a sequential run
// (each job run inside submit) writes.

#include <cstddef>
#include <deque>
#include <exception>
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
// it wrote (relative to the run folder), and the time it spent, per stage. A job that fails
// after writing files returns them with its `failure`, so that the run lists them (settle
// rethrows the failure). `in_order` (may be empty) runs on the settling thread, after the rows
// are filled, in submission order: what must follow the samples' order (a volume's slices).
struct JobResult {
  std::vector<Scored> scores;
  std::vector<std::string> saved_files;
  StageTimes times;
  std::exception_ptr failure;
  std::function<void(EvalOutput& unit)> in_order;
};

class PendingMetrics {
 public:
  enum class Table { kInstances, kImages };
  struct Row {
    Table table;
    size_t index;  // in the unit's instance_rows or image_rows
  };
  using Compute = std::function<JobResult()>;

  // The jobs run on `pool` (which must outlive this) when `on_workers`, else inside submit.
  PendingMetrics(ThreadPool& pool, bool on_workers) : pool_(pool), on_workers_(on_workers) {}

  // Computes the scores of `rows` of `unit` on a worker (`compute` returns one per row, in
  // order). `unit` must stay where it is until its jobs are settled (its rows may grow
  // meanwhile); `compute` must own what it reads: the caller goes on at once.
  void submit(EvalOutput& unit, std::vector<Row> rows, Compute compute);

  // Runs `step` on the settling thread after the jobs submitted before it (at once when none is
  // pending), e.g. what closes a volume's case.
  void in_order(EvalOutput& unit, std::function<void(EvalOutput& unit)> step);

  // Fills in the rows (lists the files, runs the in-order steps) of the jobs that are done, in
  // submission order, then waits for the oldest until at most `keep` remain pending; the wait
  // is timed as the stage "wait_workers". A failure in a job is rethrown here, and again at
  // each later call: its rows stay pending (settled(), keep_partial).
  void settle(StageTimes& times, size_t keep);

  // Whether any of the unit's rows still waits for its scores.
  bool pending(const EvalOutput& unit) const;

  // The unit's rows below this index of the table have their final values.
  size_t settled(const EvalOutput& unit, Table table) const;

  // Forgets the pending jobs (after a failure), once they have ended: they read the evaluator
  // and its mask source, which go away after the failure. The files they wrote are listed in
  // their units, for the run's manifest; their rows stay as they are.
  void abandon();

  // The threads the jobs run on (0: inside submit).
  size_t workers() const { return on_workers_ ? pool_.workers() : 0; }

 private:
  struct Job {
    EvalOutput* unit;
    std::vector<Row> rows;
    std::future<JobResult> result;
    std::exception_ptr failure;  // it failed: its rows stay pending
  };

  void settle_front(StageTimes& times);
  static void fill(Job& job, JobResult& result);

  ThreadPool& pool_;
  const bool on_workers_;
  std::deque<Job> jobs_;
};

}  // namespace sambench
