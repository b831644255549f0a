#include "sambench/base/thread_pool.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(ThreadPool, WithoutWorkersATaskRunsAtOnceOnTheCaller) {
  ThreadPool pool(0);
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  auto result = pool.submit([&] {
    ran_on = std::this_thread::get_id();
    return 7;
  });
  EXPECT_EQ(ran_on, caller);  // before get(): it ran inside submit
  EXPECT_EQ(result.get(), 7);
}

TEST(ThreadPool, WorkersRunEveryTaskAndKeepEachResultWithItsFuture) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.workers(), 3u);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 200; ++i) results.push_back(pool.submit([i] { return i * i; }));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(results[i].get(), i * i);
}

TEST(ThreadPool, AnExceptionReachesTheFuture) {
  ThreadPool pool(1);
  auto result = pool.submit([]() -> int { throw std::runtime_error("metric failed"); });
  EXPECT_THROW(result.get(), std::runtime_error);
  EXPECT_EQ(pool.submit([] { return 1; }).get(), 1);  // the worker survives it
}

TEST(ThreadPool, QueuedTasksStillRunWhenThePoolIsDestroyed) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) {
      (void)pool.submit([&ran] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++ran;
      });
    }
  }
  EXPECT_EQ(ran.load(), 50);  // futures dropped, tasks not lost
}

}  // namespace
}  // namespace sambench
