// The spiking network and its learning rules (models/lif_rnn.h, algorithms/lif_*), in double on
// tiny networks with random nonzero inputs:
// - the forward pass and BPTT against an independent reverse-mode tape of the network
//   (tests/lif_reference.h), exact and with the gradient stopped through z_{t-1};
// - e-prop's factorisation: BPTT with z_{t-1} stopped in the recurrent input and the reset
//   equals e-prop with symmetric feedback, for LIF-only, ALIF-only and mixed networks, with and
//   without the readout filter (summing or averaging) and the firing-rate regulariser;
// - BPTT equals RTRL; e-prop equals a plain loop of Bellec et al.'s equations for any feedback
//   matrix; eprop_random with B = W_out^T is eprop; Kolen-Pollack feedback follows training;
// - MDGL equals a plain loop of Liu et al.'s equations (two cell types, with and without Dale's
//   law, both modulations); with one type and uniform weights its cell-type average is the
//   synapse's weight, and its excess over e-prop is the one-synapse term; without recurrent
//   weights it is e-prop;
// - Dale's law: the signed, balanced initialisation and the projection after each update;
// - every case asserts that spikes, refractory periods (with spikes they suppressed) and a
//   nonzero pseudo-derivative occur, so the comparisons are not vacuous.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tests/rule_helpers.h"
#include "algorithms/lif_rule.h"
#include "algorithms/lif_eprop.h"
#include "algorithms/lif_mdgl.h"
#include "bench/experiments/parameter_update.h"
#include "algorithms/local_trace.h"
#include "lif_reference.h"
#include "test_util.h"

