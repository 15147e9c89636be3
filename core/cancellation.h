// Cancelling a computation from outside it: the Python module's Ctrl-C (python/bindings.cpp)
// asks for it, and the loops that run for long (every step of a window, in algorithms/rule.cpp
// and algorithms/learner.cpp) check it and throw Cancelled, which unwinds the call like any
// error. The command-line tool does not use it: its SIGINT handler ends the process
// (bench/report/interrupt.h).
//
// A request goes to one computation, not to the process: a caller makes a CancellationToken,
// runs its computation inside a CancellationScope on it, and sets the token to cancel. The scope
// makes the token the calling thread's; threads that work for that computation take it over
// (for_each_in_parallel does), so that all of them stop, and computations of other threads are
// untouched.
#pragma once

#include <atomic>
#include <stdexcept>

namespace tca {

class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("interrupted") {}
};

struct CancellationToken {
  std::atomic<bool> requested{false};  // lock-free: a signal handler may set it
  static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
};

// Makes `token` (may be null: none) the current thread's for the scope's lifetime.
class CancellationScope {
 public:
  explicit CancellationScope(CancellationToken* token);
  ~CancellationScope();
  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

 private:
  CancellationToken* previous_;
};

// The current thread's token, or null: what a thread working for this one takes over.
CancellationToken* current_cancellation_token() noexcept;
// Throws Cancelled when the current thread's token has been set.
void throw_if_cancelled();

}  // namespace tca
