#include "algorithms/window_progress.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

namespace tca {

namespace {

std::mutex settings_mutex;
std::shared_ptr<const WindowProgress> settings;  // replaced whole; read once per window

std::shared_ptr<const WindowProgress> current() {
  const std::lock_guard<std::mutex> lock(settings_mutex);
  return settings;
}

}  // namespace

void set_window_progress(WindowProgress progress) {
  const std::lock_guard<std::mutex> lock(settings_mutex);
  settings = progress.sink ? std::make_shared<const WindowProgress>(std::move(progress)) : nullptr;
}

WindowClock::WindowClock(int T) : T_(T) {
  const std::shared_ptr<const WindowProgress> s = current();
  enabled_ = s != nullptr;
  start_ = std::chrono::steady_clock::now();
  if (enabled_)
    next_ = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(s->after_seconds));
}

void WindowClock::tick(int t) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = t == T_;
  if (now < next_ && !(last && reported_)) return;
  const std::shared_ptr<const WindowProgress> s = current();
  if (!s) return;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  char line[256];
  if (last)
    std::snprintf(line, sizeof(line), "%s: window done, %d steps in %.1f s", what_.c_str(), T_, elapsed);
  else
    std::snprintf(line, sizeof(line), "%s: window step %d/%d, %.1f s, about %.1f s left", what_.c_str(), t, T_,
                  elapsed, elapsed / t * (T_ - t));
  s->sink(line);
  reported_ = true;
  next_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(s->every_seconds));
}

}  // namespace tca