namespace tca {
namespace {

struct Net {
  int n_lif, n_alif;
  double tau_out;   // 0: no readout filter
  double rate_reg;  // 0: no regulariser
  LossKind loss;
  bool average = false;  // readout_filter=average
};

void PrintTo(const Net& c, std::ostream* os) {
  *os << c.n_lif << " LIF + " << c.n_alif << " ALIF, tau_out " << c.tau_out << (c.average ? " (average)" : "")
      << ", rate_reg " << c.rate_reg << ", " << (c.loss == LossKind::mse ? "mse" : "ce");
}

// Short time constants and a strong adaptation so that, within 30 steps, ALIF thresholds move,
// neurons spike and refractory periods suppress spikes.
LifRnnConfig config_for(const Net& net) {
  LifRnnConfig c;
  c.n_lif = net.n_lif;
  c.n_alif = net.n_alif;
  c.m = 3;
  c.o = 2;
  c.tau_v = 8;
  c.tau_a = 25;
  c.tau_out = net.tau_out;
  c.readout_average = net.average;
  c.v_th = 0.5;
  c.beta = 0.3;
  c.refractory = 3;
  c.rate_reg = net.rate_reg;
  c.rate_target = 40;
  c.init_in_scale = 1.5;
  c.init_rec_scale = 1.5;
  c.loss = net.loss;
  return c;
}

constexpr int kT = 30, kB = 2;

Batch batch_for(const LifRnnConfig& c, uint64_t seed) { return test::random_batch(kT, kB, c.m, c.o, c.loss, seed); }

struct RuleRun {
  double loss = 0;
  std::vector<double> gW, gW_outb;
};

RuleRun run_rule(Rule& rule, const LifRnnConfig& c, const LifRnnParams& params, const Batch& batch) {
  LifRnn model(c, DType::f64, Device::cpu);
  RuleRun r;
  r.loss = run_window(model, params, to_device(batch, DType::f64, Device::cpu), rule, 7);
  r.gW = rule.gradient().W.to_host();
  r.gW_outb = rule.gradient().W_outb.to_host();
  return r;
}

RuleRun run_rule(const std::string& id, const LifRnnConfig& c, const LifRnnParams& params, const Batch& batch,
             const std::map<std::string, std::string>& overrides = {}) {
  auto rule = make_lif_algorithm(id, c, DType::f64, Device::cpu, overrides);
  return run_rule(*rule, c, params, batch);
}

// The comparisons mean something only where the network is in a spiking regime.
void expect_spiking_regime(const test::ReferenceResult& ref) {
  EXPECT_GT(ref.spike_count, 10);
  EXPECT_GT(ref.refractory_steps, 0);
  EXPECT_GT(ref.suppressed_spikes, 0) << "no spike was suppressed by a refractory period";
  EXPECT_GT(ref.active_psi, 10);
}

class LifRules : public testing::TestWithParam<Net> {
 protected:
  void SetUp() override {
    c = config_for(GetParam());
    params = init_lif_params(c, 11, DType::f64, Device::cpu);
    batch = batch_for(c, 12);
    W = params.W.to_host();
    W_outb = params.W_outb.to_host();
  }
  LifRnnConfig c;
  LifRnnParams params;
  Batch batch;
  std::vector<double> W, W_outb;
};

TEST_P(LifRules, ForwardPassMatchesTheReference) {
  const test::ReferenceResult ref = test::reference_gradient(c, W, W_outb, batch, false);
  expect_spiking_regime(ref);
  LifRnn model(c, DType::f64, Device::cpu);
  const DeviceBatch db = to_device(batch, DType::f64, Device::cpu);
  model.begin(kB);
  for (int t = 0; t < kT; ++t) {
    model.step(params, db, t);
    const std::vector<double> z = model.state().z.to_host();
    for (int i = 0; i < kB * c.n(); ++i) ASSERT_EQ(z[i], ref.spikes[static_cast<size_t>(t) * kB * c.n() + i]) << t;
  }
  EXPECT_NEAR(model.window_loss(), ref.loss, 1e-12 * std::abs(ref.loss));
  if (c.rate_reg > 0) EXPECT_GT(model.rate_loss(), 0.0);
}

TEST_P(LifRules, BpttIsTheGradientOfTheNetwork) {
  for (bool stop : {false, true}) {
    const test::ReferenceResult ref = test::reference_gradient(c, W, W_outb, batch, stop);
    expect_spiking_regime(ref);
    const RuleRun bptt = run_rule("bptt", c, params, batch, {{"stop_gradient", stop ? "recurrent" : "none"}});
    ASSERT_GT(test::norm(ref.gW), 0.0);
    EXPECT_LT(test::relative_error(bptt.gW, ref.gW), 1e-10) << "stop_gradient " << stop;
    EXPECT_LT(test::relative_error(bptt.gW_outb, ref.gW_outb), 1e-12);
    EXPECT_NEAR(bptt.loss, ref.loss, 1e-12 * std::abs(ref.loss));
  }
}

TEST_P(LifRules, EpropFactorisationIsExactForTheStoppedGradient) {
  const RuleRun stopped = run_rule("bptt", c, params, batch, {{"stop_gradient", "recurrent"}});
  const RuleRun eprop = run_rule("eprop", c, params, batch);
  ASSERT_GT(test::norm(stopped.gW), 0.0);
  EXPECT_LT(test::relative_error(eprop.gW, stopped.gW), 1e-10);
  EXPECT_EQ(eprop.gW_outb, stopped.gW_outb);
  // The stop matters: the exact gradient differs.
  const RuleRun exact = run_rule("bptt", c, params, batch);
  EXPECT_GT(test::relative_error(eprop.gW, exact.gW), 1e-3);
}

TEST_P(LifRules, BpttEqualsRtrl) {
  const RuleRun bptt = run_rule("bptt", c, params, batch);
  const RuleRun rtrl = run_rule("rtrl", c, params, batch);
  EXPECT_LT(test::relative_error(rtrl.gW, bptt.gW), 1e-10);
  EXPECT_LT(test::relative_error(rtrl.gW_outb, bptt.gW_outb), 1e-12);
  EXPECT_NEAR(rtrl.loss, bptt.loss, 1e-13 * std::abs(bptt.loss));
}

TEST_P(LifRules, EpropMatchesBellecEquationsForAnyFeedback) {
  std::vector<double> symmetric(static_cast<size_t>(c.n()) * c.o);
  for (int j = 0; j < c.n(); ++j)
    for (int l = 0; l < c.o; ++l) symmetric[j * c.o + l] = W_outb[l * (c.n() + 1) + j];
  EXPECT_LT(test::relative_error(run_rule("eprop", c, params, batch).gW,
                                 test::reference_eprop(c, W, W_outb, batch, symmetric)),
            1e-12);
  const std::vector<double> random = random_feedback_matrix(c.n(), c.o, 0.8, 5);
  const RuleRun eprop_random =
      run_rule("eprop_random", c, params, batch, {{"feedback_scale", "0.8"}, {"feedback_seed", "5"}});
  EXPECT_LT(test::relative_error(eprop_random.gW, test::reference_eprop(c, W, W_outb, batch, random)), 1e-12);
}

// The modulatory weights as Liu et al.'s code builds them: per block (type of j, type of p), the
// sum of W_rec over the nonzero weights divided by their count, where W_jp != 0.
std::vector<double> type_averaged_weights(const std::vector<double>& W, const LifRnnConfig& c) {
  const int n = c.n(), k = c.k();
  auto type = [&](int j) { return j < c.n_inhibitory() ? 1 : 0; };
  double sum[2][2] = {}, count[2][2] = {};
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < n; ++p)
      if (W[j * k + p] != 0.0) {
        sum[type(j)][type(p)] += W[j * k + p];
        count[type(j)][type(p)] += 1;
      }
  std::vector<double> Wmod(static_cast<size_t>(n) * n, 0.0);
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < n; ++p)
      if (W[j * k + p] != 0.0) Wmod[j * n + p] = sum[type(j)][type(p)] / count[type(j)][type(p)];
  return Wmod;
}

