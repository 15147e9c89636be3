// Synthetic gradients, DNI (algorithms/dni.h), on tiny rate networks in double:
// - against a plain loop of its equations (the prediction, the weight gradient, the
//   bootstrapped target through the exact Jacobian and the frozen copy, the module's step): the
//   gradient and the module after a window, to 1e-12;
// - with the exact credit dL/da_t in place of its prediction it is BPTT (1e-12);
// - without recurrence and with alpha = 1 the exact credit is linear in [a; y*; 1] and the
//   module learns it: its estimate then aligns with BPTT;
// - the local version (jacobian=learned) against the same loop with the learned Jacobian's
//   step, and equal to the exact version where W_rec is the Jacobian (W_rec = 0, alpha = 1);
// - its module and learned Jacobian persist across windows and freeze; it updates online.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "algorithms/dni.h"
#include "algorithms/learner.h"
#include "tests/rate_reference.h"
#include "tests/rule_helpers.h"
#include "test_util.h"

namespace tca {
namespace {

// (v J_t)_j = (1 - alpha) v_j + alpha sum_i v_i phi'_i W_rec[i, j]
std::vector<double> times_jacobian(const RateRnnConfig& rc, const std::vector<double>& W, const std::vector<double>& v,
                                   const std::vector<double>& dphi) {
  std::vector<double> out(rc.n);
  for (int j = 0; j < rc.n; ++j) {
    out[j] = (1 - rc.alpha) * v[j];
    for (int i = 0; i < rc.n; ++i) out[j] += rc.alpha * v[i] * dphi[i] * W[i * rc.k() + j];
  }
  return out;
}

struct DniResult {
  std::vector<double> gW, A, J;
};

// J0: the local version's Jacobian at the start (learned with J_lr); null: the exact Jacobian.
DniResult direct_dni(const RateRnnConfig& rc, const std::vector<double>& W, const std::vector<double>& W_outb,
                     const Batch& batch, std::vector<double> A, double lr, int refresh,
                     const std::vector<double>* J0 = nullptr, double J_lr = 0.0) {
  const int n = rc.n, o = rc.o, k = rc.k(), B = batch.B, cols = n + o + 1;
  const RateForward s = direct_rate_forward(rc, W, W_outb, batch);
  std::vector<double> A_bar = A, gW(static_cast<size_t>(n) * k, 0.0), J = J0 ? *J0 : std::vector<double>{};
  auto atil = [&](int t, int b) {
    std::vector<double> v = row_of(s.a[t], b, n);
    for (int p = 0; p < o; ++p) v.push_back(batch.target(t, b, p));
    v.push_back(1.0);
    return v;
  };
  auto predict = [&](const std::vector<double>& M, const std::vector<double>& x) {
    std::vector<double> out(n, 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < cols; ++j) out[i] += M[i * cols + j] * x[j];
    return out;
  };
  int since_refresh = 0;
  for (int t = 0; t < batch.T; ++t) {
    if (t > 0) {
      if (J0) {  // J -= J_lr / B sum_b (J a_{t-1} - a_t) a_{t-1}^T
        std::vector<double> grad(J.size(), 0.0);
        for (int b = 0; b < B; ++b) {
          const std::vector<double> prev = row_of(s.a[t - 1], b, n), now = row_of(s.a[t], b, n);
          for (int i = 0; i < n; ++i) {
            double err = -now[i];
            for (int j = 0; j < n; ++j) err += J[i * n + j] * prev[j];
            for (int j = 0; j < n; ++j) grad[i * n + j] += err * prev[j];
          }
        }
        for (size_t i = 0; i < J.size(); ++i) J[i] -= J_lr / B * grad[i];
      }
      std::vector<double> grad(A.size(), 0.0);
      for (int b = 0; b < B; ++b) {
        const std::vector<double> v = predict(A_bar, atil(t, b));
        std::vector<double> target(n, 0.0);
        if (J0) {
          for (int j = 0; j < n; ++j)
            for (int i = 0; i < n; ++i) target[j] += v[i] * J[i * n + j];
        } else {
          target = times_jacobian(rc, W, v, row_of(s.dphi[t], b, n));
        }
        for (int i = 0; i < n; ++i) target[i] += s.c[t - 1][b * n + i];
        const std::vector<double> x = atil(t - 1, b), p = predict(A, x);
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < cols; ++j) grad[i * cols + j] += (p[i] - target[i]) * x[j];
      }
      for (size_t i = 0; i < A.size(); ++i) A[i] -= lr / B * grad[i];
      if (++since_refresh >= refresh) {
        A_bar = A;
        since_refresh = 0;
      }
    }
    for (int b = 0; b < B; ++b) {
      const std::vector<double> sg = predict(A, atil(t, b));
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j)
          gW[i * k + j] += rc.alpha * s.dphi[t][b * n + i] * sg[i] * s.ahat[t][b * k + j];
    }
  }
  return {gW, A, J};
}

