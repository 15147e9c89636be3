// The backend ops of the per-synapse-trace rules against naive loops (float and double).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

// ==== the trace ops against naive loops =======================================================

class LocalTraceOps : public testing::TestWithParam<DType> {
 protected:
  DType dtype() const { return GetParam(); }
  double tol() const { return dtype() == DType::f32 ? 2e-6 : 1e-14; }
  Tensor rnd(std::vector<int64_t> shape, uint64_t seed) const {
    return test::random_tensor(std::move(shape), dtype(), seed);
  }
  void expect_close(const std::vector<double>& got, const std::vector<double>& want) const {
    ASSERT_EQ(got.size(), want.size());
    ASSERT_GT(test::norm(want), 0.0);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_FALSE(std::isnan(got[i])) << "element " << i;
    EXPECT_LT(test::relative_error(got, want), tol());
  }
  static constexpr int B = 3, n = 5, k = 9;
};

TEST_P(LocalTraceOps, JacobianDiagonal) {
  const Tensor W = rnd({n, k}, 1), dphi = rnd({B, n}, 2);
  Tensor jdiag(std::vector<int64_t>{B, n}, dtype());
  ops::fill(jdiag, std::nan(""));
  const double alpha = 0.3;
  ops::jacobian_diagonal(jdiag, W, dphi, alpha);
  const std::vector<double> w = W.to_host(), d = dphi.to_host();
  std::vector<double> want(B * n);
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i) want[b * n + i] = (1 - alpha) + alpha * d[b * n + i] * w[i * k + i];
  expect_close(jdiag.to_host(), want);
}

TEST_P(LocalTraceOps, EligibilityTraceStep) {
  Tensor E = rnd({B, n, k}, 3);
  const Tensor decay = rnd({B, n}, 4), dphi = rnd({B, n}, 5), ahat = rnd({B, k}, 6);
  const std::vector<double> e0 = E.to_host(), dc = decay.to_host(), d = dphi.to_host(),
                            a = ahat.to_host();
  const double scale = 0.7;
  ops::eligibility_trace_step(E, decay, dphi, ahat, scale);
  std::vector<double> want(e0.size());
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) {
        const int idx = (b * n + i) * k + j;
        want[idx] = dc[b * n + i] * e0[idx] + scale * d[b * n + i] * a[b * k + j];
      }
  expect_close(E.to_host(), want);
}

TEST_P(LocalTraceOps, AddSignalTimesTrace) {
  Tensor G = rnd({n, k}, 7);
  const Tensor L = rnd({B, n}, 8), E = rnd({B, n, k}, 9);
  std::vector<double> want = G.to_host();
  const std::vector<double> l = L.to_host(), e = E.to_host();
  ops::add_signal_times_trace(G, L, E);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j)
      for (int b = 0; b < B; ++b) want[i * k + j] += l[b * n + i] * e[(b * n + i) * k + j];
  expect_close(G.to_host(), want);
}

TEST_P(LocalTraceOps, ShapesAreChecked) {
  Tensor E = rnd({B, n, k}, 1), G = rnd({n, k}, 2), jdiag = rnd({B, n}, 3);
  const Tensor decay = rnd({B, n}, 4), dphi = rnd({B, n}, 5), ahat = rnd({B, k}, 6);
  const Tensor W = rnd({n, k}, 7), short_ahat = rnd({B, k - 1}, 8), wrong_B = rnd({B + 1, n}, 9);
  EXPECT_THROW(ops::eligibility_trace_step(E, decay, dphi, short_ahat, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::eligibility_trace_step(E, wrong_B, dphi, ahat, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::add_signal_times_trace(G, wrong_B, E), std::invalid_argument);
  EXPECT_THROW(ops::add_signal_times_trace(jdiag, decay, E), std::invalid_argument);
  EXPECT_THROW(ops::jacobian_diagonal(jdiag, W, wrong_B, 0.5), std::invalid_argument);
  EXPECT_THROW(ops::jacobian_diagonal(jdiag, ahat, dphi, 0.5), std::invalid_argument);
  const Tensor other = test::random_tensor({B, n}, dtype() == DType::f32 ? DType::f64 : DType::f32, 10);
  EXPECT_THROW(ops::eligibility_trace_step(E, other, dphi, ahat, 1.0), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(FloatAndDouble, LocalTraceOps, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& info) { return to_string(info.param); });

}  // namespace
}  // namespace tca