std::vector<double> recurrent_block(const std::vector<double>& W, const LifRnnConfig& c) {
  std::vector<double> Wrec(static_cast<size_t>(c.n()) * c.n());
  for (int j = 0; j < c.n(); ++j)
    for (int p = 0; p < c.n(); ++p) Wrec[j * c.n() + p] = W[j * c.k() + p];
  return Wrec;
}

TEST_P(LifRules, MdglMatchesLiuEquations) {
  for (bool dale : {false, true}) {
    LifRnnConfig typed = c;
    typed.inhibitory_fraction = 0.4;  // 2 of 4 or 5
    ASSERT_EQ(typed.n_inhibitory(), 2);
    typed.dale = dale;
    const LifRnnParams p = dale ? init_lif_params(typed, 11, DType::f64, Device::cpu) : params;
    const std::vector<double> Wt = p.W.to_host();
    expect_spiking_regime(test::reference_gradient(typed, Wt, W_outb, batch, false));
    const std::vector<double> Wbar = type_averaged_weights(Wt, typed);
    const RuleRun mdgl = run_rule("mdgl", typed, p, batch);
    const std::vector<double> want = test::reference_mdgl(typed, Wt, W_outb, batch, Wbar);
    ASSERT_GT(test::norm(want), 0.0);
    EXPECT_LT(test::relative_error(mdgl.gW, want), 1e-12) << "dale " << dale;
    const RuleRun synapse = run_rule("mdgl", typed, p, batch, {{"modulation", "synapse"}});
    EXPECT_LT(test::relative_error(synapse.gW, test::reference_mdgl(typed, Wt, W_outb, batch, recurrent_block(Wt, typed))),
              1e-12)
        << "dale " << dale;
    // The modulatory term is not vacuous: MDGL differs from e-prop.
    EXPECT_GT(test::relative_error(mdgl.gW, run_rule("eprop", typed, p, batch).gW), 1e-4) << "dale " << dale;
    EXPECT_EQ(mdgl.gW_outb, run_rule("eprop", typed, p, batch).gW_outb);
  }
}

