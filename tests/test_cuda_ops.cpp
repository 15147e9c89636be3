// Every CUDA op against the CPU backend on random (never zero) inputs, outputs poisoned with
// NaN first, relative error recorded, norm-wise and entry by entry. Labelled gpu; every test skips with a reason when no
// device is present.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "kernels/ops.h"
#include "kernels/rule_factors.h"
#include "test_util.h"

namespace tca {
namespace {

class CudaOpsTest : public testing::TestWithParam<DType> {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
  DType dtype() const { return GetParam(); }
  double tol() const { return dtype() == DType::f32 ? 1e-5 : 1e-12; }
  Tensor rnd(std::vector<int64_t> shape, uint64_t seed) const {
    return test::random_tensor(std::move(shape), dtype(), seed);
  }
  // Per-sequence scalars: double whatever the precision under test.
  static Tensor scalars(std::vector<int64_t> shape, uint64_t seed) {
    return test::random_tensor(std::move(shape), DType::f64, seed);
  }
  static Tensor poisoned_like(const Tensor& t, Device device) {
    Tensor p(t.shape(), t.dtype(), device);
    ops::fill(p, std::nan(""));
    return p;
  }
  // Runs op on CPU copies and on GPU copies of `inputs`; `outputs` start as the given values
  // (copied) when `keep_outputs`, else poisoned; then compares every output.
  // `tolerance` 0 means tol().
  void compare(std::vector<Tensor> inputs, std::vector<Tensor> outputs, bool keep_outputs,
               const std::function<void(std::vector<Tensor>&, std::vector<Tensor>&)>& op, double tolerance = 0) {
    std::vector<Tensor> in_gpu, out_gpu;
    for (const Tensor& t : inputs) in_gpu.push_back(t.to(Device::cuda));
    for (Tensor& t : outputs) {
      out_gpu.push_back(keep_outputs ? t.to(Device::cuda) : poisoned_like(t, Device::cuda));
      if (!keep_outputs) ops::fill(t, std::nan(""));
    }
    op(inputs, outputs);
    op(in_gpu, out_gpu);
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::vector<double> g = out_gpu[i].to_host(), c = outputs[i].to_host();
      for (size_t j = 0; j < g.size(); ++j) ASSERT_FALSE(std::isnan(g[j])) << "output " << i << " element " << j;
      ASSERT_GT(test::norm(c), 0.0) << "output " << i;
      const double err = test::relative_error(g, c);
      RecordProperty("relative_error_" + std::to_string(i), std::to_string(err));
      EXPECT_LT(err, tolerance > 0 ? tolerance : tol()) << "output " << i;
      EXPECT_LT(test::max_abs_error(g, c), tolerance > 0 ? tolerance : tol()) << "output " << i << ", entry by entry";
    }
  }
};

TEST_P(CudaOpsTest, ElementwiseOps) {
  const int64_t n = 100003;  // not a multiple of the block size
  compare({rnd({n}, 1)}, {rnd({n}, 2)}, true, [](auto& in, auto& out) { ops::axpy(0.7, in[0], out[0]); });
  compare({}, {rnd({n}, 3)}, true, [](auto&, auto& out) { ops::scale(out[0], -1.3); });
  compare({rnd({n}, 4), rnd({n}, 5)}, {rnd({n}, 6)}, false,
          [](auto& in, auto& out) { ops::mul(out[0], in[0], in[1], 0.5); });
  compare({}, {rnd({n}, 7)}, false, [](auto&, auto& out) { ops::fill(out[0], 1.25); });
  compare({}, {rnd({n}, 8)}, false, [](auto&, auto& out) { ops::random_signs(out[0], 42, 9); });
}

TEST_P(CudaOpsTest, LargeTensorsLoopOverTheGrid) {
  // More elements than one grid covers (65535 blocks x 256 threads = 16.8M).
  const int64_t n = 20000003;
  compare({rnd({n}, 60)}, {rnd({n}, 61)}, true, [](auto& in, auto& out) { ops::axpy(-0.25, in[0], out[0]); });
}

TEST_P(CudaOpsTest, BetaZeroProductsOverwritePoisonedOutputs) {
  compare({rnd({7, 6}, 62), rnd({6, 9}, 63)}, {rnd({7, 9}, 64)}, false,
          [](auto& in, auto& out) { ops::gemm(false, false, 7, 9, 6, 1.0, in[0], 6, in[1], 9, 0.0, out[0], 9); });
  compare({rnd({7, 6}, 65), rnd({6}, 66)}, {rnd({7}, 67)}, false,
          [](auto& in, auto& out) { ops::gemv(false, 7, 6, 1.0, in[0], 6, in[1], 0.0, out[0]); });
  compare({rnd({2 * 6 * 7}, 68), rnd({2 * 6 * 9}, 69)}, {rnd({2 * 7 * 9}, 70)}, false, [](auto& in, auto& out) {
    ops::gemm_strided_batched(true, false, 7, 9, 6, 1.0, in[0], 7, 42, in[1], 9, 54, 0.0, out[0], 9, 63, 2);
  });
}

TEST_P(CudaOpsTest, RandomSignsAreTheCpuSignsBitForBit) {
  Tensor cpu({4099}, dtype()), gpu({4099}, dtype(), Device::cuda);
  ops::random_signs(cpu, 123456789012345ull, 77);
  ops::random_signs(gpu, 123456789012345ull, 77);
  EXPECT_EQ(gpu.to_host(), cpu.to_host());
}

TEST_P(CudaOpsTest, Reductions) {
  const int64_t n = 65537;
  const Tensor x = rnd({n}, 9), y = rnd({n}, 10);
  const double dc = ops::dot(x, y), dg = ops::dot(x.to(Device::cuda), y.to(Device::cuda));
  EXPECT_NEAR(dg, dc, 1e-12 * std::sqrt(double(n)) * std::abs(dc) + 1e-12);
  const double nc = ops::nrm2(x), ng = ops::nrm2(x.to(Device::cuda));
  EXPECT_NEAR(ng, nc, 1e-12 * nc);
  const double big = dtype() == DType::f32 ? 1e30 : 1e300;
  EXPECT_NEAR(ops::nrm2(Tensor::from_host({big, big, big, big}, {4}, dtype(), Device::cuda)) / big, 2.0, 1e-6);
  EXPECT_TRUE(std::isnan(ops::nrm2(Tensor::from_host({1.0, std::nan(""), 2.0}, {3}, dtype(), Device::cuda))));
}

TEST_P(CudaOpsTest, DenseProductsAllTransposesWithLeadingDimensions) {
  const int M = 37, N = 29, K = 41, pad = 3;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const int a_cols = ta ? M : K, b_cols = tb ? K : N;
      compare({rnd({ta ? K : M, a_cols + pad}, 11), rnd({tb ? N : K, b_cols + pad}, 12)}, {rnd({M, N + pad}, 13)},
              true, [&](auto& in, auto& out) {
                ops::gemm(ta, tb, M, N, K, 0.75, in[0], a_cols + pad, in[1], b_cols + pad, -0.5, out[0], N + pad);
              });
    }
  }
  compare({rnd({3 * (M * K + 5)}, 48), rnd({3 * (K * N + 7)}, 49)}, {rnd({3 * (M * N + 2)}, 50)}, true,
          [&](auto& in, auto& out) {
            ops::gemm_strided_batched(false, false, M, N, K, 1.5, in[0], K, M * K + 5, in[1], N, K * N + 7, 0.25,
                                      out[0], N, M * N + 2, 3);
          });
  for (bool t : {false, true})
    compare({rnd({M, N + pad}, 14), rnd({t ? M : N}, 15)}, {rnd({t ? N : M}, 16)}, true,
            [&](auto& in, auto& out) { ops::gemv(t, M, N, 2.0, in[0], N + pad, in[1], 0.5, out[0]); });
  compare({rnd({M}, 17), rnd({N}, 18)}, {rnd({M, N + pad}, 19)}, true,
          [&](auto& in, auto& out) { ops::ger(M, N, -1.5, in[0], in[1], out[0], N + pad); });
}

