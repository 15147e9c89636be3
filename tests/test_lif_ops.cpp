// The spiking network's CPU ops (kernels/ops.h, "spiking network") against naive loops written
// from their documented equations, in float and double, outputs poisoned with NaN first where
// the op overwrites them; and their shape checks.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

class SpikingOps : public test::CpuOpsTest {
 protected:
  static constexpr int B = 3, n = 5, m = 4, k = n + m;
  // beta: LIF neurons (0) and ALIF neurons.
  Tensor beta() const { return Tensor::from_host({0, 0, 0.3, 0.7, 1.1}, {n}, dtype()); }
};

TEST_P(SpikingOps, ConcatColumns) {
  const Tensor left = rnd({B, n}, 1), right = rnd({B, m}, 2);
  Tensor out = poisoned({B, k});
  ops::concat_columns(out, left, right);
  const std::vector<double> l = left.to_host(), r = right.to_host();
  std::vector<double> want;
  for (int b = 0; b < B; ++b) {
    for (int i = 0; i < n; ++i) want.push_back(l[b * n + i]);
    for (int i = 0; i < m; ++i) want.push_back(r[b * m + i]);
  }
  expect_close(out.to_host(), want);
}

TEST_P(SpikingOps, FillDiagonal) {
  Tensor A = rnd({n, k}, 3);
  std::vector<double> want = A.to_host();
  ops::fill_diagonal(A, 0.0);
  for (int i = 0; i < n; ++i) want[i * k + i] = 0.0;
  EXPECT_EQ(A.to_host(), want);
}

TEST_P(SpikingOps, LifStepSpikesResetsAndRefractoryPeriods) {
  ops::LifConstants c;
  c.alpha = 0.9;
  c.rho = 0.95;
  c.v_th = 0.4;
  c.gamma = 0.3;
  c.refractory = 3;
  // Inputs large enough that some neurons cross the threshold, and state with spikes and
  // refractory neurons in it.
  Tensor v = rnd({B, n}, 4), a = rnd({B, n}, 5), I = rnd({B, n}, 6);
  std::vector<double> z0(B * n), r0(B * n);
  for (int i = 0; i < B * n; ++i) {
    z0[i] = i % 3 == 0 ? 1 : 0;
    r0[i] = i % 4 == 1 ? 2 : 0;
  }
  Tensor z = Tensor::from_host(z0, {B, n}, dtype()), refractory = Tensor::from_host(r0, {B, n}, dtype());
  Tensor psi = poisoned({B, n});
  const std::vector<double> v0 = v.to_host(), a0 = a.to_host(), in = I.to_host(), bt = beta().to_host();
  ops::lif_step(v, a, z, psi, refractory, I, beta(), c);
  std::vector<double> wv(B * n), wa(B * n), wz(B * n), wpsi(B * n), wr(B * n);
  int spikes = 0, silenced = 0;
  for (int i = 0; i < B * n; ++i) {
    const int j = i % n;
    wv[i] = c.alpha * v0[i] + in[i] - c.v_th * z0[i];
    wa[i] = c.rho * a0[i] + z0[i];
    if (r0[i] > 0) {
      wz[i] = 0;
      wpsi[i] = 0;
      wr[i] = r0[i] - 1;
      ++silenced;
    } else {
      const double x = (wv[i] - c.v_th - bt[j] * wa[i]) / c.v_th;
      wz[i] = x > 0 ? 1 : 0;
      wpsi[i] = c.gamma / c.v_th * std::max(0.0, 1 - std::abs(x));
      wr[i] = wz[i] * (c.refractory - 1);
      spikes += static_cast<int>(wz[i]);
    }
  }
  ASSERT_GT(spikes, 0);
  ASSERT_GT(silenced, 0);
  expect_close(v.to_host(), wv);
  expect_close(a.to_host(), wa);
  EXPECT_EQ(z.to_host(), wz);
  EXPECT_EQ(refractory.to_host(), wr);
  const std::vector<double> got_psi = psi.to_host();
  for (double p : got_psi) ASSERT_FALSE(std::isnan(p));
  EXPECT_LT(test::relative_error(got_psi, wpsi), tol());
  EXPECT_THROW(ops::lif_step(v, a, z, psi, refractory, rnd({B, n + 1}, 7), beta(), c), std::invalid_argument);
  c.refractory = 0;
  EXPECT_THROW(ops::lif_step(v, a, z, psi, refractory, I, beta(), c), std::invalid_argument);
}

TEST_P(SpikingOps, LifBackwardStepWithAndWithoutOptionalTerms) {
  const Tensor gzf = rnd({B, n}, 8), gz_rec = rnd({B, n}, 9), reg = rnd({n}, 10), psi = rnd({B, n}, 11);
  const double alpha = 0.9, rho = 0.8, reset = 0.4;
  for (bool optional : {true, false}) {
    Tensor gv = rnd({B, n}, 12), ga = rnd({B, n}, 13);
    const std::vector<double> gv0 = gv.to_host(), ga0 = ga.to_host(), f = gzf.to_host(), rc = gz_rec.to_host(),
                              rg = reg.to_host(), p = psi.to_host(), bt = beta().to_host();
    ops::lif_backward_step(gv, ga, gzf, optional ? gz_rec : Tensor(), optional ? reg : Tensor(), psi, beta(), alpha,
                           rho, reset);
    std::vector<double> wv(B * n), wa(B * n);
    for (int i = 0; i < B * n; ++i) {
      const double g = f[i] + (optional ? rg[i % n] + rc[i] : 0.0) - reset * gv0[i] + ga0[i];
      wv[i] = p[i] * g + alpha * gv0[i];
      wa[i] = -bt[i % n] * p[i] * g + rho * ga0[i];
    }
    expect_close(gv.to_host(), wv);
    expect_close(ga.to_host(), wa);
  }
  Tensor gv = rnd({B, n}, 12), ga = rnd({B, n}, 13);
  EXPECT_THROW(ops::lif_backward_step(gv, ga, gzf, gz_rec, rnd({n + 1}, 14), psi, beta(), alpha, rho, reset),
               std::invalid_argument);
}

