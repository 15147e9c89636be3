// Exactness of the reference rules: BPTT against central finite differences in double, and
// RTRL against BPTT (double to 1e-10, float to 1e-5).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/rule_helpers.h"
#include "algorithms/rate_rule.h"
#include "test_util.h"

namespace tca {
namespace {

struct Case {
  LossKind loss;
  double alpha;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << (c.loss == LossKind::mse ? "mse" : "cross-entropy") << ", alpha " << c.alpha;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string s = info.param.loss == LossKind::mse ? "mse" : "ce";
  return s + (info.param.alpha == 1.0 ? "_alpha1" : "_alpha_half");
}

RateRnnConfig small_config(const Case& c, int n) {
  RateRnnConfig rc;
  rc.n = n;
  rc.m = 3;
  rc.o = 2;
  rc.alpha = c.alpha;
  rc.loss = c.loss;
  return rc;
}

// Parameters with non-zero biases and a gain that keeps the dynamics non-trivial.
RateRnnParams random_params(const RateRnnConfig& rc, DType dtype, uint64_t seed) {
  InitOptions init;
  init.gain = 1.2;
  init.bias_scale = 0.3;
  return init_params(rc, seed, dtype, Device::cpu, init);
}

std::vector<double> flat(const Gradients& grad) {
  std::vector<double> g = grad.W.to_host();
  const std::vector<double> out = grad.W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  return g;
}

std::vector<double> gradient_of(const std::string& rule, const RateRnnConfig& rc,
                                const RateRnnParams& params, const Batch& batch, DType dtype) {
  RateRnn model(rc, dtype, Device::cpu);
  auto alg = make_algorithm(rule, rc, dtype, Device::cpu);
  run_window(model, params, to_device(batch, dtype, Device::cpu), *alg, 0);
  return flat(alg->gradient());
}

// The loss from the forward pass alone (the rule attached is irrelevant to the loss).
double loss_of(const RateRnnConfig& rc, const std::vector<double>& W, const std::vector<double>& W_outb,
               const Batch& batch) {
  const RateRnnParams params{Tensor::from_host(W, {rc.n, rc.k()}, DType::f64),
                             Tensor::from_host(W_outb, {rc.o, rc.n + 1}, DType::f64)};
  RateRnn model(rc, DType::f64, Device::cpu);
  const DeviceBatch b = to_device(batch, DType::f64, Device::cpu);
  model.begin(batch.B);
  for (int t = 0; t < batch.T; ++t) model.step(params, b, t);
  return model.window_loss();
}

class GradientTest : public testing::TestWithParam<Case> {};

TEST_P(GradientTest, BpttMatchesCentralFiniteDifferences) {
  const RateRnnConfig rc = small_config(GetParam(), 5);
  const Batch batch = test::random_batch(7, 3, rc.m, rc.o, rc.loss, 11);
  const RateRnnParams params = random_params(rc, DType::f64, 5);
  const std::vector<double> g = gradient_of("bptt", rc, params, batch, DType::f64);
  std::vector<double> W = params.W.to_host(), W_outb = params.W_outb.to_host();

  // Every parameter of every group (W_rec, W_in, b, W_out, b_out).
  const double eps = 1e-5;
  std::vector<double> fd(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    double& p = i < W.size() ? W[i] : W_outb[i - W.size()];
    const double saved = p;
    p = saved + eps;
    const double up = loss_of(rc, W, W_outb, batch);
    p = saved - eps;
    const double down = loss_of(rc, W, W_outb, batch);
    p = saved;
    fd[i] = (up - down) / (2 * eps);
  }
  ASSERT_GT(test::norm(g), 1e-3);
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], fd[i], 1e-8 * std::max(1.0, std::abs(fd[i]))) << "parameter " << i;
  EXPECT_LT(test::relative_error(g, fd), 1e-8);
}