TEST_P(CudaOpsTest, RecurrentNetworkOps) {
  const int B = 5, n = 17, m = 3, k = n + m + 1, o = 4;
  compare({rnd({B, n}, 20), rnd({B, m}, 21)}, {rnd({B, k}, 22)}, false,
          [](auto& in, auto& out) { ops::build_presynaptic(out[0], in[0], in[1]); });
  compare({rnd({B, n}, 23)}, {rnd({B, n}, 24), rnd({B, n}, 25)}, true,
          [](auto& in, auto& out) { ops::leaky_tanh(out[0], out[1], in[0], 0.3); });
  compare({rnd({n, k}, 26), rnd({n}, 27)}, {rnd({n, n}, 28)}, false,
          [](auto& in, auto& out) { ops::recurrent_jacobian(out[0], in[0], in[1], 0.4); });
  compare({rnd({n, k}, 26), rnd({B, n}, 27)}, {rnd({B, n + 1, n}, 28)}, true,
          [](auto& in, auto& out) { ops::recurrent_jacobian(out[0], in[0], in[1], 0.4); });
  for (int rows : {n, n + 1})
    compare({rnd({B, n}, 29), rnd({B, k}, 30)}, {rnd({B, rows, n * k}, 31)}, true,
            [](auto& in, auto& out) { ops::add_immediate_influence(out[0], in[0], in[1], 0.4); });
  for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    const Batch batch = test::random_batch(1, B, 1, o, loss, 32);
    const Tensor target = Tensor::from_host(batch.targets, {B, o}, dtype());
    const Tensor mask = Tensor::from_host({1, 0, 1, 1, 1}, {B}, dtype());
    std::vector<double> loss_cpu, loss_gpu;
    compare({rnd({B, o}, 33), target, mask}, {rnd({B, o}, 34)}, false, [&](auto& in, auto& out) {
      Tensor sums = Tensor::zeros({B}, DType::f64, in[0].device());
      ops::output_error(out[0], in[0], in[1], in[2], loss, 0.5, sums);
      (in[0].device() == Device::cuda ? loss_gpu : loss_cpu) = sums.to_host();
    });
    EXPECT_LT(test::relative_error(loss_gpu, loss_cpu), tol());
  }
}

