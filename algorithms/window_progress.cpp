#include "algorithms/window_progress.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

namespace tca {

namespace {

std::mutex settings_mutex;
std::shared_ptr<const WindowProgress> settings;  // replaced whole; a window keeps the one it began with
std::atomic<bool> any_sink{false};               // lets a window without progress skip the lock

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

void set_window_progress(WindowProgress progress) {
  const std::lock_guard<std::mutex> lock(settings_mutex);
  settings = progress.sink ? std::make_shared<const WindowProgress>(std::move(progress)) : nullptr;
  any_sink = settings != nullptr;
}

WindowClock::WindowClock(int T) : T_(T) {
  if (!any_sink.load(std::memory_order_relaxed)) return;
  {
    const std::lock_guard<std::mutex> lock(settings_mutex);
    settings_ = settings;
  }
  if (!settings_) return;
  start_ = std::chrono::steady_clock::now();
  next_ = start_ + seconds(settings_->after_seconds);
}

void WindowClock::tick(int t) {
  if (!settings_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = t == T_;
  if (now < next_ && !(last && reported_)) return;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  char line[256];
  if (last)
    std::snprintf(line, sizeof(line), "%s: window done, %d steps in %.1f s", what_.c_str(), T_, elapsed);
  else
    std::snprintf(line, sizeof(line), "%s: window step %d/%d, %.1f s, about %.1f s left", what_.c_str(), t, T_,
                  elapsed, elapsed / t * (T_ - t));
  settings_->sink(line);
  reported_ = true;
  next_ = now + seconds(settings_->every_seconds);
}

}  // namespace tca