TEST_P(SpikingOps, LifJacobian) {
  const Tensor W = rnd({n, k}, 15), psi = rnd({B, n}, 16);
  const double alpha = 0.9, rho = 0.8, v_th = 0.4;
  Tensor J = poisoned({B, 2 * n, 2 * n});
  ops::lif_jacobian(J, W, beta(), psi, alpha, rho, v_th);
  const std::vector<double> w = W.to_host(), p = psi.to_host(), bt = beta().to_host();
  std::vector<double> want(static_cast<size_t>(B) * 4 * n * n, 0.0);
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < n; ++j)
      for (int l = 0; l < n; ++l) {
        const double d = j == l ? 1.0 : 0.0, pl = p[b * n + l], wjl = w[j * k + l] - v_th * d;
        auto at = [&](int r, int col) -> double& { return want[(static_cast<size_t>(b) * 2 * n + r) * 2 * n + col]; };
        at(j, l) = alpha * d + wjl * pl;
        at(j, n + l) = -wjl * bt[l] * pl;
        at(n + j, l) = d * pl;
        at(n + j, n + l) = d * (rho - bt[l] * pl);
      }
  expect_close(J.to_host(), want);
}

TEST_P(SpikingOps, SpikeInfluenceStep) {
  const int cols = 7;
  const Tensor M = rnd({B, 2 * n, cols}, 17), psi = rnd({B, n}, 18);
  const double kappa = 0.6;
  for (bool with_sum : {true, false}) {
    Tensor Mz = rnd({B, n, cols}, 19), Zsum = rnd({n, cols}, 20), none;
    const std::vector<double> mz0 = Mz.to_host(), zs0 = Zsum.to_host(), mm = M.to_host(), p = psi.to_host(),
                              bt = beta().to_host();
    ops::spike_influence_step(Mz, with_sum ? Zsum : none, M, psi, beta(), kappa);
    std::vector<double> wmz(mz0.size()), wzs = zs0;
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < n; ++j)
        for (int c = 0; c < cols; ++c) {
          const double dz = p[b * n + j] * (mm[(b * 2 * n + j) * cols + c] - bt[j] * mm[(b * 2 * n + n + j) * cols + c]);
          wmz[(b * n + j) * cols + c] = kappa * mz0[(b * n + j) * cols + c] + dz;
          wzs[j * cols + c] += dz;
        }
    expect_close(Mz.to_host(), wmz);
    if (with_sum) expect_close(Zsum.to_host(), wzs);
    else EXPECT_EQ(Zsum.to_host(), zs0);
  }
}

TEST_P(SpikingOps, EpropTraceStep) {
  const Tensor zbar_prev = rnd({B, k}, 21), zbar = rnd({B, k}, 22), psi_prev = rnd({B, n}, 23), psi = rnd({B, n}, 24);
  const double rho = 0.8, kappa = 0.6;
  for (bool with_sum : {true, false}) {
    Tensor eps_a = rnd({B, n, k}, 25), ebar = rnd({B, n, k}, 26), esum = rnd({n, k}, 27), none;
    const std::vector<double> ea0 = eps_a.to_host(), eb0 = ebar.to_host(), es0 = esum.to_host(),
                              zp = zbar_prev.to_host(), zc = zbar.to_host(), pp = psi_prev.to_host(),
                              p = psi.to_host(), bt = beta().to_host();
    ops::eprop_trace_step(eps_a, ebar, with_sum ? esum : none, zbar_prev, zbar, psi_prev, psi, beta(), rho, kappa);
    std::vector<double> wea(ea0.size()), web(eb0.size()), wes = es0;
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < k; ++i) {
          const size_t at = (static_cast<size_t>(b) * n + j) * k + i;
          wea[at] = pp[b * n + j] * zp[b * k + i] + (rho - pp[b * n + j] * bt[j]) * ea0[at];
          const double e = p[b * n + j] * (zc[b * k + i] - bt[j] * wea[at]);
          web[at] = kappa * eb0[at] + e;
          wes[j * k + i] += e;
        }
    expect_close(eps_a.to_host(), wea);
    expect_close(ebar.to_host(), web);
    if (with_sum) expect_close(esum.to_host(), wes);
    else EXPECT_EQ(esum.to_host(), es0);
  }
  Tensor eps_a = rnd({B, n, k}, 25), ebar = rnd({B, n, k + 1}, 26), none;
  EXPECT_THROW(ops::eprop_trace_step(eps_a, ebar, none, zbar_prev, zbar, psi_prev, psi, beta(), rho, kappa),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(FloatAndDouble, SpikingOps, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& info) { return to_string(info.param); });

}  // namespace
}  // namespace tca
