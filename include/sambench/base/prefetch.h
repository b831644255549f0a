#pragma once

// A bounded, ordered read-ahead: worker threads produce items 0..count-1 ahead of the consumer,
// which takes them strictly in index order, so results do not depend on thread timing.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace sambench {

template <typename T>
class Prefetcher {
 public:
  using Produce = std::function<T(size_t index)>;

  // At most `depth` items are produced but not yet taken (memory stays bounded whatever
  // `count`); depth 0 produces each item in next(), on the caller's thread.
  Prefetcher(size_t count, size_t depth, size_t workers, Produce produce)
      : count_(count), depth_(depth), produce_(std::move(produce)) {
    if (depth_ == 0) return;
    for (size_t w = 0; w < std::max<size_t>(1, workers); ++w) threads_.emplace_back([this] { work(); });
  }

  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (auto& t : threads_) t.join();
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
    lock.unlock();
    space_.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(*slot.value);
  }

 private:
  struct Slot {
    std::optional<T> value;
    std::exception_ptr error;
  };

  void work() {
    for (;;) {
      size_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [this] { return stop_ || claimed_ == count_ || claimed_ < taken_ + depth_; });
        if (stop_ || claimed_ == count_) return;
        index = claimed_++;
      }
      Slot slot;
      try {
        slot.value.emplace(produce_(index));
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        done_[index] = std::move(slot);
      }
      ready_.notify_all();
    }
  }

  const size_t count_, depth_;
  Produce produce_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::map<size_t, Slot> done_;
  size_t claimed_ = 0, taken_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sambench
