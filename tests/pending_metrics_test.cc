// The post-decode jobs' settling (run/scoring.h): the model thread's wait for them is timed,
// in-order steps follow the jobs before them, and a failed job's written files are listed while
// its rows stay pending.

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "run/scoring.h"

namespace sambench {
namespace {

using Table = PendingMetrics::Table;

// A job for `rows` instance rows, each scored with `truth` pixels, after `delay`.
PendingMetrics::Compute job(size_t rows, long long truth, std::chrono::milliseconds delay = {},
                            std::vector<std::string> files = {}) {
  return [=] {
    std::this_thread::sleep_for(delay);
    JobResult result;
    for (size_t i = 0; i < rows; ++i) {
      Scored s;
      s.overlap.truth = truth;
      result.scores.push_back(s);
    }
    result.saved_files = files;
    return result;
  };
}

std::vector<PendingMetrics::Row> instance_rows(EvalOutput& unit, size_t count) {
  std::vector<PendingMetrics::Row> rows;
  for (size_t i = 0; i < count; ++i) {
    unit.instance_rows.emplace_back();
    rows.push_back({Table::kInstances, unit.instance_rows.size() - 1});
  }
  return rows;
}

TEST(PendingMetrics, TheModelThreadsWaitIsTimedAsWaitWorkers) {
  ThreadPool pool(1);
  PendingMetrics metrics(pool, /*on_workers=*/true);
  EvalOutput unit;
  metrics.submit(unit, instance_rows(unit, 1), job(1, 7, std::chrono::milliseconds(60)));
  StageTimes times;
  metrics.settle(times, /*keep=*/0);
  EXPECT_GE(times.total("wait_workers"), 0.03);
  EXPECT_EQ(unit.instance_rows[0].overlap.truth, 7);
  EXPECT_FALSE(metrics.pending(unit));
}

TEST(PendingMetrics, InOrderStepsFollowTheJobsBeforeThem) {
  ThreadPool pool(2);
  PendingMetrics metrics(pool, /*on_workers=*/true);
  EvalOutput unit;
  std::vector<long long> seen;  // the first row's truth when each step runs
  metrics.in_order(unit, [&](EvalOutput&) { seen.push_back(-1); });  // nothing pending: at once
  EXPECT_EQ(seen, std::vector<long long>{-1});
  metrics.submit(unit, instance_rows(unit, 1), job(1, 5, std::chrono::milliseconds(40)));
  metrics.in_order(unit, [&](EvalOutput& u) { seen.push_back(u.instance_rows[0].overlap.truth); });
  EXPECT_EQ(seen.size(), 1u);  // waits for the job before it
  StageTimes times;
  metrics.settle(times, 0);
  EXPECT_EQ(seen, (std::vector<long long>{-1, 5}));
}

TEST(PendingMetrics, AFailedJobListsItsFilesAndKeepsItsRowsPending) {
  for (bool on_workers : {false, true}) {
    ThreadPool pool(2);
    PendingMetrics metrics(pool, on_workers);
    EvalOutput unit;
    metrics.submit(unit, instance_rows(unit, 2), job(2, 3, {}, {"a.png"}));
    metrics.submit(unit, instance_rows(unit, 1), [] {
      JobResult result;
      result.saved_files = {"b.png"};  // written before the failure
      result.failure = std::make_exception_ptr(std::runtime_error("disk full"));
      return result;
    });
    metrics.submit(unit, instance_rows(unit, 1), job(1, 4, {}, {"c.png"}));
    StageTimes times;
    EXPECT_THROW(metrics.settle(times, 0), std::runtime_error);
    EXPECT_THROW(metrics.settle(times, 0), std::runtime_error);  // again: its rows never arrive
    EXPECT_EQ(unit.saved_files, (std::vector<std::string>{"a.png", "b.png"}));
    EXPECT_EQ(metrics.settled(unit, Table::kInstances), 2u);
    EXPECT_TRUE(metrics.pending(unit));
    metrics.abandon();  // the job after it wrote its file too
    EXPECT_EQ(unit.saved_files, (std::vector<std::string>{"a.png", "b.png", "c.png"}));
    EXPECT_FALSE(metrics.pending(unit));
  }
}

}  // namespace
}  // namespace sambench