TEST_P(CudaOpsTest, ForwardSequenceInOneLaunchMatchesTheCpuSteps) {
  // One launch over all T steps against the CPU's GEMM per step. Sizes: within a warp, across
  // warps, at the shared-memory limit (opt-in above 48 KiB); batches giving 1, 2, up to 4 and
  // up to 8 sequences per block (on a GPU with ~132 multiprocessors), the last block partial.
  // Summation orders differ, and a recurrence carries rounding from step to step: float to
  // 1e-4, double to 1e-10 relative.
  const int64_t m = 2;
  const int64_t max_n = ops::rnn_forward_sequence_max_hidden(Device::cuda, dtype(), m);
  ASSERT_GE(max_n, 64) << "every CUDA GPU has 48 KiB of shared memory per block";
  struct Case {
    int64_t n, B, T;
  };
  for (const Case c : {Case{7, 1, 30}, Case{33, 5, 20}, Case{40, 200, 5}, Case{64, 301, 6}, Case{16, 1100, 3},
                       Case{max_n, 3, 4}}) {
    const int64_t k = c.n + m + 1;
    Tensor W = rnd({c.n, k}, 200 + c.n);
    ops::scale(W, 1.0 / std::sqrt(static_cast<double>(k)));  // away from saturation, where rounding shows
    Tensor a0 = rnd({c.B, c.n}, 300 + c.n);
    ops::scale(a0, 0.5);
    SCOPED_TRACE("n = " + std::to_string(c.n) + ", B = " + std::to_string(c.B));
    compare({W, rnd({c.T, c.B, m}, 400 + c.n), a0}, {rnd({c.T, c.B, c.n}, 1), rnd({c.T, c.B, c.n}, 2)}, false,
            [](auto& in, auto& out) { ops::rnn_forward_sequence(out[0], out[1], in[0], in[1], in[2], 0.7); },
            dtype() == DType::f32 ? 1e-4 : 1e-10);
  }
  // Ensembles: E networks with their own W in one launch (blocks never span two networks).
  for (const Case c : {Case{9, 3, 7}, Case{40, 200, 2}}) {
    const int64_t E = c.n == 9 ? 4 : 3, k = c.n + m + 1;  // (n, B, T) as above
    Tensor W = rnd({E, c.n, k}, 500 + c.n);
    ops::scale(W, 1.0 / std::sqrt(static_cast<double>(k)));
    SCOPED_TRACE("ensemble of " + std::to_string(E) + ", n = " + std::to_string(c.n) + ", B = " + std::to_string(c.B));
    compare({W, rnd({c.T, E, c.B, m}, 600 + c.n), rnd({E, c.B, c.n}, 700 + c.n)},
            {rnd({c.T, E, c.B, c.n}, 3), rnd({c.T, E, c.B, c.n}, 4)}, false,
            [](auto& in, auto& out) { ops::rnn_forward_sequence(out[0], out[1], in[0], in[1], in[2], 0.7); },
            dtype() == DType::f32 ? 1e-4 : 1e-10);
  }
  // One unit more than fits is refused with the limit named.
  const int64_t n = max_n + 1;
  const Tensor W = Tensor::zeros({n, n + m + 1}, dtype(), Device::cuda), x = Tensor::zeros({2, 1, m}, dtype(), Device::cuda);
  const Tensor a0 = Tensor::zeros({1, n}, dtype(), Device::cuda);
  Tensor a({2, 1, n}, dtype(), Device::cuda), dphi({2, 1, n}, dtype(), Device::cuda);
  try {
    ops::rnn_forward_sequence(a, dphi, W, x, a0, 0.5);
    ADD_FAILURE() << "n = " << n << " was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sharedMemPerBlockOptin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("largest n that fits is " + std::to_string(max_n)), std::string::npos)
        << e.what();
  }
}

