// Progress inside long windows. A window that has run longer than `after_seconds` reports its
// step every `every_seconds` (and once more when it ends) through `sink`, so that a rule whose
// window takes minutes (RTRL at n = 256) does not run silently. Off (no sink) unless a command
// line sets it; run_window (algorithms/rule.h) asks the clock at every step, which costs one
// clock read when progress is on and nothing when it is off.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace tca {

struct WindowProgress {
  std::function<void(const std::string& line)> sink;  // empty: no progress
  double after_seconds = 5;  // a window's first line comes this long after it started
  double every_seconds = 5;  // and the next ones this far apart
};
// For the whole process (every thread's windows); the sink may be called from several threads
// at once when runs compute side by side.
void set_window_progress(WindowProgress progress);

// One window's clock: tick(t) after step t of T. describe() names the window in its lines
// ("rtrl, 16 sequences"); call it only when enabled(), so a window without progress builds no
// text.
class WindowClock {
 public:
  explicit WindowClock(int T);
  bool enabled() const { return settings_ != nullptr; }
  void describe(std::string what) { what_ = std::move(what); }
  void tick(int t);

 private:
  std::shared_ptr<const WindowProgress> settings_;  // null: no progress
  std::string what_;
  int T_;
  bool reported_ = false;
  std::chrono::steady_clock::time_point start_, next_;
};

}  // namespace tca