Dni& as_dni(Rule& rule) { return dynamic_cast<Dni&>(rule); }

TEST(Dni, MatchesItsEquationsWrittenAsLoops) {
  for (const double alpha : {1.0, 0.6}) {
    const RateRnnConfig rc = tiny_rate_config(alpha);
    const RateRnnParams params = tiny_rate_params(rc, 3);
    const Batch batch = test::random_batch(12, 2, rc.m, rc.o, rc.loss, 4);
    auto rule = make_algorithm("dni", rc, DType::f64, Device::cpu, {{"lr", "0.3"}, {"refresh", "3"}});
    const std::vector<double> A0 = as_dni(*rule).module();
    const std::vector<double> got = window_w_gradient(*rule, rc, params, batch);
    const DniResult want = direct_dni(rc, params.W.to_host(), params.W_outb.to_host(), batch, A0, 0.3, 3);
    ASSERT_GT(test::norm(want.gW), 0.0);
    EXPECT_LT(test::relative_error(got, want.gW), 1e-12) << alpha;
    EXPECT_LT(test::relative_error(as_dni(*rule).module(), want.A), 1e-12) << alpha;
    EXPECT_GT(test::relative_error(want.A, A0), 1e-3) << alpha;  // the window taught the module
  }
}

// The local version: the target goes back one step through a Jacobian learned from W_rec.
TEST(Dni, LocalVersionMatchesItsEquationsWrittenAsLoops) {
  for (const double alpha : {1.0, 0.6}) {
    const RateRnnConfig rc = tiny_rate_config(alpha);
    const RateRnnParams params = tiny_rate_params(rc, 3);
    const Batch batch = test::random_batch(12, 2, rc.m, rc.o, rc.loss, 4);
    auto rule = make_algorithm("dni", rc, DType::f64, Device::cpu,
                               {{"lr", "0.3"}, {"refresh", "3"}, {"jacobian", "learned"}, {"jacobian_lr", "0.7"}});
    const std::vector<double> A0 = as_dni(*rule).module(), W = params.W.to_host();
    EXPECT_TRUE(as_dni(*rule).learned_jacobian().empty());  // J is W_rec as the rule first sees it
    std::vector<double> W_rec;
    for (int i = 0; i < rc.n; ++i)
      for (int j = 0; j < rc.n; ++j) W_rec.push_back(W[i * rc.k() + j]);
    const std::vector<double> got = window_w_gradient(*rule, rc, params, batch);
    const DniResult want = direct_dni(rc, W, params.W_outb.to_host(), batch, A0, 0.3, 3, &W_rec, 0.7);
    ASSERT_GT(test::norm(want.gW), 0.0);
    EXPECT_LT(test::relative_error(got, want.gW), 1e-12) << alpha;
    EXPECT_LT(test::relative_error(as_dni(*rule).module(), want.A), 1e-12) << alpha;
    EXPECT_LT(test::relative_error(as_dni(*rule).learned_jacobian(), want.J), 1e-12) << alpha;
    EXPECT_GT(test::relative_error(want.J, W_rec), 1e-3) << alpha;  // the window taught J
    // And the exact version's module differs: the learned Jacobian is really used.
    const DniResult exact = direct_dni(rc, W, params.W_outb.to_host(), batch, A0, 0.3, 3);
    EXPECT_GT(test::relative_error(want.A, exact.A), 1e-6) << alpha;
  }
}