TEST_P(CudaOpsTest, TraceOps) {
  const int B = 4, n = 13, k = 19;
  compare({rnd({n, k}, 35), rnd({B, n}, 36)}, {rnd({B, n}, 37)}, false,
          [](auto& in, auto& out) { ops::jacobian_diagonal(out[0], in[0], in[1], 0.6); });
  compare({rnd({B, n}, 38), rnd({B, n}, 39), rnd({B, k}, 40)}, {rnd({B, n, k}, 41)}, true,
          [](auto& in, auto& out) { ops::eligibility_trace_step(out[0], in[0], in[1], in[2], 0.6); });
  compare({rnd({B, n}, 42), rnd({B, n, k}, 43)}, {rnd({n, k}, 44)}, true,
          [](auto& in, auto& out) { ops::add_signal_times_trace(out[0], in[0], in[1]); });
  compare({rnd({n}, 45)}, {rnd({n, n}, 46)}, true, [](auto& in, auto& out) { ops::add_diagonal(out[0], in[0], -0.7); });
  compare({rnd({B, n}, 47), rnd({B, n}, 48), rnd({B, k}, 49), rnd({B, n}, 50)}, {rnd({B, n, k}, 51), rnd({n, k}, 52)}, true,
          [](auto& in, auto& out) { ops::trace_step_and_gradient(out[0], out[1], in[0], in[1], in[2], in[3], 0.6); });
}

