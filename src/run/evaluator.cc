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

// Outside a field of view nothing is predicted: the ground truth there was cleared by the adapter,
// and a mask spilling over the FOV border must not count as false positives.
void cut_to_roi(PolicyPredictions& predictions, const cv::Mat& roi) {
  if (roi.empty()) return;
  for (auto& kept : predictions) {
    for (auto& p : kept) p.mask &= roi;
  }
}

// The truth is an instance (its crop in its box) or a whole class mask (a region row).
template <class Truth>
Scored scores_of(const RunSetup& setup, const cv::Mat& prediction, const Truth& truth, cv::Point2d spacing) {
  Scored s;
  s.overlap = overlap(prediction, truth);
  s.values = all_metrics(s.overlap, prediction, truth, spacing, setup.surface, setup.settings.empty_rule);
  return s;
}

// A class's kept masks as one mask.
cv::Mat union_of(const std::vector<cv::Mat>& kept, cv::Size size) {
  cv::Mat predicted = cv::Mat::zeros(size, CV_8U);
  for (const cv::Mat& mask : kept) predicted |= mask;
  return predicted;
}

// The kept masks of each class of the image, in label order (the order of its region rows).
std::map<int, std::vector<cv::Mat>> kept_by_class(const std::vector<Instance>& instances,
                                                  const std::vector<Prediction>& predictions) {
  std::map<int, std::vector<cv::Mat>> by_class;  // the masks share their pixels: no copy
  for (size_t i = 0; i < instances.size(); ++i) by_class[instances[i].class_label].push_back(predictions[i].mask);
  return by_class;
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
  SampleFeed feed(setup_, pending_samples, progress_.pool, progress_.times);
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

// Per mode: the prompts and the model's kept masks on this thread; what follows (full
// resolution, the field of view, the scores, the saved masks) on the workers. An iterative
// mode's round needs the last round's masks at full resolution for its clicks, so those finish
// here and only their scores go to the workers. A volume's slice joins its case's 3D surfaces
// and label volume when its job is settled, in slice order.
void Evaluator::evaluate_sample(const PreparedSample& prepared, EvalOutput& out) {
  const Sample& sample = prepared.sample;
  progress_.times.add(prepared.times);
  if (sample.volume) add_unprompted_truth(prepared, out);
  if (prepared.instances.empty()) {
    ++out.images_without_instances;  // nothing to prompt: skip the encoder
    return;
  }
  // A rescore (no model) reads these files; it must not rewrite them.
  const bool save = setup_.config.run.save_predictions && setup_.model;
  const auto shared = for_jobs(prepared);
  for (size_t m = 0; m < setup_.settings.modes.size(); ++m) {
    const Mode& mode = setup_.settings.modes[m];
    std::vector<Prompt> prompts;
    if (!mode.everything) prompts = make_prompts(m, prepared, out);
    PolicyPredictions predictions = masks_.predict(mode, prepared, prompts);
    if (mode.rounds <= 1) {
      score(mode, 1, shared, std::move(predictions), /*finished=*/false, save, out);
      continue;
    }
    finish_here(mode, prepared, predictions);
    score(mode, 1, shared, predictions, /*finished=*/true, /*save=*/false, out);
    // Iterative modes have one policy (checked by validate): its kept masks draw the clicks.
    for (int round = 2; round <= mode.rounds; ++round) {
      add_clicks(mode.result_name(round), prepared, predictions[0], prompts, out);
      predictions = masks_.refine(prepared, prompts, predictions[0]);
      finish_here(mode, prepared, predictions);
      score(mode, round, shared, predictions, /*finished=*/true, save && round == mode.rounds, out);
    }
  }
}

// What the sample's jobs read, shared by them: all but the image and the model's input and
// embedding, which they never need and which would stay in memory while the jobs wait.
std::shared_ptr<const PreparedSample> Evaluator::for_jobs(const PreparedSample& prepared) {
  auto shared = std::make_shared<PreparedSample>();
  shared->ref = prepared.ref;
  shared->sample.id = prepared.sample.id;
  shared->sample.labels = prepared.sample.labels;  // cv::Mat: the pixels are shared, not copied
  shared->sample.roi = prepared.sample.roi;
  shared->sample.spacing = prepared.sample.spacing;
  shared->sample.volume = prepared.sample.volume;
  shared->instances = prepared.instances;
  shared->transform = prepared.transform;
  return shared;
}

// The kept masks at full resolution and cut to the field of view, on this thread.
void Evaluator::finish_here(const Mode& mode, const PreparedSample& prepared, PolicyPredictions& predictions) {
  masks_.finish(mode, prepared, predictions, progress_.times);
  cut_to_roi(predictions, prepared.sample.roi);
}

// A volume slice's classes with ground truth but no object to prompt (none of min_area pixels):
// nothing is predicted there, and the case's 3D scores count that truth as missed (after the
// jobs before it: the case's slices go in order).
void Evaluator::add_unprompted_truth(const PreparedSample& prepared, EvalOutput& out) {
  const SampleRef& ref = prepared.ref;
  const Sample& sample = prepared.sample;
  std::set<int> prompted;
  for (const auto& inst : prepared.instances) prompted.insert(inst.class_label);
  std::vector<std::pair<int, cv::Mat>> missed;  // (class, its truth)
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
    }
    missed.emplace_back(cls.label, truth);
  }
  out.case_of[ref.id] = ref.case_id;
  if (missed.empty()) return;
  const VolumeGeometry grid = rai_geometry(*sample.volume);
  progress_.metrics.in_order(out, [this, ref, grid, missed = std::move(missed)](EvalOutput&) {
    const cv::Mat nothing = cv::Mat::zeros(missed.front().second.size(), CV_8U);
    for (const auto& [label, truth] : missed) {
      for (const auto& set : setup_.settings.result_sets) {
        results_.case_surfaces.add(set.name, ref.case_id, label, ref.slice, nothing, truth, grid.size, grid.spacing);
      }
    }
  });
}

