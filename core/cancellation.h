// Cancelling a computation from outside it: the Python module's Ctrl-C (python/bindings.cpp)
// asks for it, and the loops that run for long (every step of a window, in algorithms/rule.cpp)
// check it and throw Cancelled, which unwinds the call like any error. The command-line tool
// does not use it: its SIGINT handler ends the process (bench/report/interrupt.h).
#pragma once

#include <stdexcept>

namespace tca {

class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("interrupted") {}
};

// Async-signal-safe: sets a lock-free atomic flag, so a signal handler may call it.
void request_cancellation() noexcept;
void clear_cancellation() noexcept;
bool cancellation_requested() noexcept;
// Throws Cancelled when a cancellation was requested (the flag stays set until cleared, so every
// thread of a computation stops).
void throw_if_cancelled();

}  // namespace tca
