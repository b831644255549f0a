#pragma once

// The evaluation loop: per unit (a case, or a 2D image) and sample, read → prompt → predict →
// score, for every prompt mode; each unit's output is buffered, then journaled and added to the
// results (run_journal.h), or dropped when --on-error skip skips the unit.

#include <atomic>
#include <string>
#include <vector>

#include "run/mask_source.h"
#include "run/run.h"
#include "run/sample_feed.h"
#include "sambench/base/progress.h"

namespace sambench {

// Ctrl-C while the loop runs: the handler only sets a flag, the one thing a signal handler may
// safely do, and the loop stops between two samples. Installed for the guard's lifetime; the
// previous handler comes back after.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  static bool interrupted() { return ctrl_c_pressed_; }

 private:
  static void on_signal(int);
  // Static: a signal handler reaches no object. Lock-free, hence safe to set in the handler.
  static std::atomic<bool> ctrl_c_pressed_;
  void (*previous_)(int);
};

class Evaluator {
 public:
  Evaluator(const RunSetup& setup, RunResults& results, RunProgress& progress, MaskSource& masks);

  // Every unit of the setup, restored from the journal (a resumed run) or evaluated, with
  // progress and Ctrl-C. On failure the partial results are written, the run is marked failed,
  // and the error is rethrown.
  void run();

 private:
  void evaluate_units(Progress& bar);
  void evaluate_unit(const Unit& unit, SampleFeed& feed, Progress& bar);
  void evaluate_sample(const PreparedSample& sample, EvalOutput& out);
  std::vector<Prompt> make_prompts(const Mode& mode, const PreparedSample& sample, EvalOutput& out);
  void add_clicks(const std::string& set, const PreparedSample& sample, const std::vector<Prediction>& predictions,
                  std::vector<Prompt>& prompts, EvalOutput& out);
  void score(const std::string& set, const PreparedSample& sample, const std::vector<Prediction>& predictions,
             EvalOutput& out);
  void save_partial_results(const std::string& error);

  const RunSetup& setup_;
  RunResults& results_;
  RunProgress& progress_;
  MaskSource& masks_;
};

}  // namespace sambench