const Net kNets[] = {
    {4, 0, 0, 0, LossKind::mse},   {4, 0, 5, 0.5, LossKind::cross_entropy},
    {0, 4, 5, 0, LossKind::mse},   {0, 4, 0, 0.5, LossKind::cross_entropy},
    {2, 3, 0, 0, LossKind::cross_entropy}, {2, 3, 5, 0, LossKind::mse},
    {2, 3, 0, 0.5, LossKind::mse}, {2, 3, 5, 0.5, LossKind::cross_entropy},
    {2, 3, 5, 0.5, LossKind::mse, true},  // Bellec et al.'s leaky-average readout filter
};
INSTANTIATE_TEST_SUITE_P(Networks, LifRules, testing::ValuesIn(kNets), [](const testing::TestParamInfo<Net>& i) {
  return std::to_string(i.param.n_lif) + "lif_" + std::to_string(i.param.n_alif) + "alif_" +
         (i.param.tau_out > 0 ? (i.param.average ? "average_" : "filter_") : "nofilter_") + (i.param.rate_reg > 0 ? "reg_" : "noreg_") +
         (i.param.loss == LossKind::mse ? "mse" : "ce");
});

// ==== feedback ================================================================================

class LifFeedbackTest : public testing::Test {
 protected:
  void SetUp() override {
    c = config_for({2, 3, 5, 0.5, LossKind::mse});
    params = init_lif_params(c, 21, DType::f64, Device::cpu);
    batch = batch_for(c, 22);
  }
  std::vector<double> W_out_transposed(const std::vector<double>& W_outb) const {
    std::vector<double> B(static_cast<size_t>(c.n()) * c.o);
    for (int j = 0; j < c.n(); ++j)
      for (int l = 0; l < c.o; ++l) B[j * c.o + l] = W_outb[l * (c.n() + 1) + j];
    return B;
  }
  LifEprop& as_eprop(Rule& rule) { return dynamic_cast<LifEprop&>(rule); }
  LifRnnConfig c;
  LifRnnParams params;
  Batch batch;
};

TEST_F(LifFeedbackTest, RandomFeedbackWithTheReadoutMatrixIsEprop) {
  auto rule = make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu);
  const RuleRun own = run_rule(*rule, c, params, batch);
  const RuleRun eprop = run_rule("eprop", c, params, batch);
  EXPECT_GT(test::relative_error(own.gW, eprop.gW), 1e-2);  // a random B is another signal
  as_eprop(*rule).set_feedback_matrix(W_out_transposed(params.W_outb.to_host()));
  EXPECT_LT(test::relative_error(run_rule(*rule, c, params, batch).gW, eprop.gW), 1e-13);
}

TEST_F(LifFeedbackTest, AdaptiveFeedbackFollowsTheReadoutsUpdatesAndDecay) {
  auto adaptive = make_lif_algorithm("eprop_adaptive", c, DType::f64, Device::cpu, {{"feedback_seed", "3"}});
  auto random = make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu, {{"feedback_seed", "3"}});
  LifEprop& kp = as_eprop(*adaptive);
  EXPECT_EQ(kp.feedback_matrix(), as_eprop(*random).feedback_matrix());  // it starts at B_0
  EXPECT_EQ(run_rule(*adaptive, c, params, batch).gW, run_rule(*random, c, params, batch).gW);

  // A training step moves W_out and decays it by d; B moves alike and decays towards W_out^T.
  const std::vector<double> before = params.W_outb.to_host();
  std::vector<double> after = before;
  const double d = 0.1;
  for (size_t i = 0; i < after.size(); ++i) after[i] = (1 - d) * before[i] - 0.05 * std::sin(double(i));
  const std::vector<double> B0 = kp.feedback_matrix();
  kp.follow_training_step(before, after, d);
  const std::vector<double> Wt0 = W_out_transposed(before), Wt1 = W_out_transposed(after);
  for (size_t i = 0; i < B0.size(); ++i)
    EXPECT_NEAR(kp.feedback_matrix()[i] - Wt1[i], (1 - d) * (B0[i] - Wt0[i]), 1e-15);
  // Without decay the offset from W_out^T stays.
  kp.follow_training_step(after, before, 0.0);
  for (size_t i = 0; i < B0.size(); ++i)
    EXPECT_NEAR(kp.feedback_matrix()[i] - Wt0[i], (1 - d) * (B0[i] - Wt0[i]), 1e-15);
  // The next window uses the moved B; the other rules ignore training steps.
  as_eprop(*random).set_feedback_matrix(kp.feedback_matrix());
  EXPECT_EQ(run_rule(*adaptive, c, params, batch).gW, run_rule(*random, c, params, batch).gW);
  auto bptt = make_lif_algorithm("bptt", c, DType::f64, Device::cpu);
  const RuleRun b1 = run_rule(*bptt, c, params, batch);
  bptt->follow_training_step(before, after, d);
  EXPECT_EQ(run_rule(*bptt, c, params, batch).gW, b1.gW);
}

