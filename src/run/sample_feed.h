#pragma once

// The model thread's source of prepared samples: takes them from the read-ahead in run order
// and, with run.encode_batch above 1, encodes the images of the next samples together in one
// model call before handing the samples out one by one (a GPU encodes far more images per
// second in a batch). The read-ahead runs at least a batch ahead, so that the next batch is
// prepared while the model encodes this one.

#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "run/prepare.h"

namespace sambench {

class SampleFeed {
 public:
  // `refs` and `pool` (the read-ahead's workers) must outlive the feed; `times` gets "wait" (for
  // a prepared sample) and "encode".
  SampleFeed(const RunSetup& setup, const std::vector<SampleRef>& refs, ThreadPool& pool, StageTimes& times);

  // The next sample in run order, its embedding computed when it was encoded in a batch;
  // rethrows the error its preparation threw.
  PreparedSample next();

 private:
  struct Slot {
    std::optional<PreparedSample> sample;
    std::exception_ptr error;
  };

  void fill();
  void encode_ready();

  const RunSetup& setup_;
  const size_t batch_;
  StageTimes& times_;
  std::unique_ptr<Prefetcher<PreparedSample>> prefetch_;
  size_t not_taken_;      // samples the read-ahead has still to hand over
  std::deque<Slot> ready_;  // taken, in run order, waiting to be handed out
};

}  // namespace sambench
