// The two baselines every leaderboard shows (algorithms/readout_only.h, algorithms/random_gradient.h),
// on both networks, in double: readout_only gives W no gradient and the readout its exact one;
// random_gradient gives W a random direction of the exact gradient's norm, whose cosine with it
// is 0 in expectation (a statistical test with the tolerance from the measured standard error).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/registry.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"
#include "test_util.h"

namespace tca {
namespace {

struct Case {
  std::string network;
  std::unique_ptr<Network> net;
  NetworkParams params;
  DeviceBatch batch;
};

Case make_case(const std::string& network) {
  Case c;
  c.network = network;
  if (network == "rate") {
    c.net = std::make_unique<RateRnn>(RateRnnConfig{6, 2, 3, 0.7, LossKind::cross_entropy}, DType::f64, Device::cpu);
  } else {
    LifRnnConfig lc;
    lc.n_lif = lc.n_alif = 4;
    lc.m = 3;
    lc.o = 2;
    lc.tau_v = 8;
    lc.v_th = 0.5;
    lc.init_in_scale = lc.init_rec_scale = 1.5;
    c.net = std::make_unique<LifRnn>(lc, DType::f64, Device::cpu);
  }
  c.params = c.net->initial_params(5, DType::f64, Device::cpu);
  c.batch = to_device(test::random_batch(20, 3, c.net->m(), c.net->o(), LossKind::cross_entropy, 6), DType::f64,
                      Device::cpu);
  return c;
}

struct Gradient {
  std::vector<double> W, W_outb;
};

Gradient run(Case& c, const std::string& rule_id, uint64_t noise_seed) {
  auto rule = make_rule(*c.net, rule_id);
  run_window(*c.net, c.params, c.batch, *rule, noise_seed);
  return {rule->gradient().W.to_host(), rule->gradient().W_outb.to_host()};
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(Baselines, ReadoutOnlyTrainsTheReadoutExactlyAndNothingElse) {
  for (const std::string network : {"rate", "lif"}) {
    Case c = make_case(network);
    const Gradient exact = run(c, "bptt", 0), readout = run(c, "readout_only", 0);
    ASSERT_GT(test::norm(exact.W), 1e-3) << network;
    EXPECT_EQ(test::norm(readout.W), 0.0) << network;
    EXPECT_LT(test::relative_error(readout.W_outb, exact.W_outb), 1e-14) << network;
    auto rule = make_rule(*c.net, "readout_only");
    EXPECT_FALSE(rule->stochastic());
    EXPECT_EQ(rule->state_bytes(20), 0u);
  }
}

TEST(Baselines, RandomGradientHasTheExactNormAndChanceAlignment) {
  for (const std::string network : {"rate", "lif"}) {
    Case c = make_case(network);
    const Gradient exact = run(c, "bptt", 0);
    const int n = c.net->n(), k = c.net->k();
    const bool lif = network == "lif";
    ASSERT_GT(test::norm(exact.W), 1e-3) << network;
    // Every draw: the exact norm, the exact readout, no value on a skipped diagonal.
    std::vector<double> cosines;
    const int K = 400;
    for (int s = 0; s < K; ++s) {
      const Gradient r = run(c, "random_gradient", 1000 + s);
      EXPECT_NEAR(test::norm(r.W), test::norm(exact.W), 1e-12 * test::norm(exact.W)) << network;
      EXPECT_LT(test::relative_error(r.W_outb, exact.W_outb), 1e-14) << network;
      if (lif)
        for (int j = 0; j < n; ++j) EXPECT_EQ(r.W[static_cast<size_t>(j) * k + j], 0.0) << network;
      cosines.push_back(dot(r.W, exact.W) / (test::norm(r.W) * test::norm(exact.W)));
    }
    // cos is 0 in expectation with variance 1/d over d parameters: the mean within 4 standard
    // errors (measured) of 0, and the spread about 1/sqrt(d).
    double mean = 0, square = 0;
    for (double x : cosines) mean += x / K;
    for (double x : cosines) square += (x - mean) * (x - mean) / (K - 1);
    const double d = lif ? static_cast<double>(n) * k - n : static_cast<double>(n) * k;
    EXPECT_LT(std::abs(mean), 4 * std::sqrt(square / K)) << network;
    EXPECT_NEAR(square * d, 1.0, 0.25) << network;
    // Draws are keyed by the noise seed.
    EXPECT_EQ(run(c, "random_gradient", 3).W, run(c, "random_gradient", 3).W);
    EXPECT_NE(run(c, "random_gradient", 3).W, run(c, "random_gradient", 4).W);
    auto rule = make_rule(*c.net, "random_gradient");
    EXPECT_TRUE(rule->stochastic());
    EXPECT_EQ(rule->state_bytes_for(3, 20), make_rule(*c.net, "bptt")->state_bytes_for(3, 20)) << network;
  }
}

TEST(Baselines, TheRegistryMarksThemAsBaselines) {
  for (const std::string network : {"rate", "lif"})
    for (const std::string id : {"readout_only", "random_gradient"}) {
      bool found = false;
      for (const RegisteredRuleInfo& info : rules_of(network))
        if (info.id == id) {
          found = true;
          EXPECT_TRUE(info.baseline) << network << " " << id;
          EXPECT_FALSE(info.exact);
        }
      EXPECT_TRUE(found) << network << " " << id;
    }
}

}  // namespace
}  // namespace tca
