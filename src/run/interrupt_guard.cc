#include "run/interrupt_guard.h"

#include <atomic>
#include <string>

#include "sambench/run/fatal_error.h"

namespace sambench {

namespace {

// File-local, not a member: a signal handler reaches no object. Lock-free, hence safe to set in
// the handler.
std::atomic<int> g_received{0};

void on_signal(int signal_number) {
  int none = 0;
  if (g_received.compare_exchange_strong(none, signal_number)) return;
  // The second signal: the user (or the scheduler) insists. End as the default action would.
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT (Ctrl-C)";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal " + std::to_string(signal_number);
  }
}

InterruptGuard::InterruptGuard() {
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // reads and writes in flight go on; the loop checks the flag
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
}

int InterruptGuard::received() { return g_received; }

}  // namespace sambench