// ==== MDGL's limits and Dale's law ==============================================================

TEST(LifMdgl, OneTypeWithUniformWeightsAddsTheOneSynapseTermToEprop) {
  const LifRnnConfig c = config_for({2, 3, 5, 0.5, LossKind::mse});
  std::vector<double> W = init_lif_params(c, 41, DType::f64, Device::cpu).W.to_host();
  const std::vector<double> W_outb = init_lif_params(c, 41, DType::f64, Device::cpu).W_outb.to_host();
  for (int j = 0; j < c.n(); ++j)
    for (int p = 0; p < c.n(); ++p) W[j * c.k() + p] = j == p ? 0.0 : 0.35;
  const LifRnnParams params{Tensor::from_host(W, {c.n(), c.k()}, DType::f64),
                            Tensor::from_host(W_outb, {c.o, c.n() + 1}, DType::f64)};
  const Batch batch = batch_for(c, 42);
  expect_spiking_regime(test::reference_gradient(c, W, W_outb, batch, false));
  const RuleRun typed = run_rule("mdgl", c, params, batch);
  const RuleRun synapse = run_rule("mdgl", c, params, batch, {{"modulation", "synapse"}});
  EXPECT_LT(test::relative_error(typed.gW, synapse.gW), 1e-13);  // the one type's average is every weight
  // MDGL - e-prop = sum_t e_pq(t) sum_{j != p} 0.35 psi_j(t+1) L_j(t+1).
  const RuleRun eprop = run_rule("eprop", c, params, batch);
  std::vector<double> zero_mod(static_cast<size_t>(c.n()) * c.n(), 0.0), term_want;
  const std::vector<double> with = test::reference_mdgl(c, W, W_outb, batch, recurrent_block(W, c));
  const std::vector<double> without = test::reference_mdgl(c, W, W_outb, batch, zero_mod);
  std::vector<double> term_got(with.size());
  for (size_t i = 0; i < with.size(); ++i) {
    term_want.push_back(with[i] - without[i]);
    term_got[i] = typed.gW[i] - eprop.gW[i];
  }
  ASSERT_GT(test::norm(term_want), 1e-6);
  EXPECT_LT(test::relative_error(term_got, term_want), 1e-10);
}

TEST(LifMdgl, WithoutRecurrentWeightsItIsEprop) {
  const LifRnnConfig c = config_for({2, 3, 5, 0.5, LossKind::cross_entropy});
  LifRnnParams params = init_lif_params(c, 43, DType::f64, Device::cpu);
  std::vector<double> W = params.W.to_host();
  for (int j = 0; j < c.n(); ++j)
    for (int p = 0; p < c.n(); ++p) W[j * c.k() + p] = 0.0;
  for (int j = 0; j < c.n(); ++j) W[j * c.k() + c.n()] += 2.0;  // drive the neurons from the input instead
  params.W = Tensor::from_host(W, {c.n(), c.k()}, DType::f64);
  const Batch batch = batch_for(c, 44);
  const RuleRun mdgl = run_rule("mdgl", c, params, batch);
  const RuleRun eprop = run_rule("eprop", c, params, batch);
  ASSERT_GT(test::norm(eprop.gW), 0.0);
  EXPECT_LT(test::relative_error(mdgl.gW, eprop.gW), 1e-12);
}

