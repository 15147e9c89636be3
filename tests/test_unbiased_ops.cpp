// The backend ops added for the unbiased stochastic rules (uoro, kf_rtrl, rkf_rtrl), against
// naive loops in float and double.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

using UnbiasedOpsTest = test::CpuOpsTest;

TEST_P(UnbiasedOpsTest, AddDiagonalMatchesALoopAndLeavesTheRestAlone) {
  const int n = 7;
  for (int b = 0; b < 2; ++b) {
    // A view (slice b of a [2, n, n] tensor): the other slice must stay untouched.
    Tensor batch = test::random_tensor({2, n, n}, dtype(), 31);
    const Tensor d = test::random_tensor({n}, dtype(), 32);
    const std::vector<double> before = batch.to_host(), dv = d.to_host();
    Tensor A = batch.slice(b);
    ops::add_diagonal(A, d, -0.75);
    std::vector<double> want = before;
    for (int i = 0; i < n; ++i) want[static_cast<size_t>(b) * n * n + i * n + i] += -0.75 * dv[i];
    const std::vector<double> got = batch.to_host();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_FALSE(std::isnan(got[i])) << "element " << i;
      EXPECT_NEAR(got[i], want[i], tol() * std::max(1.0, std::abs(want[i]))) << "element " << i;
    }
  }
}

TEST_P(UnbiasedOpsTest, AddDiagonalChecksShapesAndBackends) {
  Tensor square = test::random_tensor({4, 4}, dtype(), 33);
  Tensor wide = test::random_tensor({4, 5}, dtype(), 34);
  const Tensor d4 = test::random_tensor({4}, dtype(), 35);
  const Tensor d5 = test::random_tensor({5}, dtype(), 36);
  const DType other_dtype = dtype() == DType::f32 ? DType::f64 : DType::f32;
  const Tensor other = test::random_tensor({4}, other_dtype, 37);
  EXPECT_THROW(ops::add_diagonal(wide, d4, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::add_diagonal(square, d5, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::add_diagonal(square, other, 1.0), std::invalid_argument);
  EXPECT_NO_THROW(ops::add_diagonal(square, d4, 1.0));
}

INSTANTIATE_TEST_SUITE_P(Precision, UnbiasedOpsTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& info) {
                           return std::string(info.param == DType::f32 ? "f32" : "f64");
                         });

}  // namespace
}  // namespace tca
