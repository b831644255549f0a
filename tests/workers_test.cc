// The one worker pool's size and what runs on it (run/workers.h), from run.workers,
// run.metric_workers and run.prefetch.

#include <gtest/gtest.h>

#include "run/workers.h"

namespace sambench {
namespace {

RunConfig run_config(int workers, int metric_workers, int prefetch) {
  RunConfig run;
  run.workers = workers;
  run.metric_workers = metric_workers;
  run.prefetch = prefetch;
  return run;
}

constexpr int kEveryCore = 1 << 20;  // a model thread count above any machine's cores

TEST(PlanWorkers, AGivenPoolSizeIsKept) {
  const WorkerPlan plan = plan_workers(run_config(3, -1, 2), kEveryCore);
  EXPECT_EQ(plan.workers, 3);
  EXPECT_TRUE(plan.post_decode_on_workers);  // asked for: whatever the model leaves
}

TEST(PlanWorkers, NoWorkersRunsEveryStageOnTheModelThread) {
  const WorkerPlan plan = plan_workers(run_config(0, 2, 2), 0);
  EXPECT_EQ(plan.workers, 0);
  EXPECT_FALSE(plan.post_decode_on_workers);
}

TEST(PlanWorkers, MetricWorkersZeroKeepsThePostDecodeOnTheModelThread) {
  const WorkerPlan plan = plan_workers(run_config(2, 0, 2), 0);
  EXPECT_EQ(plan.workers, 2);
  EXPECT_FALSE(plan.post_decode_on_workers);
}

TEST(PlanWorkers, AnOlderConfigsMetricWorkersSizeThePool) {
  const WorkerPlan plan = plan_workers(run_config(-1, 3, 2), kEveryCore);
  EXPECT_EQ(plan.workers, 3);
  EXPECT_TRUE(plan.post_decode_on_workers);
}

// A CPU model on every core: one worker for the read-ahead, the post-decode beside the model
// thread would stall LibTorch's threads, so it stays on the model thread.
TEST(PlanWorkers, AModelOnEveryCoreLeavesOneReader) {
  WorkerPlan plan = plan_workers(run_config(-1, -1, 2), kEveryCore);
  EXPECT_EQ(plan.workers, 1);
  EXPECT_FALSE(plan.post_decode_on_workers);
  plan = plan_workers(run_config(-1, -1, 0), kEveryCore);
  EXPECT_EQ(plan.workers, 0);
}

TEST(PlanWorkers, NoModelTakesTheFreeCoresUpToFour) {
  const WorkerPlan plan = plan_workers(run_config(-1, -1, 2), 0);
  EXPECT_GE(plan.workers, 1);
  EXPECT_LE(plan.workers, 4);
  EXPECT_TRUE(plan.post_decode_on_workers);
}

}  // namespace
}  // namespace sambench