TEST(LifDale, SignedBalancedInitialisation) {
  LifRnnConfig c = config_for({3, 4, 5, 0, LossKind::mse});
  c.inhibitory_fraction = 3.0 / 7;
  const std::vector<double> unsigned_W = init_lif_params(c, 5, DType::f64, Device::cpu).W.to_host();
  c.dale = true;
  const std::vector<double> W = init_lif_params(c, 5, DType::f64, Device::cpu).W.to_host();
  EXPECT_EQ(LifRnn(c, DType::f64, Device::cpu).cell_types(), (std::vector<int>{1, 1, 1, 0, 0, 0, 0}));
  for (int j = 0; j < c.n(); ++j) {
    double sum = 0, scale = 0;
    for (int p = 0; p < c.n(); ++p) {
      const double w = W[j * c.k() + p];
      if (p == j) {
        EXPECT_EQ(w, 0.0);
        continue;
      }
      EXPECT_TRUE(p < 3 ? w < 0 : w > 0) << j << " " << p << " " << w;
      sum += w;
      scale += std::abs(w);
    }
    EXPECT_LT(std::abs(sum), 1e-12 * scale) << "row " << j << " is not balanced";
    for (int i = c.n(); i < c.k(); ++i) EXPECT_EQ(W[j * c.k() + i], unsigned_W[j * c.k() + i]);  // W_in unsigned
  }
}

TEST(LifDale, UpdatesThatFlipASignSilenceTheSynapse) {
  LifRnnConfig c = config_for({3, 3, 5, 0, LossKind::mse});
  c.inhibitory_fraction = 1.0 / 3;
  c.dale = true;
  const LifRnn net(c, DType::f64, Device::cpu);
  LifRnnParams params = init_lif_params(c, 6, DType::f64, Device::cpu);
  const std::vector<double> before = params.W.to_host();
  // A gradient that pushes W[3, 0] (inhibitory presynaptic, < 0) up by 10 and W[3, 4]
  // (excitatory, > 0) down by 10, everything else by +-1e-3, plus an input weight far negative.
  std::vector<double> g(before.size(), 1e-3);
  const int k = c.k();
  g[3 * k + 0] = -10;
  g[3 * k + 4] = 10;
  g[3 * k + c.n()] = 10;
  Gradients grad{Tensor::from_host(g, params.W.shape(), DType::f64), Tensor(params.W_outb.shape(), DType::f64, Device::cpu)};
  ops::fill(grad.W_outb, 0.0);
  ParameterUpdate sgd(Optimizer::sgd, 1.0, 0.0, params, net);
  sgd.apply(grad);
  const std::vector<double> after = params.W.to_host();
  EXPECT_EQ(after[3 * k + 0], 0.0);
  EXPECT_EQ(after[3 * k + 4], 0.0);
  EXPECT_NEAR(after[3 * k + c.n()], before[3 * k + c.n()] - 10, 1e-12);  // input weights are unsigned
  EXPECT_NEAR(after[3 * k + 1], before[3 * k + 1] - 1e-3, 1e-15);
  for (int j = 0; j < c.n(); ++j)
    for (int p = 0; p < c.n(); ++p) EXPECT_TRUE(p < 2 ? after[j * k + p] <= 0 : after[j * k + p] >= 0);
  // Without Dale's law the same update is applied as it is.
  LifRnnConfig free = c;
  free.dale = false;
  LifRnnParams free_params{Tensor::from_host(before, params.W.shape(), DType::f64), params.W_outb.clone()};
  ParameterUpdate free_sgd(Optimizer::sgd, 1.0, 0.0, free_params, LifRnn(free, DType::f64, Device::cpu));
  free_sgd.apply(grad);
  EXPECT_NEAR(free_params.W.to_host()[3 * k + 0], before[3 * k + 0] + 10, 1e-12);
}