TEST_P(CudaOpsTest, SpikingNetworkOps) {
  const int B = 6, n = 37, m = 5, k = n + m, cols = 300;  // more than a block's threads per row
  std::vector<double> beta_values(n, 0.0);
  for (int j = n / 2; j < n; ++j) beta_values[j] = 0.05 * j;  // LIF neurons, then ALIF neurons
  const Tensor beta = Tensor::from_host(beta_values, {n}, dtype());
  compare({rnd({B, n}, 91), rnd({B, m}, 92)}, {rnd({B, k}, 93)}, false,
          [](auto& in, auto& out) { ops::concat_columns(out[0], in[0], in[1]); });
  compare({}, {rnd({n, k}, 94)}, true, [](auto&, auto& out) { ops::fill_diagonal(out[0], 0.0); });

  // lif_step: binary spikes and integer refractory counts in, psi poisoned on both backends.
  std::vector<double> z0(B * n), r0(B * n);
  for (int i = 0; i < B * n; ++i) {
    z0[i] = i % 3 == 0 ? 1 : 0;
    r0[i] = i % 5 == 1 ? 2 : 0;
  }
  ops::LifConstants c;
  c.alpha = 0.9;
  c.rho = 0.95;
  c.v_th = 0.4;
  c.gamma = 0.3;
  c.refractory = 3;
  std::vector<Tensor> state_cpu = {rnd({B, n}, 95), rnd({B, n}, 96), Tensor::from_host(z0, {B, n}, dtype()),
                                   rnd({B, n}, 97), Tensor::from_host(r0, {B, n}, dtype())};
  std::vector<Tensor> state_gpu;
  for (Tensor& t : state_cpu) state_gpu.push_back(t.to(Device::cuda));
  ops::fill(state_cpu[3], std::nan(""));
  ops::fill(state_gpu[3], std::nan(""));
  const Tensor I = rnd({B, n}, 98);
  ops::lif_step(state_cpu[0], state_cpu[1], state_cpu[2], state_cpu[3], state_cpu[4], I, beta, c);
  ops::lif_step(state_gpu[0], state_gpu[1], state_gpu[2], state_gpu[3], state_gpu[4], I.to(Device::cuda),
                beta.to(Device::cuda), c);
  double spikes = 0;
  for (double z : state_cpu[2].to_host()) spikes += z;
  ASSERT_GT(spikes, 0.0);
  for (size_t i = 0; i < state_cpu.size(); ++i) {
    const std::vector<double> g = state_gpu[i].to_host(), h = state_cpu[i].to_host();
    for (double x : g) ASSERT_FALSE(std::isnan(x)) << "output " << i;
    if (i == 2 || i == 4) EXPECT_EQ(g, h) << "spikes and refractory counts agree exactly";
    else EXPECT_LT(test::relative_error(g, h), tol()) << "output " << i;
  }

  Tensor none;
  for (bool optional : {true, false})
    compare({rnd({B, n}, 99), rnd({B, n}, 100), rnd({n}, 101), rnd({B, n}, 102), beta},
            {rnd({B, n}, 103), rnd({B, n}, 104)}, true, [&](auto& in, auto& out) {
              ops::lif_backward_step(out[0], out[1], in[0], optional ? in[1] : none, optional ? in[2] : none, in[3],
                                     in[4], 0.9, 0.8, 0.4);
            });
  compare({rnd({n, k}, 105), beta, rnd({B, n}, 106)}, {rnd({B, 2 * n, 2 * n}, 107)}, false,
          [](auto& in, auto& out) { ops::lif_jacobian(out[0], in[0], in[1], in[2], 0.9, 0.8, 0.4); });
  compare({rnd({B, 2 * n, cols}, 108), rnd({B, n}, 109), beta}, {rnd({B, n, cols}, 110), rnd({n, cols}, 111)}, true,
          [](auto& in, auto& out) { ops::spike_influence_step(out[0], out[1], in[0], in[1], in[2], 0.6); });
  compare({rnd({B, 2 * n, cols}, 112), rnd({B, n}, 113), beta}, {rnd({B, n, cols}, 114)}, true,
          [&](auto& in, auto& out) { ops::spike_influence_step(out[0], none, in[0], in[1], in[2], 0.6); });
  compare({rnd({B, k}, 115), rnd({B, k}, 116), rnd({B, n}, 117), rnd({B, n}, 118), beta},
          {rnd({B, n, k}, 119), rnd({B, n, k}, 120), rnd({n, k}, 121)}, true, [](auto& in, auto& out) {
            ops::eprop_trace_step(out[0], out[1], out[2], in[0], in[1], in[2], in[3], in[4], 0.8, 0.6);
          });
  compare({rnd({B, k}, 122), rnd({B, k}, 123), rnd({B, n}, 124), rnd({B, n}, 125), beta},
          {rnd({B, n, k}, 126), rnd({B, n, k}, 127)}, true, [&](auto& in, auto& out) {
            ops::eprop_trace_step(out[0], out[1], none, in[0], in[1], in[2], in[3], in[4], 0.8, 0.6);
          });
}

