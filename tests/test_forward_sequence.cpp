// ops::rnn_forward_sequence on the CPU: the whole window's recurrence in one call must be the
// recurrence RateRnn::step runs one step at a time, and an ensemble of networks in one call
// must be each network run alone. (The GPU version is compared with this one in
// test_cuda_ops.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "kernels/ops.h"
#include "models/rate_rnn.h"
#include "test_util.h"

namespace tca {
namespace {

using ForwardSequenceTest = test::CpuOpsTest;

RateRnnConfig config() {
  RateRnnConfig rc;
  rc.n = 7;
  rc.m = 2;
  rc.o = 2;
  rc.alpha = 0.6;
  return rc;
}

RateRnnParams params_for(const RateRnnConfig& rc, DType dtype) {
  InitOptions init;
  init.gain = 1.2;
  init.bias_scale = 0.3;
  return init_params(rc, 11, dtype, Device::cpu, init);
}

TEST_P(ForwardSequenceTest, MatchesRateRnnStepByStep) {
  const RateRnnConfig rc = config();
  const int T = 13, B = 3, n = rc.n;
  const RateRnnParams params = params_for(rc, dtype());
  const DeviceBatch batch = to_device(test::random_batch(T, B, rc.m, rc.o, rc.loss, 12), dtype(), Device::cpu);
  RateRnn model(rc, dtype(), Device::cpu);
  model.begin(B);
  std::vector<double> want_a, want_dphi;
  for (int t = 0; t < T; ++t) {
    model.step(params, batch, t);
    const std::vector<double> a = model.state().a.to_host(), d = model.state().dphi.to_host();
    want_a.insert(want_a.end(), a.begin(), a.end());
    want_dphi.insert(want_dphi.end(), d.begin(), d.end());
  }
  Tensor a = poisoned({T, B, n}), dphi = poisoned({T, B, n});
  const Tensor a0 = Tensor::zeros({B, n}, dtype());
  ops::rnn_forward_sequence(a, dphi, params.W, batch.inputs, a0, rc.alpha);
  // The same GEMM and elementwise steps: equal to rounding (1e-14 in double, 2e-6 in float).
  expect_close(a.to_host(), want_a);
  expect_close(dphi.to_host(), want_dphi);
}

TEST_P(ForwardSequenceTest, ContinuesFromAnyInitialState) {
  // Ten steps in one call equal four steps and then six more started from a_4.
  const RateRnnConfig rc = config();
  const int T = 10, split = 4, B = 2, n = rc.n;
  const RateRnnParams params = params_for(rc, dtype());
  const DeviceBatch batch = to_device(test::random_batch(T, B, rc.m, rc.o, rc.loss, 13), dtype(), Device::cpu);
  const Tensor a0 = test::random_tensor({B, n}, dtype(), 14);
  Tensor a = poisoned({T, B, n}), dphi = poisoned({T, B, n});
  ops::rnn_forward_sequence(a, dphi, params.W, batch.inputs, a0, rc.alpha);
  Tensor a1 = poisoned({split, B, n}), d1 = poisoned({split, B, n});
  Tensor a2 = poisoned({T - split, B, n}), d2 = poisoned({T - split, B, n});
  ops::rnn_forward_sequence(a1, d1, params.W, batch.inputs.narrow(0, split), a0, rc.alpha);
  ops::rnn_forward_sequence(a2, d2, params.W, batch.inputs.narrow(split, T - split), a1.slice(split - 1), rc.alpha);
  std::vector<double> joined = a1.to_host(), rest = a2.to_host();
  joined.insert(joined.end(), rest.begin(), rest.end());
  ASSERT_GT(test::norm(joined), 0.0);
  EXPECT_EQ(joined, a.to_host());
  std::vector<double> joined_dphi = d1.to_host(), rest_dphi = d2.to_host();
  joined_dphi.insert(joined_dphi.end(), rest_dphi.begin(), rest_dphi.end());
  EXPECT_EQ(joined_dphi, dphi.to_host());
}

TEST_P(ForwardSequenceTest, EnsembleRunsEveryNetworkAsAlone) {
  // E networks with their own parameters, inputs and initial states in one call: network e's
  // slice of the outputs is what a call for network e alone gives (the same GEMM shapes).
  const RateRnnConfig rc = config();
  const int T = 6, E = 3, B = 2, n = rc.n, m = rc.m, k = rc.k();
  const Tensor W = test::random_tensor({E, n, k}, dtype(), 19);
  const Tensor x = test::random_tensor({T, E, B, m}, dtype(), 20), a0 = test::random_tensor({E, B, n}, dtype(), 21);
  Tensor a = poisoned({T, E, B, n}), dphi = poisoned({T, E, B, n});
  ops::rnn_forward_sequence(a, dphi, W, x, a0, rc.alpha);
  const std::vector<double> av = a.to_host(), dv = dphi.to_host(), xv = x.to_host();
  for (int e = 0; e < E; ++e) {
    // Network e's inputs as a [T, B, m] tensor.
    std::vector<double> xe;
    for (int t = 0; t < T; ++t)
      xe.insert(xe.end(), xv.begin() + (t * E + e) * B * m, xv.begin() + (t * E + e + 1) * B * m);
    Tensor ae = poisoned({T, B, n}), de = poisoned({T, B, n});
    ops::rnn_forward_sequence(ae, de, W.slice(e), Tensor::from_host(xe, {T, B, m}, dtype()), a0.slice(e), rc.alpha);
    const std::vector<double> want_a = ae.to_host(), want_d = de.to_host();
    ASSERT_GT(test::norm(want_a), 0.0);
    for (int t = 0; t < T; ++t)
      for (int bi = 0; bi < B * n; ++bi) {
        EXPECT_EQ(av[(t * E + e) * B * n + bi], want_a[t * B * n + bi]) << "e " << e << " t " << t;
        EXPECT_EQ(dv[(t * E + e) * B * n + bi], want_d[t * B * n + bi]) << "e " << e << " t " << t;
      }
  }
  // The ensemble's shapes are checked as a whole.
  const Tensor x_flat = test::random_tensor({T, E * B, m}, dtype(), 22);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x_flat, a0, rc.alpha), std::invalid_argument);
  const Tensor x_fewer = test::random_tensor({T, E - 1, B, m}, dtype(), 23);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x_fewer, a0, rc.alpha), std::invalid_argument);
  const Tensor a0_flat = test::random_tensor({E * B, n}, dtype(), 24);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x, a0_flat, rc.alpha), std::invalid_argument);
}

