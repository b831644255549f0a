#pragma once

// A bounded, ordered read-ahead: a thread pool's workers produce items 0..count-1 ahead of the
// consumer, which takes them strictly in index order, so results do not depend on thread timing.
// Each item is one task of the pool, queued beside the pool's other work; a task never waits
// for another, so the pool cannot deadlock however few workers it has.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "sambench/base/thread_pool.h"

namespace sambench {

template <typename T>
class Prefetcher {
 public:
  using Produce = std::function<T(size_t index)>;

  // At most `depth` items are produced but not yet taken (memory stays bounded whatever
  // `count`), and at most `lanes` at once (1: one after another, in index order). Depth 0, or a
  // pool without workers, produces each item in next(), on the caller's thread. `pool` must
  // outlive the prefetcher.
  Prefetcher(size_t count, size_t depth, ThreadPool& pool, size_t lanes, Produce produce)
      : count_(count),
        depth_(pool.workers() ? depth : 0),
        lanes_(std::max<size_t>(1, lanes)),
        pool_(pool),
        produce_(std::move(produce)) {
    if (depth_ == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    start_tasks();
  }

  // Waits for its tasks, started or still queued in the pool: they read this object.
  ~Prefetcher() {
    std::unique_lock<std::mutex> lock(mutex_);
    stop_ = true;
    idle_.wait(lock, [this] { return tasks_ == 0; });
  }

  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next item in index order; rethrows the error its production threw.
  T next() {
    if (depth_ == 0) return produce_(taken_++);
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return done_.count(taken_) > 0; });
    Slot slot = std::move(done_[taken_]);
    done_.erase(taken_++);
    start_tasks();  // a place came free
    lock.unlock();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(*slot.value);
  }

 private:
  struct Slot {
    std::optional<T> value;
    std::exception_ptr error;
  };

  // With mutex_ held: queues one task per item that may start now.
  void start_tasks() {
    while (!stop_ && tasks_ < lanes_ && claimed_ < count_ && claimed_ < taken_ + depth_) {
      const size_t index = claimed_++;
      ++tasks_;
      pool_.submit([this, index] { produce_one(index); });
    }
  }

  void produce_one(size_t index) {
    Slot slot;
    bool stopped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped = stop_;
    }
    if (!stopped) {
      try {
        slot.value.emplace(produce_(index));
      } catch (...) {
        slot.error = std::current_exception();
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_[index] = std::move(slot);
    --tasks_;
    start_tasks();  // the next item of a lane follows this one, behind the pool's other work
    ready_.notify_all();
    idle_.notify_all();
  }

  const size_t count_, depth_, lanes_;
  ThreadPool& pool_;
  Produce produce_;
  std::mutex mutex_;
  std::condition_variable ready_, idle_;
  std::map<size_t, Slot> done_;
  size_t claimed_ = 0, taken_ = 0, tasks_ = 0;
  bool stop_ = false;
};

}  // namespace sambench
