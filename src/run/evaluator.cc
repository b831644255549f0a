#include "run/evaluator.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "run/interrupt_guard.h"
#include "run/run_journal.h"
#include "run/run_output.h"
#include "sambench/base/error.h"

namespace sambench {

namespace {

// What a metric job reads, owned by the job: the caller goes on while a worker computes it.
PendingMetrics::Compute scores_of(const RunSetup& setup, cv::Mat prediction, Instance truth, cv::Point2d spacing) {
  return [prediction, truth, spacing, surface = setup.surface, rule = setup.settings.empty_rule] {
    Scored s;
    s.overlap = overlap(prediction, truth);
    s.values = all_metrics(s.overlap, prediction, truth, spacing, surface, rule);
    return s;
  };
}

// A region row's job: the union of the class's kept masks against the whole class mask, both
// made on the worker, so that the model thread does not pass over the image once per object.
PendingMetrics::Compute region_scores_of(const RunSetup& setup, std::vector<cv::Mat> kept, cv::Mat labels, int label,
                                         cv::Point2d spacing) {
  return [kept = std::move(kept), labels, label, spacing, surface = setup.surface, rule = setup.settings.empty_rule] {
    cv::Mat predicted = cv::Mat::zeros(labels.size(), CV_8U);
    for (const cv::Mat& mask : kept) predicted |= mask;
    cv::Mat truth = labels == label;
    Scored s;
    s.overlap = overlap(predicted, truth);
    s.values = all_metrics(s.overlap, predicted, truth, spacing, surface, rule);
    return s;
  };
}

// Outside a field of view nothing is predicted: the ground truth there was cleared by the adapter,
// and a mask spilling over the FOV border must not count as false positives.
void cut_to_roi(PolicyPredictions& predictions, const cv::Mat& roi) {
  if (roi.empty()) return;
  for (auto& kept : predictions) {
    for (auto& p : kept) p.mask &= roi;
  }
}

}  // namespace

Evaluator::Evaluator(const RunSetup& setup, RunResults& results, RunProgress& progress, MaskSource& masks)
    : setup_(setup), results_(results), progress_(progress), masks_(masks) {}

void Evaluator::run() {
  Progress bar(static_cast<long long>(setup_.samples.size()), "images");
  try {
    evaluate_units(bar);
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "\n");
    save_partial_results(e.what(), "interrupted");
    throw Interrupted(e.signal_number(), std::string(e.what()) + "; the finished cases are journaled in " +
                                             setup_.config.run.output.string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n");
    save_partial_results(e.what(), "failed");
    throw;
  }
}

// In listing order, so that the tables' rows are too: the units the journal holds are restored,
// the others read ahead and evaluated. A journaled unit after a computed one (a damaged journal
// line, a unit skipped before, both computed again) waits for the units before it to settle.
void Evaluator::evaluate_units(Progress& bar) {
  std::vector<SampleRef> pending_samples;
  for (const auto& unit : setup_.units) {
    if (!has_record(progress_, unit)) pending_samples.insert(pending_samples.end(), unit.samples.begin(), unit.samples.end());
  }
  SampleFeed feed(setup_, pending_samples, progress_.times);
  for (const auto& unit : setup_.units) {
    if (has_record(progress_, unit)) {
      settle(progress_, results_, /*wait=*/true);
      restore_unit(progress_, results_, unit);
      bar.advance(static_cast<long long>(unit.samples.size()));
      continue;
    }
    evaluate_unit(unit, feed, bar);
  }
  settle(progress_, results_, /*wait=*/true);
  bar.finish();
}

// What the workers computed is kept, and its units journaled; a failing metric leaves its unit
// unjournaled, and the rows without their metrics out.
void Evaluator::save_partial_results(const std::string& error, const std::string& status) {
  bool metrics_failed = false;
  try {
    settle(progress_, results_, /*wait=*/true);
  } catch (const std::exception&) {
    metrics_failed = true;
  }
  keep_partial(progress_, results_, metrics_failed);
  // The state first: summary.json must not say more than run_state.json does.
  const bool state_recorded = fail_run(setup_, progress_, error, status);
  write_failure(setup_, results_, error, status, state_recorded);
}

// One case (or 2D image), whole: journaled when done; under --on-error skip, a failing one is
// skipped whole.
// The unit's samples come from `feed`, in order; a skipped unit's remaining samples are
// taken and dropped, so that the next unit starts at its own first sample.
void Evaluator::evaluate_unit(const Unit& unit, SampleFeed& feed, Progress& bar) {
  progress_.open_unit = std::make_unique<EvalOutput>();
  EvalOutput& out = *progress_.open_unit;
  size_t taken = 0;
  try {
    for (; taken < unit.samples.size();) {
      if (int signal_number = InterruptGuard::received()) {
        throw Interrupted(signal_number, "interrupted by " + signal_name(signal_number));
      }
      ++taken;
      PreparedSample prepared = feed.next();  // times the wait for it (and a batch's encode)
      evaluate_sample(prepared, out);
      ++out.images_done;
      bar.advance();
    }
  } catch (const FatalError&) {
    throw;
  } catch (const Error& e) {  // bad input; a model or library failure stops the run
    if (setup_.on_error != OnError::kSkip) throw;
    for (; taken < unit.samples.size(); ++taken) {
      try {
        feed.next();
      } catch (const Error&) {  // the same unit's other bad samples: skipped with it
      }
    }
    const long long not_advanced = static_cast<long long>(unit.samples.size()) - out.images_done;
    skip_unit(setup_, progress_, results_, unit, e.what());  // drops `out`
    bar.advance(not_advanced);
    return;
  }
  finish_unit(setup_, progress_, results_, unit);
}

void Evaluator::evaluate_sample(const PreparedSample& prepared, EvalOutput& out) {
  const Sample& sample = prepared.sample;
  progress_.times.add(prepared.times);
  if (sample.volume) add_unprompted_truth(prepared, out);
  if (prepared.instances.empty()) {
    ++out.images_without_instances;  // nothing to prompt: skip the encoder
    return;
  }
  for (const Mode& mode : setup_.settings.modes) {
    std::vector<Prompt> prompts;
    if (!mode.everything) prompts = make_prompts(mode, prepared, out);
    PolicyPredictions predictions = masks_.predict(mode, prepared, prompts);
    cut_to_roi(predictions, sample.roi);
    for (size_t k = 0; k < predictions.size(); ++k) {
      score(setup_.settings.set_name(mode, 1, k), prepared, predictions[k], out);
    }
    // Iterative modes have one policy (checked by validate): its kept masks draw the clicks.
    for (int round = 2; round <= mode.rounds; ++round) {
      add_clicks(mode.result_name(round), prepared, predictions[0], prompts, out);
      predictions = masks_.refine(prepared, prompts, predictions[0]);
      cut_to_roi(predictions, sample.roi);
      score(setup_.settings.set_name(mode, round, 0), prepared, predictions[0], out);
    }
    // A rescore (no model) reads these files; it must not rewrite them.
    if (setup_.config.run.save_predictions && setup_.model) {
      fatal_on_error([&] {
        save_predictions(setup_, progress_, out, prepared.ref, sample, prepared.instances, predictions[0]);
      });
    }
  }
}

// A volume slice's classes with ground truth but no object to prompt (none of min_area pixels):
// nothing is predicted there, and the case's 3D scores count that truth as missed.
void Evaluator::add_unprompted_truth(const PreparedSample& prepared, EvalOutput& out) {
  const SampleRef& ref = prepared.ref;
  const Sample& sample = prepared.sample;
  std::set<int> prompted;
  for (const auto& inst : prepared.instances) prompted.insert(inst.class_label);
  const VolumeGeometry grid = rai_geometry(*sample.volume);
  const cv::Mat nothing = cv::Mat::zeros(sample.labels.size(), CV_8U);
  for (const auto& cls : setup_.dataset->classes()) {
    if (prompted.count(cls.label)) continue;
    const cv::Mat truth = sample.labels == cls.label;
    const long long pixels = cv::countNonZero(truth);
    if (pixels == 0) continue;
    for (const auto& set : setup_.settings.result_sets) {
      RegionResult r;
      r.unit = ref.id;
      r.group = ref.group;
      r.result_set = set.name;
      r.class_label = cls.label;
      r.class_name = cls.name;
      r.overlap.truth = pixels;
      out.unprompted_truth.push_back(std::move(r));
      results_.case_surfaces.add(set.name, ref.case_id, cls.label, ref.slice, nothing, truth, grid.size, grid.spacing);
    }
  }
  out.case_of[ref.id] = ref.case_id;
}

// The prompts of one mode for an image's instances: derived, or read from the replayed file.
std::vector<Prompt> Evaluator::make_prompts(const Mode& mode, const PreparedSample& sample, EvalOutput& out) {
  const SampleRef& ref = sample.ref;
  const std::string name = mode.result_name(1);
  auto t = progress_.times.time("prompt");
  const PromptContext context{ref.id, sample.sample.image.size(), static_cast<uint64_t>(setup_.config.prompt_seed)};
  std::vector<Prompt> prompts;
  for (const auto& inst : sample.instances) {
    PromptKey key{ref.id, inst.class_label, inst.index, name};
    if (setup_.replay) {
      auto it = setup_.replay->find(key);
      if (it == setup_.replay->end()) {
        throw Error(setup_.config.replay_prompts, "no prompt for " + ref.id + " class " +
                                                      std::to_string(inst.class_label) + " instance " +
                                                      std::to_string(inst.index) + " mode " + name);
      }
      check_prompt_fits(it->second, sample.sample.image.size(),
                        setup_.config.replay_prompts.string() + ": " + ref.id + " class " +
                            std::to_string(inst.class_label) + " instance " + std::to_string(inst.index));
      prompts.push_back(it->second);
    } else {
      prompts.push_back(mode.rule->make(inst, context));
    }
    out.prompt_lines.push_back(prompt_line(key, setup_.class_names.at(inst.class_label), prompts.back()));
  }
  return prompts;
}

// Adds each instance's corrective click to its prompt, and logs the prompts of this round.
void Evaluator::add_clicks(const std::string& set, const PreparedSample& sample,
                           const std::vector<Prediction>& predictions, std::vector<Prompt>& prompts,
                           EvalOutput& out) {
  auto t = progress_.times.time("prompt");
  const std::vector<Instance>& instances = sample.instances;
  for (size_t i = 0; i < instances.size(); ++i) {
    if (auto click = corrective_click(predictions[i].mask, instances[i])) {
      prompts[i].points.push_back(click->point);
      prompts[i].labels.push_back(click->label);
    }
    PromptKey key{sample.ref.id, instances[i].class_label, instances[i].index, set};
    out.prompt_lines.push_back(prompt_line(key, setup_.class_names.at(instances[i].class_label), prompts[i]));
  }
}

// Instance rows, then one region row per class present in the image: the union of the class's
// kept masks against the whole class mask (components below min_area included, as misses). The
// rows are added now; their scores, and the region rows' masks, follow from the metric workers
// (settle).
void Evaluator::score(const std::string& set, const PreparedSample& prepared,
                      const std::vector<Prediction>& predictions, EvalOutput& out) {
  const SampleRef& ref = prepared.ref;
  const Sample& sample = prepared.sample;
  const std::vector<Instance>& instances = prepared.instances;
  // Submitted after the rows are made: without workers a job runs inside submit, and its time
  // belongs to "metrics", not to the rows' bookkeeping ("score").
  std::vector<std::tuple<PendingMetrics::Table, size_t, PendingMetrics::Compute>> jobs;
  auto t = std::make_optional(progress_.times.time("score"));
  const std::string& case_id = ref.case_id.empty() ? ref.id : ref.case_id;
  std::map<int, std::vector<cv::Mat>> kept_by_class;  // the masks share their pixels: no copy
  for (size_t i = 0; i < instances.size(); ++i) {
    const Instance& inst = instances[i];
    const Prediction& pred = predictions[i];
    InstanceResult r;
    r.image = ref.id;
    r.case_id = case_id;
    r.group = ref.group;
    r.result_set = set;
    r.class_label = inst.class_label;
    r.class_name = setup_.class_names.at(inst.class_label);
    r.instance = inst.index;
    r.centroid = centroid(inst);
    r.centroid_inside = contains(inst, r.centroid);
    r.mask_index = pred.mask_index;
    r.score = pred.score;
    if (setup_.config.run.save_predictions) r.mask_file = instance_mask_path(ref.id, r.class_name, r.instance);
    out.instance_rows.push_back(std::move(r));
    jobs.emplace_back(PendingMetrics::Table::kInstances, out.instance_rows.size() - 1,
                      scores_of(setup_, pred.mask, inst, sample.spacing));

    kept_by_class[inst.class_label].push_back(pred.mask);
  }
  for (const auto& [label, kept] : kept_by_class) {
    RegionResult r;
    r.unit = ref.id;
    r.group = ref.group;
    r.result_set = set;
    r.class_label = label;
    r.class_name = setup_.class_names.at(label);
    out.image_rows.push_back(std::move(r));
    jobs.emplace_back(PendingMetrics::Table::kImages, out.image_rows.size() - 1,
                      region_scores_of(setup_, kept, sample.labels, label, sample.spacing));
    if (sample.volume) {  // the case's 3D surfaces take the slice now
      cv::Mat predicted = cv::Mat::zeros(sample.labels.size(), CV_8U);
      for (const cv::Mat& mask : kept) predicted |= mask;
      const VolumeGeometry grid = rai_geometry(*sample.volume);
      results_.case_surfaces.add(set, case_id, label, ref.slice, predicted, sample.labels == label, grid.size,
                                 grid.spacing);
    }
  }
  out.case_of[ref.id] = case_id;
  t.reset();
  for (auto& [table, row, compute] : jobs) progress_.metrics.submit(out, table, row, std::move(compute));
  settle(progress_, results_, /*wait=*/false);
}

}  // namespace sambench
