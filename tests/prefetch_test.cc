#include "sambench/base/prefetch.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <vector>
#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

namespace sambench {
namespace {

// Items finish out of order (later ones sooner), yet come out in index order.
TEST(Prefetcher, YieldsItemsInIndexOrder) {
  const size_t count = 40;
  ThreadPool pool(3);
  Prefetcher<size_t> prefetch(count, 4, pool, 4, [](size_t i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200 * ((count - i) % 5)));
    return i * 10;
  });
  for (size_t i = 0; i < count; ++i) EXPECT_EQ(prefetch.next(), i * 10);
}

// Items are produced at most `depth` ahead of the consumer, however slow it is.
TEST(Prefetcher, StaysWithinItsDepth) {
  std::atomic<int> taken{0}, most_ahead{0};
  const int depth = 3;
  ThreadPool pool(2);
  Prefetcher<int> prefetch(30, depth, pool, depth, [&](size_t i) {
    // `taken` lags the queue's own count by at most the item the consumer is taking.
    int ahead = static_cast<int>(i) - taken.load();
    int seen = most_ahead.load();
    while (ahead > seen && !most_ahead.compare_exchange_weak(seen, ahead)) {
    }
    return static_cast<int>(i);
  });
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(prefetch.next(), i);
    ++taken;
  }
  EXPECT_LE(most_ahead.load(), depth);
  EXPECT_GE(most_ahead.load(), 2);  // it did read ahead
}

// An item's error comes out when that item is taken; the items before it are delivered.
TEST(Prefetcher, RethrowsAnItemsErrorInOrder) {
  ThreadPool pool(2);
  Prefetcher<int> prefetch(10, 3, pool, 3, [](size_t i) {
    if (i == 4) throw std::runtime_error("bad sample 4");
    return static_cast<int>(i);
  });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(prefetch.next(), i);
  EXPECT_THROW(prefetch.next(), std::runtime_error);
}

TEST(Prefetcher, DepthZeroProducesOnTheCallersThread) {
  const auto caller = std::this_thread::get_id();
  ThreadPool pool(4);
  Prefetcher<bool> prefetch(3, 0, pool, 1, [&](size_t) { return std::this_thread::get_id() == caller; });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(prefetch.next());
}

// A pool without workers: every item on the caller's thread, whatever the depth.
TEST(Prefetcher, APoolWithoutWorkersProducesOnTheCallersThread) {
  const auto caller = std::this_thread::get_id();
  ThreadPool pool(0);
  Prefetcher<bool> prefetch(3, 2, pool, 2, [&](size_t) { return std::this_thread::get_id() == caller; });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(prefetch.next());
}

// One lane: the items are produced one at a time, in index order (a volume's slices).
TEST(Prefetcher, OneLaneProducesInOrderOneAtATime) {
  ThreadPool pool(3);
  std::mutex mutex;
  std::vector<size_t> order;
  int running = 0, most_running = 0;
  Prefetcher<size_t> prefetch(20, 4, pool, 1, [&](size_t i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(i);
      most_running = std::max(most_running, ++running);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    std::lock_guard<std::mutex> lock(mutex);
    --running;
    return i;
  });
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(prefetch.next(), i);
  EXPECT_EQ(most_running, 1);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
}

// One worker shared with other jobs that the consumer waits for in turn (the work after the
// decoder): neither waits for the other forever.
TEST(Prefetcher, SharesOneWorkerWithOtherJobs) {
  ThreadPool pool(1);
  Prefetcher<int> prefetch(50, 4, pool, 4, [](size_t i) { return static_cast<int>(i); });
  std::deque<std::future<int>> jobs;
  for (int i = 0; i < 50; ++i) {
    const int item = prefetch.next();
    jobs.push_back(pool.submit([item] { return 2 * item; }));
    if (jobs.size() > 4) {
      EXPECT_EQ(jobs.front().get(), 2 * (i - 4));
      jobs.pop_front();
    }
  }
  while (!jobs.empty()) {
    jobs.front().get();
    jobs.pop_front();
  }
}

// Leaving early (an error in the loop) waits for the tasks already queued, and starts no more.
TEST(Prefetcher, StopsWhenDroppedEarly) {
  std::atomic<int> produced{0};
  ThreadPool pool(2);
  {
    Prefetcher<int> prefetch(1000, 2, pool, 2, [&](size_t i) {
      ++produced;
      return static_cast<int>(i);
    });
    EXPECT_EQ(prefetch.next(), 0);
  }
  EXPECT_LE(produced.load(), 3);
}

}  // namespace
}  // namespace sambench