TEST_P(ForwardSequenceTest, RefusesInconsistentShapes) {
  const RateRnnConfig rc = config();
  const int T = 4, B = 2, n = rc.n, m = rc.m;
  const Tensor W = test::random_tensor({n, n + m + 1}, dtype(), 15);
  const Tensor x = test::random_tensor({T, B, m}, dtype(), 16), a0 = Tensor::zeros({B, n}, dtype());
  Tensor a = poisoned({T, B, n}), dphi = poisoned({T, B, n});
  EXPECT_NO_THROW(ops::rnn_forward_sequence(a, dphi, W, x, a0, 0.5));
  const Tensor W_wide = test::random_tensor({n, n + m + 2}, dtype(), 17);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W_wide, x, a0, 0.5), std::invalid_argument);
  const Tensor a0_wrong = Tensor::zeros({B + 1, n}, dtype());
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x, a0_wrong, 0.5), std::invalid_argument);
  Tensor a_short = poisoned({T - 1, B, n});
  EXPECT_THROW(ops::rnn_forward_sequence(a_short, dphi, W, x, a0, 0.5), std::invalid_argument);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x, a0, 0.0), std::invalid_argument);
  const Tensor x_other = test::random_tensor({T, B, m}, dtype() == DType::f32 ? DType::f64 : DType::f32, 18);
  EXPECT_THROW(ops::rnn_forward_sequence(a, dphi, W, x_other, a0, 0.5), std::invalid_argument);
  EXPECT_EQ(ops::rnn_forward_sequence_max_hidden(Device::cpu, dtype(), m), INT64_MAX);  // no limit on the CPU
}

INSTANTIATE_TEST_SUITE_P(Precision, ForwardSequenceTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& i) { return to_string(i.param); });

}  // namespace
}  // namespace tca