TEST_P(CudaOpsTest, PerSequenceOps) {
  const int B = 70, M = 300, N = 9;  // more columns than a block's threads
  const Tensor sa = scalars({B}, 80), sb = scalars({B}, 79);
  compare({rnd({B, M}, 81)}, {scalars({B}, 91)}, false, [](auto& in, auto& out) { ops::row_norms(out[0], in[0]); });
  compare({rnd({B, M}, 81), rnd({B, M}, 82)}, {scalars({B}, 92)}, false,
          [](auto& in, auto& out) { ops::row_dots(out[0], in[0], in[1]); });
  // Into a row of a [rows, B] table, as the rules do: the other rows stay untouched.
  compare({rnd({B, M}, 81)}, {scalars({3, B}, 93)}, true, [](auto& in, auto& out) {
    Tensor row = out[0].slice(1);
    ops::row_norms(row, in[0]);
  });
  compare({sa, sb, rnd({B, M}, 84)}, {rnd({B, M}, 85)}, true,
          [](auto& in, auto& out) { ops::scale_add_rows(out[0], in[0], in[1], in[2]); });
  compare({sa, sb, rnd({B, 7}, 86), rnd({B, N}, 87)}, {rnd({B, 7, N}, 88)}, true,
          [](auto& in, auto& out) { ops::scale_add_outer_rows(out[0], in[0], in[1], in[2], in[3]); });
  compare({sa, sb, rnd({B, 6}, 89)}, {rnd({B, 6, 6}, 90)}, true,
          [](auto& in, auto& out) { ops::scale_add_diagonal_rows(out[0], in[0], in[1], in[2]); });
  compare({sa, rnd({B, M}, 94)}, {rnd({M}, 95)}, true,
          [](auto& in, auto& out) { ops::add_weighted_rows(out[0], in[0], in[1]); });
}

TEST_P(CudaOpsTest, ReductionsOfFewLongRowsAreChunkedAndRepeatable) {
  // A few rows longer than one pass sums (8 192 columns; UORO's and KF-RTRL's norms at small
  // B) go through per-chunk sums (2 048 columns, the last one partial here); 1 024 rows or more
  // go one block per row. Both are fixed by the shape, so a second run gives the same bits.
  // Both backends sum in double, whatever the inputs' precision.
  const double sum_tol = 1e-12;
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 8193}, {5, 4 * 2048 + 2051}, {1023, 8200}, {1024, 8200}};
  for (const auto& [rows, cols] : shapes) {
    SCOPED_TRACE("rows " + std::to_string(rows) + ", columns " + std::to_string(cols));
    compare({rnd({rows, cols}, 150)}, {scalars({rows}, 151)}, false,
            [](auto& in, auto& out) { ops::row_norms(out[0], in[0]); }, sum_tol);
    compare({rnd({rows, cols}, 152), rnd({rows, cols}, 153)}, {scalars({rows}, 154)}, false,
            [](auto& in, auto& out) { ops::row_dots(out[0], in[0], in[1]); }, sum_tol);
    const Tensor x = rnd({rows, cols}, 155).to(Device::cuda);
    Tensor first({rows}, DType::f64, Device::cuda), second({rows}, DType::f64, Device::cuda);
    ops::row_norms(first, x);
    ops::row_norms(second, x);
    EXPECT_EQ(first.to_host(), second.to_host());
  }
}

