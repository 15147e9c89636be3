#include "core/cancellation.h"

namespace tca {
namespace {

thread_local CancellationToken* current = nullptr;

}  // namespace

CancellationScope::CancellationScope(CancellationToken* token) : previous_(current) { current = token; }
CancellationScope::~CancellationScope() { current = previous_; }

CancellationToken* current_cancellation_token() noexcept { return current; }

void throw_if_cancelled() {
  if (current && current->requested.load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace tca
