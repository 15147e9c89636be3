#include "bench/experiments/parallel_runs.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/cancellation.h"
#include "kernels/host_cpus.h"
#include "kernels/tensor.h"

namespace tca {

int default_jobs() { return usable_cpus(); }

void for_each_in_parallel(size_t count, int jobs, const std::function<void(size_t, int)>& work) {
  const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), count));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) work(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  // The workers belong to the caller's computation: a cancellation of it stops them too.
  CancellationToken* const token = current_cancellation_token();
  const auto worker_loop = [&](int worker) {
    const CancellationScope scope(token);
    while (!failed.load()) {
      const size_t index = next.fetch_add(1);
      if (index >= count) return;
      try {
        work(index, worker);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  {
    const CpuBlasThreadsScope one_each(1);
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(worker_loop, w);
    worker_loop(0);
    for (std::thread& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace tca