TEST_P(CudaOpsTest, StochasticRuleFactors) {
  // More sequences than a block's threads; norms positive, with zeros where the rules guard
  // against them (a dropped Kronecker term: zero trace norms, zero |phi'| or |nu*D|).
  const int B = 300;
  auto norms = [&](int rows, uint64_t seed) {
    std::vector<double> v = test::random_values(static_cast<size_t>(rows) * B, seed);
    for (double& x : v) x = std::abs(x);
    for (int b = 0; b < B; b += 7) v[b] = 0.0;                           // row 0: zero trace
    for (int b = 3; b < B; b += 11) v[static_cast<size_t>(B) + b] = 0.0;  // row 1
    for (int b = 5; b < B; b += 13) v[2 * static_cast<size_t>(B) + b] = 0.0;  // row 2
    return Tensor::from_host(v, {rows, B}, DType::f64);
  };
  Tensor signs({B, 2}, dtype());
  ops::random_signs(signs, 5, 6);
  compare({norms(uoro_norm_count, 96)}, {scalars({uoro_factor_count, B}, 97)}, false,
          [](auto& in, auto& out) { ops::uoro_factors(out[0], in[0], 1e-7); });
  compare({norms(kf_norm_count, 98), signs}, {scalars({kf_factor_count, B}, 99)}, false,
          [](auto& in, auto& out) { ops::kf_rtrl_factors(out[0], in[0], in[1], 0.6); });
  compare({norms(rkf_norm_count, 100)}, {scalars({rkf_factor_count, B}, 101)}, false,
          [](auto& in, auto& out) { ops::rkf_rtrl_factors(out[0], in[0]); });
}

TEST_P(CudaOpsTest, EdgeSizes) {
  // More rows than a grid's y or z dimension holds (65 535), a few columns each; and rows longer
  // than a block covers many times over. A sum over 70 001 rows in float carries ~1e-5 rounding.
  const int64_t rows = 70001, cols = 3, long_row = 1000003;
  const double sum_tol = dtype() == DType::f32 ? 1e-4 : 1e-12;
  const Tensor s1 = scalars({rows}, 134), s2 = scalars({rows}, 135);
  compare({rnd({rows, cols}, 130)}, {scalars({rows}, 131)}, false,
          [](auto& in, auto& out) { ops::row_norms(out[0], in[0]); });
  compare({rnd({rows, cols}, 130), rnd({rows, cols}, 132)}, {scalars({rows}, 133)}, false,
          [](auto& in, auto& out) { ops::row_dots(out[0], in[0], in[1]); });
  compare({s1, s2, rnd({rows, cols}, 136)}, {rnd({rows, cols}, 137)}, true,
          [](auto& in, auto& out) { ops::scale_add_rows(out[0], in[0], in[1], in[2]); });
  compare({s1, rnd({rows, cols}, 138)}, {rnd({cols}, 139)}, true,
          [](auto& in, auto& out) { ops::add_weighted_rows(out[0], in[0], in[1]); }, sum_tol);
  compare({rnd({2, long_row}, 140)}, {scalars({2}, 141)}, false,
          [](auto& in, auto& out) { ops::row_norms(out[0], in[0]); }, sum_tol);
  compare({rnd({2, long_row}, 142), rnd({2, long_row}, 143)}, {scalars({2}, 144)}, false,
          [](auto& in, auto& out) { ops::row_dots(out[0], in[0], in[1]); }, sum_tol);

  // Strided-batched products with every transpose (RTRL's batched influence update uses trans_b).
  const int64_t M = 19, N = 23, K = 17, batch = 4;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("strided batched, trans_a ") + (ta ? "yes" : "no") + ", trans_b " + (tb ? "yes" : "no"));
      const int64_t lda = ta ? M : K, ldb = tb ? K : N;
      compare({rnd({batch * M * K}, 145), rnd({batch * K * N}, 146)}, {rnd({batch * M * N}, 147)}, true,
              [&](auto& in, auto& out) {
                ops::gemm_strided_batched(ta, tb, M, N, K, 0.5, in[0], lda, M * K, in[1], ldb, K * N, -1.0, out[0], N,
                                          M * N, batch);
              });
    }

  // The one-launch forward pass with no inputs (m = 0: the presynaptic vector is [a; 1]).
  const int64_t n = 33, B = 9, T = 6, k = n + 1;
  Tensor W = rnd({n, k}, 148);
  ops::scale(W, 1.0 / std::sqrt(static_cast<double>(k)));
  compare({W, Tensor::zeros({T, B, 0}, dtype()), rnd({B, n}, 149)}, {rnd({T, B, n}, 150), rnd({T, B, n}, 151)}, false,
          [](auto& in, auto& out) { ops::rnn_forward_sequence(out[0], out[1], in[0], in[1], in[2], 0.7); },
          dtype() == DType::f32 ? 1e-4 : 1e-10);
}

