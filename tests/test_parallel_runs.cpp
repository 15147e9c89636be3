// Runs side by side (bench/experiments/parallel_runs.h): every index once, on no more threads than
// asked, the first exception rethrown, the CPU BLAS thread count 1 while they run and restored
// after. That the training results do not depend on it: test_train.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/experiments/parallel_runs.h"
#include "kernels/tensor.h"

namespace tca {
namespace {

TEST(ParallelRuns, EveryIndexOnceOnAtMostJobsThreads) {
  for (const int jobs : {1, 2, 3, 8}) {
    std::vector<std::atomic<int>> calls(20);
    std::mutex mutex;
    std::set<int> workers;
    for_each_in_parallel(calls.size(), jobs, [&](size_t index, int worker) {
      ++calls[index];
      const std::lock_guard<std::mutex> lock(mutex);
      workers.insert(worker);
    });
    for (const auto& c : calls) EXPECT_EQ(c.load(), 1);
    EXPECT_LE(static_cast<int>(workers.size()), jobs);
    for (const int w : workers) EXPECT_TRUE(w >= 0 && w < jobs);
  }
  int calls = 0;
  for_each_in_parallel(0, 4, [&](size_t, int) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelRuns, BlasUsesOneThreadWhileRunsComputeAndIsRestored) {
  const int before = cpu_blas_threads();
  set_cpu_blas_threads(2);
  std::atomic<int> seen_above_one{0};
  for_each_in_parallel(4, 2, [&](size_t, int) { seen_above_one += cpu_blas_threads() != 1; });
  EXPECT_EQ(seen_above_one.load(), 0);
  EXPECT_EQ(cpu_blas_threads(), 2);
  set_cpu_blas_threads(before);
}

TEST(ParallelRuns, TheFirstErrorIsRethrownAndStopsTheRest) {
  std::atomic<int> started{0};
  EXPECT_THROW(for_each_in_parallel(200, 2,
                                    [&](size_t index, int) {
                                      ++started;
                                      if (index == 3) throw std::invalid_argument("run 3 failed");
                                      std::this_thread::sleep_for(std::chrono::milliseconds(2));
                                    }),
               std::invalid_argument);
  EXPECT_LT(started.load(), 100);
  const int before = cpu_blas_threads();
  EXPECT_THROW(for_each_in_parallel(2, 2, [](size_t, int) { throw std::runtime_error("x"); }), std::runtime_error);
  EXPECT_EQ(cpu_blas_threads(), before);  // restored on the error path too
}

}  // namespace
}  // namespace tca
