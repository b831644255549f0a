#pragma once

// Ctrl-C (SIGINT), SIGTERM and SIGHUP while a run is going: the handler only records the signal,
// the one thing a signal handler may safely do, and the loop stops between two samples, journals
// what is finished and marks the run "interrupted". Schedulers send SIGTERM to preempt a job or
// at its time limit, and SIGHUP comes when the terminal closes: each must leave a run that can
// be resumed. A second signal ends the process at once, as if there were no handler.

#include <csignal>

namespace sambench {

class InterruptGuard {
 public:
  InterruptGuard();  // installs the handlers, forgets any earlier signal
  ~InterruptGuard();  // restores the handlers that were there before
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal received since the guard was installed; 0 for none.
  static int received();

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[3];
};

}  // namespace sambench
