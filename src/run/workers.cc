#include "run/workers.h"

#include <algorithm>

#include "sambench/base/cores.h"

namespace sambench {

WorkerPlan plan_workers(const RunConfig& run, int model_threads) {
  const int free_cores = std::clamp(usable_cores() - model_threads, 0, 4);
  WorkerPlan plan;
  if (run.workers >= 0) {
    plan.workers = run.workers;
  } else if (run.metric_workers > 0) {
    plan.workers = run.metric_workers;
  } else {
    plan.workers = std::max(free_cores, run.prefetch > 0 ? 1 : 0);
  }
  const bool wanted = run.metric_workers > 0 || (run.metric_workers < 0 && (run.workers > 0 || free_cores > 0));
  plan.post_decode_on_workers = wanted && plan.workers > 0;
  return plan;
}

}  // namespace sambench
