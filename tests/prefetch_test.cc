#include "sambench/base/prefetch.h"

#include <atomic>
#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

namespace sambench {
namespace {

// Items finish out of order (later ones sooner), yet come out in index order.
TEST(Prefetcher, YieldsItemsInIndexOrder) {
  const size_t count = 40;
  Prefetcher<size_t> prefetch(count, 4, 3, [](size_t i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200 * ((count - i) % 5)));
    return i * 10;
  });
  for (size_t i = 0; i < count; ++i) EXPECT_EQ(prefetch.next(), i * 10);
}

// Items are produced at most `depth` ahead of the consumer, however slow it is.
TEST(Prefetcher, StaysWithinItsDepth) {
  std::atomic<int> taken{0}, most_ahead{0};
  const int depth = 3;
  Prefetcher<int> prefetch(30, depth, 2, [&](size_t i) {
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
  Prefetcher<int> prefetch(10, 3, 2, [](size_t i) {
    if (i == 4) throw std::runtime_error("bad sample 4");
    return static_cast<int>(i);
  });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(prefetch.next(), i);
  EXPECT_THROW(prefetch.next(), std::runtime_error);
}

TEST(Prefetcher, DepthZeroProducesOnTheCallersThread) {
  const auto caller = std::this_thread::get_id();
  Prefetcher<bool> prefetch(3, 0, 4, [&](size_t) { return std::this_thread::get_id() == caller; });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(prefetch.next());
}

// Leaving early (an error in the loop) stops and joins the workers.
TEST(Prefetcher, StopsWhenDroppedEarly) {
  std::atomic<int> produced{0};
  {
    Prefetcher<int> prefetch(1000, 2, 2, [&](size_t i) {
      ++produced;
      return static_cast<int>(i);
    });
    EXPECT_EQ(prefetch.next(), 0);
  }
  EXPECT_LE(produced.load(), 3);
}

}  // namespace
}  // namespace sambench
