// KeRNL (algorithms/kernl.h) on tiny rate networks in double:
// - against a plain loop of its equations (the network, the perturbed network with the same
//   Philox draws, the traces, the learning of A and the timescales): gradient, A and the
//   timescales after a window, to 1e-12;
// - the limit where it is exact: W_rec = 0, A = I and the timescales at the network's alpha
//   give BPTT's gradient;
// - it learns that limit: with W_rec = 0, A and the timescales move from A = I, alpha 0.8 to
//   A ~ I and the network's alpha;
// - its learned state persists across windows, and freezing it (set_adapting(false)) makes the
//   estimate deterministic; the probe lets it adapt, then measures it frozen.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "algorithms/kernl.h"
#include "bench/experiments/probe.h"
#include "kernels/philox.h"
#include "tests/rule_helpers.h"
#include "test_util.h"

namespace tca {
namespace {

struct Learned {
  std::vector<double> gW, A, alpha;
};

// KeRNL's equations, one sequence and one neuron at a time.
Learned direct_kernl(const RateRnnConfig& rc, const std::vector<double>& W, const std::vector<double>& W_outb,
                     const Batch& batch, std::vector<double> A, std::vector<double> alpha, double sigma, double lr,
                     uint64_t noise_seed) {
  const int n = rc.n, m = rc.m, o = rc.o, k = rc.k(), B = batch.B;
  const double al = rc.alpha;
  auto vec = [](size_t size) { return std::vector<double>(size, 0.0); };
  std::vector<std::vector<double>> a(B, vec(n)), pert(B, vec(n)), omega(B, vec(n)), gamma(B, vec(n)),
      beta(B, vec(static_cast<size_t>(n) * k));
  std::vector<double> gW = vec(static_cast<size_t>(n) * k);
  auto decay = [&](int i) { return std::clamp(1.0 - alpha[i], 0.0, 1.0); };
  for (int t = 0; t < batch.T; ++t) {
    Philox rng(noise_seed, RandomStream::algorithm, static_cast<uint64_t>(t));
    std::vector<std::vector<double>> zeta(B, vec(n)), ahat(B, vec(k)), dphi(B, vec(n)), err(B, vec(n));
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < n; ++i) zeta[b][i] = sigma * rng.normal();
    for (int b = 0; b < B; ++b) {
      std::vector<double> ahat_p(k);
      for (int i = 0; i < n; ++i) {
        ahat[b][i] = a[b][i];
        ahat_p[i] = pert[b][i];
      }
      for (int i = 0; i < m; ++i) ahat[b][n + i] = ahat_p[n + i] = batch.input(t, b, i);
      ahat[b][n + m] = ahat_p[n + m] = 1.0;
      for (int i = 0; i < n; ++i) {
        double h = 0, hp = 0;
        for (int j = 0; j < k; ++j) {
          h += W[i * k + j] * ahat[b][j];
          hp += W[i * k + j] * ahat_p[j];
        }
        dphi[b][i] = 1 - std::tanh(h) * std::tanh(h);
        a[b][i] = (1 - al) * a[b][i] + al * std::tanh(h);
        pert[b][i] = (1 - al) * pert[b][i] + al * std::tanh(hp) + zeta[b][i];
      }
      for (int i = 0; i < n; ++i) {
        gamma[b][i] = decay(i) * gamma[b][i] - omega[b][i];
        omega[b][i] = decay(i) * omega[b][i] + zeta[b][i];
      }
      for (int i = 0; i < n; ++i) {
        err[b][i] = -(pert[b][i] - a[b][i]);
        for (int j = 0; j < n; ++j) err[b][i] += A[i * n + j] * omega[b][j];
      }
    }
    const double step = lr / (B * sigma * sigma);
    std::vector<double> grad_A = vec(static_cast<size_t>(n) * n), grad_alpha = vec(n);
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          grad_A[i * n + j] += err[b][i] * omega[b][j];
          grad_alpha[j] += err[b][i] * A[i * n + j] * gamma[b][j];
        }
    for (size_t i = 0; i < A.size(); ++i) A[i] -= step * grad_A[i];
    for (int i = 0; i < n; ++i) alpha[i] -= step * grad_alpha[i];
    for (int b = 0; b < B; ++b) {
      std::vector<double> c = vec(n);
      for (int p = 0; p < o; ++p) {
        double y = W_outb[p * (n + 1) + n];
        for (int i = 0; i < n; ++i) y += W_outb[p * (n + 1) + i] * a[b][i];
        const double e = batch.mask(t, b) / B * (y - batch.target(t, b, p));
        for (int i = 0; i < n; ++i) c[i] += W_outb[p * (n + 1) + i] * e;
      }
      for (int i = 0; i < n; ++i) {
        double signal = 0;
        for (int j = 0; j < n; ++j) signal += A[j * n + i] * c[j];
        for (int j = 0; j < k; ++j) {
          double& e = beta[b][i * k + j];
          e = decay(i) * e + al * dphi[b][i] * ahat[b][j];
          gW[i * k + j] += signal * e;
        }
      }
    }
  }
  return {gW, A, alpha};
}

