#pragma once

// Errors that stop a run whatever --on-error says: the results cannot be written, or the run
// was told to stop (Ctrl-C, or a scheduler's SIGTERM or SIGHUP).

#include <string>

#include "sambench/base/error.h"

namespace sambench {

class FatalError : public Error {
 public:
  using Error::Error;
};

// The run stopped on a signal. The command-line front end exits with 128 + signal_number, the
// shell's convention for a process ended by that signal, and says how to resume.
class Interrupted : public FatalError {
 public:
  Interrupted(int signal_number, const std::string& message) : FatalError(message), signal_number_(signal_number) {}
  int signal_number() const { return signal_number_; }

 private:
  int signal_number_;
};

// "SIGINT (Ctrl-C)", "SIGTERM", "SIGHUP"; "signal N" for any other.
std::string signal_name(int signal_number);

}  // namespace sambench
