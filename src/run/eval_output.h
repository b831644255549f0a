#pragma once

// What evaluating writes besides the summaries: the rows, prompt lines, saved files, image→case
// entries and image counts. A unit (a case, or a 2D image) fills its own EvalOutput while it is
// evaluated; once its metrics are final the buffer is appended to the run's and journaled, and a
// skipped unit's buffer is dropped. A journal record holds one unit's EvalOutput (run_journal.cc).

#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "sambench/metrics/results.h"

namespace sambench {

struct EvalOutput {
  std::vector<InstanceResult> instance_rows;  // per_instance.csv
  std::vector<RegionResult> image_rows;       // per_image.csv
  // Volumes: the ground truth of a slice's classes that nothing prompted (no object of min_area
  // pixels on the slice), as rows with an empty prediction. Not in per_image.csv; added to the
  // case rows, so that a case's 3D Dice is scored on the volume's whole ground truth.
  std::vector<RegionResult> unprompted_truth;
  std::vector<std::string> prompt_lines;      // prompts.jsonl
  std::vector<std::string> saved_files;       // relative to the run folder
  std::map<std::string, std::string> case_of;  // image id → case id
  long long images_done = 0;
  long long images_without_instances = 0;

  // Adds a unit's output after this one's.
  void append(EvalOutput&& unit) {
    move_to_end(unit.instance_rows, instance_rows);
    move_to_end(unit.image_rows, image_rows);
    move_to_end(unit.unprompted_truth, unprompted_truth);
    move_to_end(unit.prompt_lines, prompt_lines);
    move_to_end(unit.saved_files, saved_files);
    for (auto& [image, case_id] : unit.case_of) case_of[image] = std::move(case_id);
    images_done += unit.images_done;
    images_without_instances += unit.images_without_instances;
  }

 private:
  template <typename T>
  static void move_to_end(std::vector<T>& from, std::vector<T>& to) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }
};

}  // namespace sambench