Kernl& as_kernl(Rule& rule) { return dynamic_cast<Kernl&>(rule); }

TEST(Kernl, MatchesItsEquationsWrittenAsLoops) {
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params(rc, 3);
  const Batch batch = test::random_batch(8, 2, rc.m, rc.o, rc.loss, 4);
  const std::vector<double> W = params.W.to_host(), W_outb = params.W_outb.to_host();
  // A deliberately non-identity start, so that every term of A's and alpha's updates counts.
  const std::vector<double> A0 = {1.0, 0.2, -0.1, 0.05, 0.9, 0.3, -0.2, 0.1, 1.1}, alpha0 = {0.8, 0.5, 0.3};
  auto rule = make_algorithm("kernl", rc, DType::f64, Device::cpu, {{"sigma", "0.01"}, {"lr", "0.02"}});
  as_kernl(*rule).set_sensitivity(A0, alpha0);
  const std::vector<double> got = window_w_gradient(*rule, rc, params, batch, 9);
  const Learned want = direct_kernl(rc, W, W_outb, batch, A0, alpha0, 0.01, 0.02, 9);
  ASSERT_GT(test::norm(want.gW), 0.0);
  EXPECT_LT(test::relative_error(got, want.gW), 1e-12);
  EXPECT_LT(test::relative_error(as_kernl(*rule).sensitivity(), want.A), 1e-12);
  EXPECT_LT(test::relative_error(as_kernl(*rule).timescales(), want.alpha), 1e-12);
  EXPECT_GT(test::relative_error(want.A, A0), 1e-4);  // the window did teach A something
  // The readout is exact.
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  window_w_gradient(*bptt, rc, params, batch, 0);
  EXPECT_EQ(rule->gradient().W_outb.to_host(), bptt->gradient().W_outb.to_host());
}

TEST(Kernl, ExactWithoutRecurrenceAtTheRightSensitivityAndTimescales) {
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params_without_recurrence(rc, 5);
  const Batch batch = test::random_batch(10, 3, rc.m, rc.o, rc.loss, 6);
  auto rule = make_algorithm("kernl", rc, DType::f64, Device::cpu);
  as_kernl(*rule).set_sensitivity({1, 0, 0, 0, 1, 0, 0, 0, 1}, std::vector<double>(3, rc.alpha));
  rule->set_adapting(false);
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  const std::vector<double> exact = window_w_gradient(*bptt, rc, params, batch, 0);
  ASSERT_GT(test::norm(exact), 0.0);
  EXPECT_LT(test::relative_error(window_w_gradient(*rule, rc, params, batch, 1), exact), 1e-12);
  // At its initial timescales (0.8) it is not.
  auto fresh = make_algorithm("kernl", rc, DType::f64, Device::cpu);
  fresh->set_adapting(false);
  EXPECT_GT(test::relative_error(window_w_gradient(*fresh, rc, params, batch, 1), exact), 1e-2);
}

