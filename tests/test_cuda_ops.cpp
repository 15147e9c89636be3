// CUDA ops against the CPU backend on random inputs, outputs poisoned first. Labelled gpu;
// every test skips with a reason when no device is present.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

class CudaOpsTest : public testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device present";
  }
  DType dtype() const { return GetParam(); }
  double tol() const { return dtype() == DType::f32 ? 1e-6 : 1e-14; }
  void expect_close(const Tensor& gpu, const Tensor& cpu) {
    const std::vector<double> g = gpu.to_host(), c = cpu.to_host();
    for (size_t i = 0; i < g.size(); ++i) ASSERT_FALSE(std::isnan(g[i])) << "unwritten element " << i;
    ASSERT_GT(test::norm(c), 0.0);
    const double err = test::relative_error(g, c);
    RecordProperty("relative_error", std::to_string(err));
    EXPECT_LT(err, tol());
  }
};

TEST_P(CudaOpsTest, ElementwiseOpsMatchCpu) {
  const int64_t n = 100003;  // not a multiple of the block size
  const Tensor x = test::random_tensor({n}, dtype(), 1), y = test::random_tensor({n}, dtype(), 2);
  const Tensor xg = x.to(Device::cuda), yg = y.to(Device::cuda);

  Tensor zc = y.clone(), zg = yg.clone();
  ops::axpy(0.7, x, zc);
  ops::axpy(0.7, xg, zg);
  expect_close(zg, zc);
  ops::scale(zc, -1.3);
  ops::scale(zg, -1.3);
  expect_close(zg, zc);

  Tensor pc({n}, dtype()), pg({n}, dtype(), Device::cuda);
  ops::fill(pg, std::nan(""));
  ops::mul(pc, x, y, 0.5);
  ops::mul(pg, xg, yg, 0.5);
  expect_close(pg, pc);

  ops::fill(pg, std::nan(""));
  ops::fill(pg, 1.25);
  EXPECT_EQ(pg.to_host(), std::vector<double>(n, 1.25));
}

TEST_P(CudaOpsTest, ReductionsMatchCpu) {
  const int64_t n = 65537;
  const Tensor x = test::random_tensor({n}, dtype(), 3), y = test::random_tensor({n}, dtype(), 4);
  const double dc = ops::dot(x, y), dg = ops::dot(x.to(Device::cuda), y.to(Device::cuda));
  EXPECT_NEAR(dg, dc, 1e-12 * std::sqrt(double(n)) * std::abs(dc) + 1e-12);
  const double nc = ops::nrm2(x), ng = ops::nrm2(x.to(Device::cuda));
  EXPECT_NEAR(ng, nc, 1e-12 * nc);
}

TEST_P(CudaOpsTest, TensorRoundTripsThroughTheDevice) {
  const Tensor x = test::random_tensor({7, 9}, dtype(), 5);
  EXPECT_EQ(x.to(Device::cuda).to(Device::cpu).to_host(), x.to_host());
}

INSTANTIATE_TEST_SUITE_P(Precision, CudaOpsTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& i) { return to_string(i.param); });

}  // namespace
}  // namespace tca