TEST(LifDale, ConfigurationErrors) {
  const std::vector<ParamDoc> docs = lif_params().docs();
  const LifRnnConfig d = parse_lif_config(Params("lif", docs, {{"inhibitory_fraction", "0.2"}, {"dale", "on"}}));
  EXPECT_EQ(d.n_inhibitory(), 20);
  EXPECT_EQ(parse_lif_config(Params("lif", docs, {{"inhibitory_fraction", "0.195"}})).n_inhibitory(), 20);  // rounds
  EXPECT_TRUE(d.dale);
  for (const std::map<std::string, std::string>& bad : std::vector<std::map<std::string, std::string>>{
           {{"inhibitory_fraction", "1.5"}}, {{"inhibitory_fraction", "-0.1"}}, {{"dale", "on"}},
           {{"dale", "on"}, {"inhibitory_fraction", "0.01"}}, {{"dale", "on"}, {"inhibitory_fraction", "0.99"}},
           {{"dale", "yes"}}})
    EXPECT_THROW(parse_lif_config(Params("lif", docs, bad)), std::invalid_argument) << bad.begin()->first;
}

// ==== properties of every rule ==================================================================

TEST(LifRulesBasics, WindowsAreIndependentAndTheDiagonalIsNoParameter) {
  const LifRnnConfig c = config_for({2, 3, 5, 0.5, LossKind::cross_entropy});
  const LifRnnParams params = init_lif_params(c, 31, DType::f64, Device::cpu);
  const Batch batch = batch_for(c, 32), other = batch_for(c, 33);
  for (const RegisteredRuleInfo& info : rules_of("lif")) {
    if (info.baseline) continue;  // tests/test_baselines.cpp
    auto rule = make_lif_algorithm(info.id, c, DType::f64, Device::cpu);
    const RuleRun first = run_rule(*rule, c, params, batch);
    run_rule(*rule, c, params, other);
    const RuleRun again = run_rule(*rule, c, params, batch);
    EXPECT_EQ(again.gW, first.gW) << info.id;
    EXPECT_EQ(again.gW_outb, first.gW_outb) << info.id;
    for (int j = 0; j < c.n(); ++j) EXPECT_EQ(first.gW[j * c.k() + j], 0.0) << info.id;
    EXPECT_GT(test::norm(first.gW), 0.0) << info.id;
    EXPECT_GT(rule->state_bytes(kT), 0u) << info.id;
    EXPECT_GT(rule->flops_per_step(), 0.0) << info.id;
    EXPECT_FALSE(rule->stochastic()) << info.id;
  }
}

TEST(LifRulesBasics, InitialisationHasNoSelfConnectionsAndSelfConnectionsAreRefused) {
  LifRnnConfig c = config_for({3, 3, 5, 0, LossKind::mse});
  const LifRnnParams p = init_lif_params(c, 1, DType::f64, Device::cpu);
  const std::vector<double> W = p.W.to_host();
  for (int j = 0; j < c.n(); ++j) EXPECT_EQ(W[j * c.k() + j], 0.0);
  EXPECT_NE(W[1], 0.0);
  EXPECT_EQ(init_lif_params(c, 1, DType::f32, Device::cpu).W.to_host(),
            Tensor::from_host(W, {c.n(), c.k()}, DType::f32).to_host());  // same point in float
  std::vector<double> self = W;
  self[0] = 0.1;
  const LifRnnParams bad{Tensor::from_host(self, {c.n(), c.k()}, DType::f64), p.W_outb};
  auto rule = make_lif_algorithm("eprop", c, DType::f64, Device::cpu);
  EXPECT_THROW(rule->reset(bad, 1, 0), std::invalid_argument);
}