TEST(Dni, LocalVersionIsExactWhereWrecIsTheJacobian) {
  // alpha = 1 and W_rec = 0: the exact Jacobian J_t = alpha D_t W_rec + (1 - alpha) I is 0 =
  // W_rec, so the local version with J frozen at W_rec (jacobian_lr = 0) is the exact one.
  const RateRnnConfig rc = tiny_rate_config(1.0);
  const RateRnnParams params = tiny_rate_params_without_recurrence(rc, 7);
  auto exact = make_algorithm("dni", rc, DType::f64, Device::cpu, {{"lr", "0.3"}});
  auto local = make_algorithm("dni", rc, DType::f64, Device::cpu,
                              {{"lr", "0.3"}, {"jacobian", "learned"}, {"jacobian_lr", "0"}});
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Batch batch = test::random_batch(10, 3, rc.m, rc.o, rc.loss, seed);
    EXPECT_LT(test::relative_error(window_w_gradient(*local, rc, params, batch),
                                   window_w_gradient(*exact, rc, params, batch)), 1e-14);
  }
  EXPECT_LT(test::relative_error(as_dni(*local).module(), as_dni(*exact).module()), 1e-14);
  EXPECT_EQ(test::norm(as_dni(*local).learned_jacobian()), 0.0);
}

// DNI with the exact credit of the state in place of its module.
class OracleDni final : public Dni {
 public:
  OracleDni(const RateRnnConfig& rc, std::vector<std::vector<double>> credit)
      : Dni(rc, DType::f64, Device::cpu, DniConfig{}), credit_(std::move(credit)) {}

 protected:
  void synthetic_gradient(Tensor& sg, const Tensor& /*atil*/, int t) override {
    ops::copy(sg, Tensor::from_host(credit_.at(t), sg.shape(), DType::f64));
  }

 private:
  std::vector<std::vector<double>> credit_;  // per step, [B, n]
};

TEST(Dni, WithTheExactCreditItIsBptt) {
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params(rc, 5);
  const Batch batch = test::random_batch(10, 3, rc.m, rc.o, rc.loss, 6);
  const std::vector<double> W = params.W.to_host();
  const RateForward s = direct_rate_forward(rc, W, params.W_outb.to_host(), batch);
  // delta_t = c_t + delta_{t+1} J_{t+1}, backwards from the window's end.
  std::vector<std::vector<double>> credit(batch.T, std::vector<double>(static_cast<size_t>(batch.B) * rc.n));
  for (int b = 0; b < batch.B; ++b) {
    std::vector<double> next(rc.n, 0.0);
    for (int t = batch.T - 1; t >= 0; --t) {
      std::vector<double> delta = t + 1 < batch.T ? times_jacobian(rc, W, next, row_of(s.dphi[t + 1], b, rc.n)) : std::vector<double>(rc.n, 0.0);
      for (int i = 0; i < rc.n; ++i) delta[i] += s.c[t][b * rc.n + i];
      for (int i = 0; i < rc.n; ++i) credit[t][static_cast<size_t>(b) * rc.n + i] = delta[i];
      next = delta;
    }
  }
  OracleDni oracle(rc, credit);
  oracle.set_adapting(false);
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  const std::vector<double> exact = window_w_gradient(*bptt, rc, params, batch);
  EXPECT_LT(test::relative_error(window_w_gradient(oracle, rc, params, batch), exact), 1e-12);
  EXPECT_EQ(oracle.gradient().W_outb.to_host(), bptt->gradient().W_outb.to_host());  // the readout is exact
}