TEST_P(GradientTest, RtrlMatchesBpttInDouble) {
  const RateRnnConfig rc = small_config(GetParam(), 9);
  const Batch batch = test::random_batch(20, 4, rc.m, rc.o, rc.loss, 12);
  const RateRnnParams params = random_params(rc, DType::f64, 6);
  const std::vector<double> bptt = gradient_of("bptt", rc, params, batch, DType::f64);
  const std::vector<double> rtrl = gradient_of("rtrl", rc, params, batch, DType::f64);
  ASSERT_GT(test::norm(bptt), 1e-3);
  const double err = test::relative_error(rtrl, bptt);
  RecordProperty("relative_error", std::to_string(err));
  EXPECT_LT(err, 1e-10);
}

TEST_P(GradientTest, RtrlMatchesBpttInFloat) {
  const RateRnnConfig rc = small_config(GetParam(), 16);
  const Batch batch = test::random_batch(25, 3, rc.m, rc.o, rc.loss, 13);
  const RateRnnParams params = random_params(rc, DType::f32, 7);
  const std::vector<double> bptt = gradient_of("bptt", rc, params, batch, DType::f32);
  const std::vector<double> rtrl = gradient_of("rtrl", rc, params, batch, DType::f32);
  EXPECT_LT(test::relative_error(rtrl, bptt), 1e-5);
}

TEST_P(GradientTest, RtrlWithTf32ProductsIsCloseToBpttButNotExact) {
  // influence_product=tf32: J_t and M_{t-1} enter their product with 10 mantissa bits, so the
  // gradient moves by about 2^-10 relative per step, far more than float rounding (1e-5 above).
  const RateRnnConfig rc = small_config(GetParam(), 16);
  const Batch batch = test::random_batch(25, 3, rc.m, rc.o, rc.loss, 13);
  const RateRnnParams params = random_params(rc, DType::f32, 7);
  const std::vector<double> bptt = gradient_of("bptt", rc, params, batch, DType::f32);
  RateRnn model(rc, DType::f32, Device::cpu);
  auto rtrl = make_algorithm("rtrl", rc, DType::f32, Device::cpu, {{"influence_product", "tf32"}});
  EXPECT_EQ(rtrl->config().at("influence_product"), "tf32");
  run_window(model, params, to_device(batch, DType::f32, Device::cpu), *rtrl, 0);
  const double err = test::relative_error(flat(rtrl->gradient()), bptt);
  RecordProperty("relative_error", std::to_string(err));
  EXPECT_GT(err, 1e-5);
  EXPECT_LT(err, 2e-2);
  EXPECT_THROW(make_algorithm("rtrl", rc, DType::f64, Device::cpu, {{"influence_product", "tf32"}}),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(LossAndLeak, GradientTest,
                         testing::Values(Case{LossKind::mse, 1.0}, Case{LossKind::mse, 0.5},
                                         Case{LossKind::cross_entropy, 1.0},
                                         Case{LossKind::cross_entropy, 0.5}),
                         case_name);

TEST(Gradients, WindowsAreIndependent) {
  // A rule reused for a second window must not carry state over from the first.
  const RateRnnConfig rc = small_config({LossKind::mse, 0.7}, 6);
  const RateRnnParams params = random_params(rc, DType::f64, 8);
  const Batch first = test::random_batch(10, 2, rc.m, rc.o, rc.loss, 21);
  const Batch second = test::random_batch(10, 2, rc.m, rc.o, rc.loss, 22);
  for (const std::string rule : {"bptt", "rtrl"}) {
    RateRnn model(rc, DType::f64, Device::cpu);
    auto alg = make_algorithm(rule, rc, DType::f64, Device::cpu);
    run_window(model, params, to_device(first, DType::f64, Device::cpu), *alg, 0);
    run_window(model, params, to_device(second, DType::f64, Device::cpu), *alg, 0);
    EXPECT_EQ(flat(alg->gradient()), gradient_of(rule, rc, params, second, DType::f64)) << rule;
  }
}

TEST(Gradients, UnknownAlgorithmListsValidIds) {
  const RateRnnConfig rc = small_config({LossKind::mse, 1.0}, 4);
  try {
    make_algorithm("rtlr", rc, DType::f64, Device::cpu);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bptt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rtrl"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tca
