#pragma once

// Where a sample's kept masks come from: SAM (sam_masks.h), or the files of a saved run
// (sambench rescore). The evaluator (evaluator.h) prompts, scores and writes whichever it is.

#include <vector>

#include "run/prepare.h"
#include "run/run.h"

namespace sambench {

// The kept masks of one mode, one list per mask policy ([policy][instance]).
using PolicyPredictions = std::vector<std::vector<Prediction>>;

class MaskSource {
 public:
  virtual ~MaskSource() = default;

  // One mode's kept masks for the sample's instances, from `prompts` (one per instance; none
  // for an everything mode).
  virtual PolicyPredictions predict(const Mode& mode, const PreparedSample& sample,
                                    const std::vector<Prompt>& prompts) = 0;

  // The next round of an iterative mode: `prompts` now hold this round's corrective clicks,
  // `previous` holds the last round's kept masks (iterative modes have one policy).
  virtual PolicyPredictions refine(const PreparedSample& sample, const std::vector<Prompt>& prompts,
                                   const std::vector<Prediction>& previous) = 0;
};

}  // namespace sambench