// The prompts of one mode for an image's instances: derived while the sample was prepared, or
// read from the replayed file; each logged.
std::vector<Prompt> Evaluator::make_prompts(size_t mode_index, const PreparedSample& sample, EvalOutput& out) {
  const SampleRef& ref = sample.ref;
  const std::string name = setup_.settings.modes[mode_index].result_name(1);
  auto t = progress_.times.time("prompt");
  std::vector<Prompt> prompts;
  for (size_t i = 0; i < sample.instances.size(); ++i) {
    const Instance& inst = sample.instances[i];
    PromptKey key{ref.id, inst.class_label, inst.index, name};
    if (setup_.replay) {
      prompts.push_back(replayed_prompt(key, sample));
    } else {
      prompts.push_back(sample.prompts.at(mode_index).at(i));
    }
    out.prompt_lines.push_back(prompt_line(key, setup_.class_names.at(inst.class_label), prompts.back()));
  }
  return prompts;
}

Prompt Evaluator::replayed_prompt(const PromptKey& key, const PreparedSample& sample) const {
  auto it = setup_.replay->find(key);
  const std::string what = key.image + " class " + std::to_string(key.class_label) + " instance " +
                           std::to_string(key.instance);
  if (it == setup_.replay->end()) throw Error(setup_.config.replay_prompts, "no prompt for " + what + " mode " + key.mode);
  check_prompt_fits(it->second, sample.sample.image.size(), setup_.config.replay_prompts.string() + ": " + what);
  return it->second;
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

// One round of a mode: per mask policy, its instance rows, then one region row per class
// present in the image (the union of the class's kept masks against the whole class mask). The
// rows are added now, in order; their scores follow from a job on the workers (settle),
// which first brings the masks to full resolution and cuts them to the field of view unless
// they are `finished`, and writes policy 0's masks when `save` (a volume slice's also into its
// case's label volume).
void Evaluator::score(const Mode& mode, int round, const std::shared_ptr<const PreparedSample>& shared,
                      PolicyPredictions predictions, bool finished, bool save, EvalOutput& out) {
  const PreparedSample& prepared = *shared;
  const SampleRef& ref = prepared.ref;
  const std::vector<Instance>& instances = prepared.instances;
  std::vector<PendingMetrics::Row> rows;
  {
    auto t = progress_.times.time("score");
    const std::string& case_id = ref.case_id.empty() ? ref.id : ref.case_id;
    for (size_t k = 0; k < predictions.size(); ++k) {
      const std::string set = setup_.settings.set_name(mode, round, k);
      std::set<int> labels;
      for (size_t i = 0; i < instances.size(); ++i) {
        out.instance_rows.push_back(instance_row(set, prepared, instances[i], predictions[k][i]));
        rows.push_back({PendingMetrics::Table::kInstances, out.instance_rows.size() - 1});
        labels.insert(instances[i].class_label);
      }
      for (int label : labels) {
        RegionResult r;
        r.unit = ref.id;
        r.group = ref.group;
        r.result_set = set;
        r.class_label = label;
        r.class_name = setup_.class_names.at(label);
        out.image_rows.push_back(std::move(r));
        rows.push_back({PendingMetrics::Table::kImages, out.image_rows.size() - 1});
      }
    }
    out.case_of[ref.id] = case_id;
  }
  // Submitted after the rows are made: without workers the job runs inside submit, and its time
  // belongs to its own stages, not to the rows' bookkeeping ("score").
  progress_.metrics.submit(out, std::move(rows),
                           [this, &mode, round, shared, predictions = std::move(predictions), finished, save]() mutable {
                             return post_decode(mode, round, shared, predictions, finished, save);
                           });
  settle(progress_, results_, /*wait=*/false);
}

// An instance row, its scores pending.
InstanceResult Evaluator::instance_row(const std::string& set, const PreparedSample& prepared, const Instance& inst,
                                       const Prediction& pred) const {
  const SampleRef& ref = prepared.ref;
  InstanceResult r;
  r.image = ref.id;
  r.case_id = ref.case_id.empty() ? ref.id : ref.case_id;
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
  return r;
}

// Whether a job needs its kept masks on the host as full-size masks: when the surface metrics
// read them, when they are saved (a run that saves has one policy), when a volume slice's class
// unions go to its case, or when they are there already. Otherwise Dice and IoU come from counts
// taken where the masks are.
bool Evaluator::masks_on_host(const PreparedSample& prepared, bool finished, bool save) const {
  return finished || save || setup_.surface.enabled || prepared.sample.volume;
}

// A job's work, on a worker: it reads only the sample, the setup and the mask source's
// finish and counts, and returns the scores in the order score() added the rows. A volume
// slice's class unions (and label map) join its case in the job's in-order step.
JobResult Evaluator::post_decode(const Mode& mode, int round, const std::shared_ptr<const PreparedSample>& shared,
                                 PolicyPredictions& predictions, bool finished, bool save) const {
  const PreparedSample& prepared = *shared;
  JobResult result;
  std::optional<std::vector<std::vector<Overlap>>> counts;  // per policy, the rows' counts
  if (!masks_on_host(prepared, finished, save)) counts = masks_.device_counts(mode, prepared, predictions, result.times);
  if (!counts && !finished) {
    masks_.finish(mode, prepared, predictions, result.times);
    auto t = result.times.time("upscale");  // the cut belongs to making the final masks
    cut_to_roi(predictions, prepared.sample.roi);
  }
  const Sample& sample = prepared.sample;
  std::vector<CaseSlice> slices;
  {
    auto t = result.times.time("metrics");
    result.scores = counts ? scores_of_counts(*counts) : host_scores(mode, round, prepared, predictions, slices);
  }
  SavedPredictions saved;
  if (save) {
    auto t = result.times.time("write");
    try {
      write_predictions(setup_, prepared.ref, sample, prepared.instances, predictions.front(), saved);
    } catch (...) {
      result.failure = std::current_exception();  // the files begun are listed all the same
    }
    result.saved_files = saved.files;
  }
  if (sample.volume) {
    result.in_order = [this, shared, slices = std::move(slices), label_map = saved.label_map](EvalOutput& unit) {
      add_case_slice(*shared, slices, label_map, unit);
    };
  }
  return result;
}

// Every row's scores from the kept masks on the host: per policy its instance rows, then its
// region rows. A volume slice's class unions go to `slices`, for its case.
std::vector<Scored> Evaluator::host_scores(const Mode& mode, int round, const PreparedSample& prepared,
                                           const PolicyPredictions& predictions, std::vector<CaseSlice>& slices) const {
  const Sample& sample = prepared.sample;
  std::vector<Scored> scores;
  for (size_t k = 0; k < predictions.size(); ++k) {
    const std::vector<Prediction>& kept = predictions[k];
    for (size_t i = 0; i < kept.size(); ++i) {
      scores.push_back(scores_of(setup_, kept[i].mask, prepared.instances[i], sample.spacing));
    }
    // The union of a class's kept masks against the whole class mask (components below
    // min_area included, as misses).
    for (const auto& [label, masks] : kept_by_class(prepared.instances, kept)) {
      CaseSlice slice{setup_.settings.set_name(mode, round, k), label, union_of(masks, sample.labels.size()),
                      sample.labels == label};
      scores.push_back(scores_of(setup_, slice.predicted, slice.truth, sample.spacing));
      if (sample.volume) slices.push_back(std::move(slice));
    }
  }
  return scores;
}

// The same rows' scores from the counts taken where the masks are (no surface metrics).
std::vector<Scored> Evaluator::scores_of_counts(const std::vector<std::vector<Overlap>>& counts) const {
  std::vector<Scored> scores;
  for (const auto& policy : counts) {
    for (const Overlap& o : policy) scores.push_back({o, overlap_metrics(o, setup_.settings.empty_rule)});
  }
  return scores;
}

// On the model thread, in slice order: the case's 3D surfaces take the slice's class unions,
// and its label volume the slice's label map, when the masks were saved.
void Evaluator::add_case_slice(const PreparedSample& prepared, const std::vector<CaseSlice>& slices,
                               const cv::Mat& label_map, EvalOutput& unit) const {
  const SampleRef& ref = prepared.ref;
  const std::string& case_id = ref.case_id.empty() ? ref.id : ref.case_id;
  const VolumeGeometry grid = rai_geometry(*prepared.sample.volume);
  for (const CaseSlice& slice : slices) {
    results_.case_surfaces.add(slice.set, case_id, slice.label, ref.slice, slice.predicted, slice.truth, grid.size,
                               grid.spacing);
  }
  if (label_map.empty()) return;
  auto t = progress_.times.time("write");
  add_to_case(setup_, progress_.open_case, unit, ref, *prepared.sample.volume, label_map);
}

}  // namespace sambench
