#pragma once

// How a run spreads its work over threads: the model thread, and one pool of workers beside it
// that runs both the read-ahead (read, objects, prompts, model input: run.prefetch samples
// ahead) and the work after the decoder (full-size masks, scores, saved masks). Each is a queue
// of independent jobs, so the pool never deadlocks however few workers it has.

#include "sambench/data/config.h"

namespace sambench {

struct WorkerPlan {
  int workers = 0;                      // the pool's threads; 0: every stage on the model thread
  bool post_decode_on_workers = false;  // false: the work after the decoder on the model thread
};

// run.workers as configured; for -1, run.metric_workers when an older config sets it above 0,
// else one per core the model leaves free (at most 4), and at least one for a read-ahead (its
// jobs mostly wait on disk and decoders). The work after the decoder goes to the pool unless
// run.metric_workers is 0, or is -1 while the model uses every core and run.workers is not
// set: a busy extra thread stalls LibTorch's threads at every barrier (measured here: the
// decoder twice as slow). model_threads is 0 when no model runs (rescore, the stand-in), 1 when
// a GPU runs it (one core feeds it).
WorkerPlan plan_workers(const RunConfig& run, int model_threads);

}  // namespace sambench
