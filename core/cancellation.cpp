#include "core/cancellation.h"

#include <atomic>

namespace tca {
namespace {

std::atomic<bool> requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

}  // namespace

void request_cancellation() noexcept { requested.store(true, std::memory_order_relaxed); }
void clear_cancellation() noexcept { requested.store(false, std::memory_order_relaxed); }
bool cancellation_requested() noexcept { return requested.load(std::memory_order_relaxed); }

void throw_if_cancelled() {
  if (cancellation_requested()) throw Cancelled();
}

}  // namespace tca
