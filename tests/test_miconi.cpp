// Miconi's rule (algorithms/miconi.h) on tiny rate networks in double:
// - against a plain loop of its equations (the same Philox kicks, the fluctuation against the
//   running average, the cubed trace, the running baseline over the sequences in order), over
//   two windows so the baseline carries over, to 1e-12; frozen, the baseline stays;
// - no limit makes it the gradient (the cube), so what is tested of its direction is what the
//   paper relies on: with the baseline at the unperturbed loss, the mean of its estimates points
//   downhill (positive projection on the exact gradient, by more than 5 standard errors), and
//   without kicks its mean is the unperturbed trace times a zero-mean weight.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "algorithms/miconi.h"
#include "kernels/philox.h"
#include "tests/rate_reference.h"
#include "tests/rule_helpers.h"
#include "test_util.h"

namespace tca {
namespace {

struct Settings {
  double p = 0.003, size = 0.5, trace_decay = 0.05, baseline_decay = 0.75;
};

std::map<std::string, std::string> as_params(const Settings& s) {
  return {{"kick_probability", std::to_string(s.p)},
          {"kick_size", std::to_string(s.size)},
          {"trace_decay", std::to_string(s.trace_decay)},
          {"baseline_decay", std::to_string(s.baseline_decay)}};
}

// The kicks as documented: u1, u2 of (t, b, i) are uniform draws 2 ((t B + b) n + i) and + 1.
std::vector<double> kicks(uint64_t seed, int T, int B, int n, const Settings& s) {
  Philox rng(seed, RandomStream::algorithm, 0);
  std::vector<double> xi(static_cast<size_t>(T) * B * n);
  for (double& x : xi) {
    const double u1 = rng.uniform(), u2 = rng.uniform();
    x = u1 < s.p ? s.size * (2 * u2 - 1) : 0.0;
  }
  return xi;
}

// One window of the rule written as loops; `baseline` carries over (NaN: not yet set).
std::vector<double> direct_miconi(const RateRnnConfig& rc, const RateRnnParams& params, const Batch& batch,
                                  uint64_t seed, const Settings& s, double& baseline) {
  const int n = rc.n, k = rc.k(), B = batch.B, T = batch.T;
  const std::vector<double> xi = kicks(seed, T, B, n, s);
  const RateForward f = direct_rate_forward(rc, params.W.to_host(), params.W_outb.to_host(), batch, &xi);
  std::vector<double> gW(static_cast<size_t>(n) * k, 0.0);
  for (int b = 0; b < B; ++b) {
    const double R = B * f.loss[b];
    if (std::isnan(baseline)) baseline = R;
    const double w = (R - baseline) / B;
    baseline = s.baseline_decay * baseline + (1 - s.baseline_decay) * R;
    std::vector<double> abar = row_of(f.a[0], b, n);
    for (int t = 1; t < T; ++t) {
      for (int i = 0; i < n; ++i) {
        const double a = f.a[t][b * n + i], d = a - abar[i];
        abar[i] = s.trace_decay * abar[i] + (1 - s.trace_decay) * a;
        for (int j = 0; j < k; ++j) {
          const double x = d * f.ahat[t][b * k + j];
          gW[i * k + j] += w * x * x * x;
        }
      }
    }
  }
  return gW;
}

Miconi& as_miconi(Rule& rule) { return dynamic_cast<Miconi&>(rule); }

TEST(Miconi, MatchesItsEquationsWrittenAsLoops) {
  Settings s;
  s.p = 0.2;  // kicks on a tiny network
  for (const double alpha : {1.0, 0.6}) {
    const RateRnnConfig rc = tiny_rate_config(alpha);
    const RateRnnParams params = tiny_rate_params(rc, 3);
    auto rule = make_algorithm("miconi", rc, DType::f64, Device::cpu, as_params(s));
    EXPECT_TRUE(std::isnan(as_miconi(*rule).baseline()));
    double baseline = std::nan("");
    for (uint64_t window = 0; window < 2; ++window) {
      const Batch batch = test::random_batch(12, 3, rc.m, rc.o, rc.loss, 4 + window);
      const std::vector<double> want = direct_miconi(rc, params, batch, 10 + window, s, baseline);
      ASSERT_GT(test::norm(want), 0.0);
      EXPECT_LT(test::relative_error(window_w_gradient(*rule, rc, params, batch, 10 + window), want), 1e-12) << alpha;
      EXPECT_NEAR(as_miconi(*rule).baseline(), baseline, 1e-14 * std::abs(baseline)) << alpha;
    }
    // Frozen, the baseline stays and the same window gives the same estimate.
    rule->set_adapting(false);
    const double frozen = as_miconi(*rule).baseline();
    const Batch batch = test::random_batch(12, 3, rc.m, rc.o, rc.loss, 9);
    const std::vector<double> first = window_w_gradient(*rule, rc, params, batch, 20);
    EXPECT_EQ(as_miconi(*rule).baseline(), frozen);
    EXPECT_EQ(window_w_gradient(*rule, rc, params, batch, 20), first);
    EXPECT_NE(window_w_gradient(*rule, rc, params, batch, 21), first);  // other kicks
  }
}

// Mean and standard error of the projection of K estimates on g, in units of |g|^2.
struct Projection {
  double mean = 0, se = 0;
};

Projection projection(Rule& rule, const RateRnnConfig& rc, const RateRnnParams& params, const Batch& batch,
                      const std::vector<double>& g, int K) {
  const double gg = test::norm(g) * test::norm(g);
  double sum = 0, sum2 = 0;
  for (int s = 0; s < K; ++s) {
    const std::vector<double> x = window_w_gradient(rule, rc, params, batch, 100 + s);
    double p = 0;
    for (size_t i = 0; i < g.size(); ++i) p += x[i] * g[i];
    sum += p / gg;
    sum2 += p / gg * p / gg;
  }
  Projection out;
  out.mean = sum / K;
  out.se = std::sqrt((sum2 / K - out.mean * out.mean) / (K - 1));
  return out;
}

TEST(Miconi, WithTheUnperturbedLossAsBaselineItsMeanPointsDownhill) {
  const RateRnnConfig rc = tiny_rate_config(0.8);
  const RateRnnParams params = tiny_rate_params(rc, 51);
  Batch batch = test::random_batch(8, 2, rc.m, rc.o, rc.loss, 52);
  // One baseline serves both sequences: scale the second one's loss mask so that the two
  // unperturbed errors are equal, and set the baseline to that error.
  const RateForward clean = direct_rate_forward(rc, params.W.to_host(), params.W_outb.to_host(), batch);
  const double ratio = clean.loss[0] / clean.loss[1];
  for (int t = 0; t < batch.T; ++t) batch.loss_mask[static_cast<size_t>(t) * batch.B + 1] *= ratio;
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  const std::vector<double> g = window_w_gradient(*bptt, rc, params, batch, 0);
  Settings s;
  s.p = 0.1;
  s.size = 0.3;
  for (const double p_kick : {s.p, 0.0}) {
    Settings run = s;
    run.p = p_kick;
    auto rule = make_algorithm("miconi", rc, DType::f64, Device::cpu, as_params(run));
    rule->set_adapting(false);
    as_miconi(*rule).set_baseline(batch.B * clean.loss[0]);
    if (p_kick > 0) {
      const Projection p = projection(*rule, rc, params, batch, g, 4000);
      std::printf("miconi: mean projection on the exact gradient %.3g |g|^2 (se %.2g)\n", p.mean, p.se);
      EXPECT_GT(p.mean, 5 * p.se);
    } else {
      // Without kicks every sequence's error is the baseline: the estimate is 0, so the
      // direction above comes from the kicks.
      EXPECT_LT(test::norm(window_w_gradient(*rule, rc, params, batch, 1)), 1e-12 * test::norm(g));
    }
  }
}

TEST(Miconi, HyperparametersAndBookkeeping) {
  const RateRnnConfig rc = tiny_rate_config(1.0);
  auto rule = make_algorithm("miconi", rc, DType::f64, Device::cpu);
  EXPECT_TRUE(rule->stochastic());
  EXPECT_TRUE(rule->adapts());
  EXPECT_FALSE(rule->supports_online_updates());
  EXPECT_EQ(rule->config().at("kick_probability"), "0.003");
  EXPECT_EQ(rule->config().at("kick_size"), "0.5");
  EXPECT_EQ(rule->config().at("trace_decay"), "0.05");
  EXPECT_EQ(rule->config().at("baseline_decay"), "0.75");
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"kick_probability", "1.5"}, {"kick_size", "-1"}, {"trace_decay", "2"}, {"baseline_decay", "nan"}})
    EXPECT_THROW(make_algorithm("miconi", rc, DType::f64, Device::cpu, {{name, value}}), std::invalid_argument) << name;
  EXPECT_GT(rule->flops_per_step(), 0.0);
}

}  // namespace
}  // namespace tca
