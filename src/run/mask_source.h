#pragma once

// Where a sample's kept masks come from: SAM (sam_masks.h), the stand-in of bench --model none
// (stand_in_masks.h), or the files of a saved run (sambench rescore). The evaluator (evaluator.h)
// prompts, scores and writes whichever it is. The model thread only predicts; bringing the kept
// masks to the image's full resolution (finish) is a separate step, so that it can run on a
// worker beside the model.

#include <optional>
#include <vector>

#include "run/prepare.h"
#include "run/run.h"
#include "sambench/metrics/metrics.h"

namespace sambench {

// The kept masks of one mode, one list per mask policy ([policy][instance]).
using PolicyPredictions = std::vector<std::vector<Prediction>>;

class MaskSource {
 public:
  virtual ~MaskSource() = default;

  // One mode's kept masks for the sample's instances, from `prompts` (one per instance; none
  // for an everything mode), possibly still at the model's low resolution: finish completes them.
  virtual PolicyPredictions predict(const Mode& mode, const PreparedSample& sample,
                                    const std::vector<Prompt>& prompts) = 0;

  // The next round of an iterative mode: `prompts` now hold this round's corrective clicks,
  // `previous` holds the last round's kept masks (iterative modes have one policy).
  virtual PolicyPredictions refine(const PreparedSample& sample, const std::vector<Prompt>& prompts,
                                   const std::vector<Prediction>& previous) = 0;

  // Brings the kept masks of `mode` (as predict or refine returned them) to the image's full
  // resolution on the host (Prediction::mask), counting them in `times` as "host_masks". May
  // run on a worker thread while the model goes on: it changes nothing of the source, and its
  // time goes to `times`.
  virtual void finish(const Mode& mode, const PreparedSample& sample, PolicyPredictions& predictions,
                      StageTimes& times) const = 0;

  // Instead of finish, when nothing needs the full-size masks on the host: the overlap counts of
  // the kept masks (as predict returned them) with their rows, per policy in row_counts' order
  // (device_overlap.h), taken where the masks are and cut to the field of view there. Nothing
  // when this source's masks are on the host anyway: the caller finishes and counts them there.
  virtual std::optional<std::vector<std::vector<Overlap>>> device_counts(const Mode& /*mode*/,
                                                                         const PreparedSample& /*sample*/,
                                                                         const PolicyPredictions& /*predictions*/,
                                                                         StageTimes& /*times*/) const {
    return std::nullopt;
  }
};

}  // namespace sambench