TEST_P(CudaOpsTest, TensorRoundTripsThroughTheDevice) {
  const Tensor x = rnd({7, 9}, 47);
  EXPECT_EQ(x.to(Device::cuda).to(Device::cpu).to_host(), x.to_host());
}

INSTANTIATE_TEST_SUITE_P(Precision, CudaOpsTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& i) { return to_string(i.param); });

// RTRL's influence product (n = 64, m = 2: [n + 1, n] times [n, nk], 4 sequences) with TF32
// inputs on the tensor cores, against the full product in double: within the error of the
// CPU's emulation, which truncates (the largest error the conversion can make), and so
// within about 2^-10. The GPU's distance from the full float product is recorded: near float
// rounding, it would say that cuBLAS did not take the tensor-core path for this shape.
TEST(CudaTf32, InfluenceProductIsWithinTheEmulatedTf32Error) {
  TCA_SKIP_WITHOUT_CUDA();
  const int64_t n = 64, nk = 64 * 67, batch = 4, sa = (n + 1) * n, sb = (n + 1) * nk, sc = (n + 1) * nk;
  const Tensor A = test::random_tensor({batch * sa}, DType::f32, 160);
  const Tensor B = test::random_tensor({batch * sb}, DType::f32, 161);
  auto product = [&](const Tensor& a, const Tensor& b, ops::MatmulPrecision precision) {
    Tensor c({batch * sc}, a.dtype(), a.device());
    ops::fill(c, std::nan(""));
    ops::gemm_strided_batched(false, false, n + 1, nk, n, 1.0, a, n, sa, b, nk, sb, 0.0, c, nk, sc, batch, precision);
    return c.to_host();
  };
  const std::vector<double> exact = product(A.to(DType::f64), B.to(DType::f64), ops::MatmulPrecision::full);
  const std::vector<double> emulated = product(A, B, ops::MatmulPrecision::tf32);
  const std::vector<double> gpu = product(A.to(Device::cuda), B.to(Device::cuda), ops::MatmulPrecision::tf32);
  const std::vector<double> gpu_full = product(A.to(Device::cuda), B.to(Device::cuda), ops::MatmulPrecision::full);
  for (double v : gpu) ASSERT_FALSE(std::isnan(v));
  const double err_gpu = test::relative_error(gpu, exact), err_emulated = test::relative_error(emulated, exact);
  RecordProperty("gpu_tf32_error", std::to_string(err_gpu));
  RecordProperty("cpu_emulation_error", std::to_string(err_emulated));
  RecordProperty("gpu_float_error", std::to_string(test::relative_error(gpu_full, exact)));
  EXPECT_LT(err_emulated, 2e-3);
  EXPECT_LT(err_gpu, 1.5 * err_emulated);
  const Tensor A64 = A.to(DType::f64).to(Device::cuda), B64 = B.to(DType::f64).to(Device::cuda);
  EXPECT_THROW(product(A64, B64, ops::MatmulPrecision::tf32), std::invalid_argument);
}

}  // namespace
}  // namespace tca
