// The independent runs of one training call (seeds x learning rates) side by side on the CPU:
// `jobs` threads take the runs in order, each with its own learner, and each result lands in the
// run's own slot, so the results and their order are those of one run after another. While
// more than one run computes, each CPU BLAS call uses one thread (set_cpu_blas_threads), so the
// runs, not BLAS's threads, share the cores.
#pragma once

#include <cstddef>
#include <functional>

namespace tca {

// The number of runs to compute at a time when the user does not say: the CPUs this process may
// use (kernels/host_cpus.h).
int default_jobs();

// Calls work(index, worker) once for every index in [0, count), on min(jobs, count) threads (the
// caller's among them); worker in [0, that number) names the thread, so work can use state of its
// own. The first exception thrown stops the handing out of indices; the threads finish what they
// hold, and it is rethrown. The CPU BLAS thread count is 1 while the threads run, then restored.
void for_each_in_parallel(size_t count, int jobs, const std::function<void(size_t index, int worker)>& work);

}  // namespace tca
