#pragma once

// The evaluation loop: per unit (a case, or a 2D image) and sample, read → prompt → predict →
// score, for every prompt mode; each unit's output is buffered, then journaled and added to the
// results (run_journal.h), or dropped when --on-error skip skips the unit. The model thread
// prompts and predicts; the work after the decoder runs as jobs on the run's workers
// (scoring.h, workers.h).

#include <memory>
#include <string>
#include <vector>

#include "run/mask_source.h"
#include "run/run.h"
#include "run/sample_feed.h"
#include "sambench/base/progress.h"

namespace sambench {

class Evaluator {
 public:
  Evaluator(const RunSetup& setup, RunResults& results, RunProgress& progress, MaskSource& masks);

  // Every unit of the setup, restored from the journal (a resumed run) or evaluated, with
  // progress. Stops between two samples once the caller's InterruptGuard has seen a signal. On
  // failure the partial results are written, the run is marked failed (or interrupted), and the
  // error is rethrown (an Interrupted naming the signal and the run folder).
  void run();

 private:
  void evaluate_units(Progress& bar);
  void evaluate_unit(const Unit& unit, SampleFeed& feed, Progress& bar);
  void evaluate_sample(const PreparedSample& sample, EvalOutput& out);
  static std::shared_ptr<const PreparedSample> for_jobs(const PreparedSample& prepared);
  void finish_here(const Mode& mode, const PreparedSample& sample, PolicyPredictions& predictions);
  void add_unprompted_truth(const PreparedSample& prepared, EvalOutput& out);
  std::vector<Prompt> make_prompts(size_t mode_index, const PreparedSample& sample, EvalOutput& out);
  Prompt replayed_prompt(const PromptKey& key, const PreparedSample& sample) const;
  void add_clicks(const std::string& set, const PreparedSample& sample, const std::vector<Prediction>& predictions,
                  std::vector<Prompt>& prompts, EvalOutput& out);
  void score(const Mode& mode, int round, const std::shared_ptr<const PreparedSample>& sample,
             PolicyPredictions predictions, bool finished, bool save, EvalOutput& out);
  InstanceResult instance_row(const std::string& set, const PreparedSample& sample, const Instance& inst,
                              const Prediction& pred) const;
  // A volume slice's class: the union of its kept masks and its truth, for the case's surfaces.
  struct CaseSlice {
    std::string set;
    int label = 0;
    cv::Mat predicted, truth;
  };
  bool masks_on_host(const PreparedSample& sample, bool finished, bool save) const;
  JobResult post_decode(const Mode& mode, int round, const std::shared_ptr<const PreparedSample>& sample,
                        PolicyPredictions& predictions, bool finished, bool save) const;
  std::vector<Scored> host_scores(const Mode& mode, int round, const PreparedSample& sample,
                                  const PolicyPredictions& predictions, std::vector<CaseSlice>& slices) const;
  std::vector<Scored> scores_of_counts(const std::vector<std::vector<Overlap>>& counts) const;
  void add_case_slice(const PreparedSample& sample, const std::vector<CaseSlice>& slices, const cv::Mat& label_map,
                      EvalOutput& unit) const;
  void save_partial_results(const std::string& error, const std::string& status);

  const RunSetup& setup_;
  RunResults& results_;
  RunProgress& progress_;
  MaskSource& masks_;
};

}  // namespace sambench