TEST(Kernl, LearnsTheSensitivityAndTimescalesOfANetworkWithoutRecurrence) {
  // Without W_rec the perturbation decays by exactly 1 - alpha = 0.4 and does not spread: the
  // best sensitivity is I and the best timescale the network's 0.6, from A = I, alpha 0.8.
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params_without_recurrence(rc, 7);
  auto rule = make_algorithm("kernl", rc, DType::f64, Device::cpu, {{"lr", "0.01"}});
  for (int w = 0; w < 400; ++w)
    window_w_gradient(*rule, rc, params, test::random_batch(20, 8, rc.m, rc.o, rc.loss, 100 + w), 1000 + w);
  const std::vector<double> A = as_kernl(*rule).sensitivity(), alpha = as_kernl(*rule).timescales();
  for (int i = 0; i < rc.n; ++i) {
    EXPECT_NEAR(alpha[i], 0.6, 0.03) << i;
    for (int j = 0; j < rc.n; ++j) EXPECT_NEAR(A[i * rc.n + j], i == j ? 1.0 : 0.0, 0.05) << i << " " << j;
  }
}

TEST(Kernl, LearnedStatePersistsAndFreezes) {
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params(rc, 8);
  const Batch batch = test::random_batch(8, 2, rc.m, rc.o, rc.loss, 9);
  auto rule = make_algorithm("kernl", rc, DType::f64, Device::cpu, {{"sigma", "0.01"}, {"lr", "0.05"}});
  EXPECT_TRUE(rule->adapts());
  EXPECT_FALSE(rule->stochastic());
  window_w_gradient(*rule, rc, params, batch, 1);
  const std::vector<double> A1 = as_kernl(*rule).sensitivity();
  EXPECT_NE(A1, (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));  // it learned, and keeps it across reset
  rule->set_adapting(false);
  const std::vector<double> frozen = window_w_gradient(*rule, rc, params, batch, 2);
  EXPECT_EQ(as_kernl(*rule).sensitivity(), A1);
  EXPECT_EQ(window_w_gradient(*rule, rc, params, batch, 3), frozen);  // another noise seed, the same estimate
  rule->set_adapting(true);
  window_w_gradient(*rule, rc, params, batch, 4);
  EXPECT_NE(as_kernl(*rule).sensitivity(), A1);
  EXPECT_THROW(as_kernl(*rule).set_sensitivity({1, 0}, {0.5}), std::invalid_argument);
  for (const auto& [name, value] : std::map<std::string, std::string>{{"sigma", "0"}, {"lr", "-1"}, {"alpha_init", "1.5"}})
    EXPECT_THROW(make_algorithm("kernl", rc, DType::f64, Device::cpu, {{name, value}}), std::invalid_argument) << name;
}

TEST(Kernl, TheProbeAdaptsItThenMeasuresItFrozen) {
  ProbeConfig c;
  c.task = "add-v0";
  c.task_params = {{"T", "20"}};
  c.hidden = 8;
  c.batch = 4;
  c.samples = 8;
  c.data_batches = 0;
  c.dtype = DType::f64;
  c.algorithms = {"kernl"};
  c.adapt_windows = 0;
  const ProbeResult none = run_probe(c);
  const AlgorithmProbe& p0 = none.points[0].algorithms[0];
  EXPECT_EQ(p0.samples, 1);  // frozen: deterministic
  c.adapt_windows = 30;
  const ProbeResult adapted = run_probe(c);
  const AlgorithmProbe& p1 = adapted.points[0].algorithms[0];
  EXPECT_EQ(p1.samples, 1);
  EXPECT_NE(p1.estimates[0], p0.estimates[0]);  // the adaptation changed what it estimates
  EXPECT_EQ(c.to_json()["adapt_windows"], 30);
  c.adapt_windows = ProbeConfig{}.adapt_windows;
  EXPECT_FALSE(c.to_json().contains("adapt_windows"));  // the default keeps earlier configs' hashes
}

}  // namespace
}  // namespace tca