TEST(Dni, LearnsTheCreditOfANetworkWithoutRecurrence) {
  // alpha = 1 and W_rec = 0: a_t does not reach later steps, so dL/da_t = c_t = W_out^T e_t, which
  // for MSE with the loss on every step is linear in [a_t; y*_t; 1]. The module learns it.
  const RateRnnConfig rc = tiny_rate_config(1.0);
  const RateRnnParams params = tiny_rate_params_without_recurrence(rc, 7);
  auto batch_of = [&](uint64_t seed) {
    Batch b = test::random_batch(10, 8, rc.m, rc.o, rc.loss, seed);
    std::fill(b.loss_mask.begin(), b.loss_mask.end(), 1.0);
    return b;
  };
  auto rule = make_algorithm("dni", rc, DType::f64, Device::cpu, {{"lr", "0.5"}});
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  const Batch probe = batch_of(1);
  const std::vector<double> exact = window_w_gradient(*bptt, rc, params, probe);
  rule->set_adapting(false);
  const double before = test::relative_error(window_w_gradient(*rule, rc, params, probe), exact);
  rule->set_adapting(true);
  for (int w = 0; w < 300; ++w) window_w_gradient(*rule, rc, params, batch_of(100 + w));
  rule->set_adapting(false);
  const double after = test::relative_error(window_w_gradient(*rule, rc, params, probe), exact);
  std::printf("dni without recurrence: relative error %.3g before learning, %.3g after\n", before, after);
  EXPECT_GT(before, 0.5);
  EXPECT_LT(after, 0.05);
}

TEST(Dni, ModulePersistsFreezesAndRunsOnline) {
  const RateRnnConfig rc = tiny_rate_config(0.6);
  const RateRnnParams params = tiny_rate_params(rc, 8);
  const Batch batch = test::random_batch(8, 2, rc.m, rc.o, rc.loss, 9);
  auto rule = make_algorithm("dni", rc, DType::f64, Device::cpu);
  EXPECT_TRUE(rule->adapts());
  EXPECT_FALSE(rule->stochastic());
  EXPECT_TRUE(rule->supports_online_updates());
  const std::vector<double> A0 = as_dni(*rule).module();
  window_w_gradient(*rule, rc, params, batch);
  const std::vector<double> A1 = as_dni(*rule).module();
  EXPECT_NE(A1, A0);
  rule->set_adapting(false);
  const std::vector<double> frozen = window_w_gradient(*rule, rc, params, batch);
  EXPECT_EQ(as_dni(*rule).module(), A1);
  EXPECT_EQ(window_w_gradient(*rule, rc, params, batch), frozen);
  // The online path (Learner::begin and step) hands the batch to the rule as run_window does.
  Learner learner(std::make_unique<RateRnn>(rc, DType::f64, Device::cpu), "dni", {});
  std::vector<double> flat = params.W.to_host();
  for (double v : params.W_outb.to_host()) flat.push_back(v);
  learner.set_params(flat);
  const DeviceBatch db = to_device(batch, DType::f64, Device::cpu);
  learner.begin(db, 1);
  for (int t = 0; t < db.T; ++t) learner.step(db, t);
  learner.end();
  EXPECT_GT(test::norm(learner.gradient().W.to_host()), 0.0);
  EXPECT_THROW(as_dni(*rule).set_module({1.0}), std::invalid_argument);
  // The learned Jacobian persists across windows and freezes with the module.
  auto local = make_algorithm("dni", rc, DType::f64, Device::cpu, {{"jacobian", "learned"}, {"jacobian_lr", "0.5"}});
  window_w_gradient(*local, rc, params, batch);
  const std::vector<double> J1 = as_dni(*local).learned_jacobian();
  window_w_gradient(*local, rc, params, batch);
  const std::vector<double> J2 = as_dni(*local).learned_jacobian();
  EXPECT_NE(J2, J1);
  local->set_adapting(false);
  window_w_gradient(*local, rc, params, batch);
  EXPECT_EQ(as_dni(*local).learned_jacobian(), J2);
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"lr", "0"}, {"refresh", "0"}, {"init_scale", "-1"}, {"jacobian", "approximate"}, {"jacobian_lr", "-1"}})
    EXPECT_THROW(make_algorithm("dni", rc, DType::f64, Device::cpu, {{name, value}}), std::invalid_argument) << name;
}

}  // namespace
}  // namespace tca
