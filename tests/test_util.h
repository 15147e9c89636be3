// Helpers shared by the tests: random data (never zero) and error measures.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <ostream>
#include <vector>

#include "kernels/ops.h"
#include "kernels/philox.h"
#include "kernels/tensor.h"
#include "models/rate_rnn.h"
#include "tasks/task.h"

namespace tca {
// Short names in test listings ("GetParam() = float" instead of a byte dump).
inline void PrintTo(DType t, std::ostream* os) { *os << to_string(t); }
}  // namespace tca

// In a GPU test's SetUp: skip without a device, or fail when TCA_REQUIRE_CUDA is set (as
// scripts/gpu.sh does, so a machine whose GPU is unusable cannot pass by skipping).
#define TCA_SKIP_WITHOUT_CUDA()                                                              \
  do {                                                                                       \
    if (!::tca::cuda_available()) {                                                          \
      if (std::getenv("TCA_REQUIRE_CUDA"))                                                   \
        FAIL() << "TCA_REQUIRE_CUDA is set but no CUDA device is present";                   \
      GTEST_SKIP() << "no CUDA device present";                                              \
    }                                                                                        \
  } while (0)

namespace tca::test {

// Uniform in [-1, -0.05] U [0.05, 1]: random, and never zero.
inline std::vector<double> random_values(size_t count, uint64_t seed) {
  Philox rng(seed, 99u, 0);
  std::vector<double> v(count);
  for (double& x : v) x = (0.05 + 0.95 * rng.uniform()) * rng.rademacher();
  return v;
}

inline Tensor random_tensor(std::vector<int64_t> shape, DType dtype, uint64_t seed,
                            Device device = Device::cpu) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  return Tensor::from_host(random_values(static_cast<size_t>(count), seed), shape, dtype, device);
}

inline double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// |a - b| / |b|
inline double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return norm(d) / norm(b);
}

// Entry by entry: the largest |a_i - b_i| over the largest |b_i|.
inline double max_abs_error(const std::vector<double>& a, const std::vector<double>& b) {
  double err = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return err / scale;
}

// A batch with random inputs, random targets (a random distribution per step for
// cross-entropy) and a random 0/1 loss mask with at least one 1 per step.
inline Batch random_batch(int T, int B, int m, int o, LossKind loss, uint64_t seed) {
  Philox rng(seed, 98u, 0);
  Batch batch;
  batch.T = T;
  batch.B = B;
  batch.m = m;
  batch.o = o;
  batch.loss = loss;
  batch.inputs = random_values(static_cast<size_t>(T) * B * m, seed + 1);
  batch.targets.resize(static_cast<size_t>(T) * B * o);
  for (int tb = 0; tb < T * B; ++tb) {
    double* t = &batch.targets[static_cast<size_t>(tb) * o];
    double sum = 0;
    for (int j = 0; j < o; ++j) sum += (t[j] = loss == LossKind::mse ? 2 * rng.uniform() - 1 : rng.uniform());
    if (loss == LossKind::cross_entropy)
      for (int j = 0; j < o; ++j) t[j] /= sum;
  }
  batch.loss_mask.resize(static_cast<size_t>(T) * B);
  for (int tb = 0; tb < T * B; ++tb) batch.loss_mask[tb] = (tb % B == 0 || rng.bernoulli(0.7)) ? 1.0 : 0.0;
  batch.trial_start.assign(static_cast<size_t>(T) * B, 0);
  for (int b = 0; b < B; ++b) batch.trial_start[b] = 1;
  return batch;
}

// Runs the tcabench binary built beside the tests (TCABENCH_BINARY) with the given arguments,
// after `environment` (e.g. "LD_DEBUG=libs ") when given.
struct CommandResult {
  int status;          // exit status, -1 if it did not exit normally
  std::string output;  // stdout and stderr together
};
// Runs `cmd` with sh and returns its exit status and standard output.
inline CommandResult run_command(const std::string& cmd) {
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, got);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
inline CommandResult run_tcabench(const std::string& args, const std::string& environment = "") {
  return run_command(environment + std::string(TCABENCH_BINARY) + " " + args + " 2>&1");
}

// Base of the CPU op tests, parameterised by precision: random inputs, NaN-poisoned outputs
// and a relative-error check with a tolerance by precision.
class CpuOpsTest : public testing::TestWithParam<DType> {
 protected:
  DType dtype() const { return GetParam(); }
  double tol() const { return dtype() == DType::f32 ? 2e-6 : 1e-14; }
  Tensor rnd(std::vector<int64_t> shape, uint64_t seed) const {
    return random_tensor(std::move(shape), dtype(), seed);
  }
  // A tensor full of NaN: any element an op fails to write shows up.
  Tensor poisoned(std::vector<int64_t> shape) const {
    Tensor t(std::move(shape), dtype());
    ops::fill(t, std::nan(""));
    return t;
  }
  void expect_close(const std::vector<double>& got, const std::vector<double>& want) const {
    ASSERT_EQ(got.size(), want.size());
    ASSERT_GT(norm(want), 0.0);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_FALSE(std::isnan(got[i])) << "element " << i;
    EXPECT_LT(relative_error(got, want), tol());
  }
};

}  // namespace tca::test