TEST(LifRulesBasics, RegistryAndErrors) {
  std::vector<std::string> ids;
  for (const RuleInfo& info : rules_of("lif")) ids.push_back(info.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"bptt", "rtrl", "eprop", "eprop_random", "eprop_adaptive", "mdgl",
                                           "readout_only", "random_gradient"}));
  const LifRnnConfig c = config_for({2, 2, 5, 0, LossKind::mse});
  try {
    make_lif_algorithm("uoro", c, DType::f64, Device::cpu);
    ADD_FAILURE() << "uoro is no rule of the spiking network";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("eprop_adaptive"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_lif_algorithm("bptt", c, DType::f64, Device::cpu, {{"stop_gradient", "all"}}),
               std::invalid_argument);
  EXPECT_THROW(make_lif_algorithm("eprop", c, DType::f64, Device::cpu, {{"feedback_seed", "1"}}),
               std::invalid_argument);
  EXPECT_THROW(make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu, {{"feedback_scale", "0"}}),
               std::invalid_argument);
  using Doc = std::map<std::string, std::string>;
  EXPECT_EQ(make_lif_algorithm("bptt", c, DType::f64, Device::cpu)->config(), (Doc{{"stop_gradient", "none"}}));
  EXPECT_EQ(make_lif_algorithm("mdgl", c, DType::f64, Device::cpu)->config(), (Doc{{"modulation", "cell_type"}}));
  EXPECT_THROW(make_lif_algorithm("mdgl", c, DType::f64, Device::cpu, {{"modulation", "type"}}), std::invalid_argument);
  EXPECT_EQ(make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu, {{"feedback_seed", "4"}})->config(),
            (Doc{{"feedback_init", "readout"}, {"feedback_scale", "1"}, {"feedback_seed", "4"}}));
  // feedback_init=unit draws B_0 ~ N(0, scale^2) (Bellec et al.'s code): the same draws as the
  // default N(0, scale^2 / n), times sqrt(n).
  const auto readout = make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu, {{"feedback_scale", "0.5"}});
  const auto unit = make_lif_algorithm("eprop_random", c, DType::f64, Device::cpu,
                                       {{"feedback_scale", "0.5"}, {"feedback_init", "unit"}});
  const std::vector<double>& B_readout = dynamic_cast<const LifEprop&>(*readout).feedback_matrix();
  const std::vector<double>& B_unit = dynamic_cast<const LifEprop&>(*unit).feedback_matrix();
  ASSERT_EQ(B_unit.size(), B_readout.size());
  for (size_t i = 0; i < B_unit.size(); ++i) EXPECT_NEAR(B_unit[i], B_readout[i] * std::sqrt(c.n()), 1e-14);
  EXPECT_EQ(unit->config().at("feedback_init"), "unit");
  LifRnnConfig bad = c;
  bad.refractory = 0;
  EXPECT_THROW(LifRnn(bad, DType::f64, Device::cpu), std::invalid_argument);
  bad = c;
  bad.n_lif = bad.n_alif = 0;
  EXPECT_THROW(LifRnn(bad, DType::f64, Device::cpu), std::invalid_argument);
}

TEST(LifRulesBasics, ModelParametersParseStrictly) {
  const std::vector<ParamDoc> docs = lif_params().docs();
  const LifRnnConfig d = parse_lif_config(Params("lif", docs, {}));
  EXPECT_EQ(d.n_lif, 50);
  EXPECT_EQ(d.n_alif, 50);
  EXPECT_NEAR(d.beta, 1.7 * (1 - std::exp(-1.0 / 2000)) / (1 - std::exp(-1.0 / 20)), 1e-15);
  EXPECT_NEAR(d.kappa(), std::exp(-1.0 / 20), 1e-15);
  const LifRnnConfig c =
      parse_lif_config(Params("lif", docs, {{"tau_out", "0"}, {"beta", "0.5"}, {"refractory", "1"}}));
  EXPECT_EQ(c.kappa(), 0.0);
  EXPECT_EQ(c.beta, 0.5);
  EXPECT_EQ(c.refractory, 1);
  EXPECT_NEAR(parse_lif_config(Params("lif", docs, {{"tau_a", "200"}})).beta,
              LifRnnConfig::default_beta(1, 20, 200), 1e-15);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"beta", "-1"}, {"beta", "auto2"}, {"refractory", "0"}, {"v_th", "0"}, {"tau_v", "-3"}, {"nope", "1"}})
    EXPECT_THROW(parse_lif_config(Params("lif", docs, {{name, value}})), std::invalid_argument) << name;
  EXPECT_THROW(parse_lif_config(Params("lif", docs, {{"n_lif", "0"}, {"n_alif", "0"}})), std::invalid_argument);
}

}  // namespace
}  // namespace tca
