#pragma once

// A fixed set of worker threads for independent tasks. With no workers a task runs at once on
// the caller's thread, so a sequential run goes through the same code.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace sambench {

class ThreadPool {
 public:
  explicit ThreadPool(size_t workers);
  ~ThreadPool();  // runs the tasks still queued, then joins

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t workers() const { return threads_.size(); }

  // The task's result, or the exception it threw, arrives through the future. Dropping the
  // future does not cancel the task: it must own (capture by value) what it reads.
  template <typename F>
  std::future<std::invoke_result_t<F>> submit(F task) {
    auto packaged = std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::move(task));
    auto result = packaged->get_future();
    if (threads_.empty()) {
      (*packaged)();
      return result;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.emplace_back([packaged] { (*packaged)(); });
    }
    ready_.notify_one();
    return result;
  }

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sambench
