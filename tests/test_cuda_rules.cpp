// Every learning rule on the GPU against the same rule on the CPU: same parameters, batch and
// Philox draws, so even the stochastic rules must agree, norm-wise and entry by entry (each
// entry's error over the largest entry). Two sizes per network: a small one, and one that is no
// multiple of 32 and needs several blocks (n = 37, B = 7; 17 LIF + 20 ALIF units, B = 5).
// Labelled gpu; skips without a device.
#include <gtest/gtest.h>


#include "tests/rule_helpers.h"
#include "algorithms/rate_rule.h"
#include "algorithms/lif_rule.h"
#include "test_util.h"

namespace tca {
namespace {

struct RuleCase {
  std::string rule;
  DType dtype;
};

struct Size {
  int n;  // rate: hidden units; LIF: units of each kind are given by the test
  int B;
};

// The GPU's gradient and window loss against the CPU's, norm-wise and entry by entry; fatal
// failures (the caller checks HasFatalFailure) when the reference is zero or the GPU's is not finite.
void expect_backends_agree(const std::vector<double>& cpu, const std::vector<double>& gpu, double loss_cpu,
                           double loss_gpu, double tol, const RuleCase& c, int n) {
  ASSERT_GT(test::norm(cpu), 0.0);
  for (double v : gpu) ASSERT_TRUE(std::isfinite(v));
  const double err = test::relative_error(gpu, cpu);
  testing::Test::RecordProperty("relative_error_n" + std::to_string(n), std::to_string(err));
  EXPECT_LT(err, tol) << c.rule;
  EXPECT_LT(test::max_abs_error(gpu, cpu), tol) << c.rule;
  EXPECT_NEAR(loss_gpu, loss_cpu, tol * std::abs(loss_cpu));
}

class CudaRulesTest : public testing::TestWithParam<RuleCase> {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
};

// On the GPU the rate network precomputes each window by default (RateRnn::WindowForward:
// automatic); `mode` can force either path.
std::vector<double> gradient_on(Device device, const RuleCase& c, Size size, LossKind loss, double* window_loss,
                                RateRnn::WindowForward mode = RateRnn::WindowForward::automatic) {
  RateRnnConfig rc;
  rc.n = size.n;
  rc.m = 3;
  rc.o = 2;
  rc.alpha = 0.7;
  rc.loss = loss;
  InitOptions init;
  init.gain = 1.1;
  init.bias_scale = 0.2;
  const RateRnnParams host = init_params(rc, 3, c.dtype, Device::cpu, init);
  const RateRnnParams params{host.W.to(device), host.W_outb.to(device)};
  const Batch batch = test::random_batch(15, size.B, rc.m, rc.o, loss, 4);
  RateRnn model(rc, c.dtype, device);
  model.set_window_forward(mode);
  auto rule = make_algorithm(c.rule, rc, c.dtype, device);
  *window_loss = run_window(model, params, to_device(batch, c.dtype, device), *rule, 99);
  std::vector<double> g = rule->gradient().W.to_host();
  const std::vector<double> out = rule->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  return g;
}

TEST_P(CudaRulesTest, GradientMatchesTheCpuBackend) {
  const RuleCase c = GetParam();
  const double tol = c.dtype == DType::f32 ? 1e-5 : 1e-10;
  for (Size size : {Size{12, 3}, Size{37, 7}})
    for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
      SCOPED_TRACE("n = " + std::to_string(size.n) + ", B = " + std::to_string(size.B) +
                   (loss == LossKind::mse ? ", mse" : ", cross-entropy"));
      double loss_cpu = 0, loss_gpu = 0;
      const std::vector<double> cpu = gradient_on(Device::cpu, c, size, loss, &loss_cpu);
      const std::vector<double> gpu = gradient_on(Device::cuda, c, size, loss, &loss_gpu);
      expect_backends_agree(cpu, gpu, loss_cpu, loss_gpu, tol, c, size.n);
      if (HasFatalFailure()) return;
    }
}

TEST_P(CudaRulesTest, PrecomputedWindowMatchesTheStepwiseOneOnTheGpu) {
  // The one-launch recurrence and the whole-window readout against the GPU's step-by-step
  // forward pass: a failure here, with the test above passing for one of them, points at the path.
  const RuleCase c = GetParam();
  const double tol = c.dtype == DType::f32 ? 1e-5 : 1e-10;
  for (Size size : {Size{12, 3}, Size{37, 7}}) {
    SCOPED_TRACE("n = " + std::to_string(size.n) + ", B = " + std::to_string(size.B));
    double loss_step = 0, loss_window = 0;
    const std::vector<double> stepwise =
        gradient_on(Device::cuda, c, size, LossKind::cross_entropy, &loss_step, RateRnn::WindowForward::stepwise);
    const std::vector<double> window =
        gradient_on(Device::cuda, c, size, LossKind::cross_entropy, &loss_window, RateRnn::WindowForward::window);
    expect_backends_agree(stepwise, window, loss_step, loss_window, tol, c, size.n);
    if (HasFatalFailure()) return;
  }
}

// ---- the spiking network (models/lif_rnn.h, algorithms/lif_*) ----
class CudaLifRulesTest : public testing::TestWithParam<RuleCase> {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
};

// Short time constants, a strong adaptation and a readout filter, with the regulariser on, so
// that spikes, refractory periods and every term of every rule occur within 15 steps.
LifRnnConfig small_lif(LossKind loss, int n_lif, int n_alif) {
  LifRnnConfig c;
  c.n_lif = n_lif;
  c.n_alif = n_alif;
  c.m = 3;
  c.o = 2;
  c.tau_v = 8;
  c.tau_a = 25;
  c.tau_out = 5;
  c.v_th = 0.5;
  c.beta = 0.3;
  c.refractory = 3;
  c.rate_reg = 0.5;
  c.rate_target = 40;
  c.init_in_scale = 1.5;
  c.init_rec_scale = 1.5;
  c.loss = loss;
  return c;
}

std::vector<double> lif_gradient_on(Device device, const RuleCase& c, Size size, LossKind loss,
                                    double* window_loss, std::vector<double>* spikes) {
  const LifRnnConfig lc = small_lif(loss, size.n * 5 / 12, size.n - size.n * 5 / 12);
  const LifRnnParams host = init_lif_params(lc, 3, c.dtype, Device::cpu);
  const LifRnnParams params{host.W.to(device), host.W_outb.to(device)};
  const Batch batch = test::random_batch(15, size.B, lc.m, lc.o, loss, 4);
  LifRnn model(lc, c.dtype, device);
  auto rule = make_lif_algorithm(c.rule, lc, c.dtype, device);
  *window_loss = run_window(model, params, to_device(batch, c.dtype, device), *rule, 99);
  *spikes = model.state().spike_count.to_host();
  std::vector<double> g = rule->gradient().W.to_host();
  const std::vector<double> out = rule->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  return g;
}

TEST_P(CudaLifRulesTest, GradientMatchesTheCpuBackend) {
  const RuleCase c = GetParam();
  const double tol = c.dtype == DType::f32 ? 1e-5 : 1e-10;
  // 12 = 5 LIF + 7 ALIF units; 37 = 15 LIF + 22 ALIF.
  for (Size size : {Size{12, 3}, Size{37, 5}})
    for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
      SCOPED_TRACE("n = " + std::to_string(size.n) + ", B = " + std::to_string(size.B) +
                   (loss == LossKind::mse ? ", mse" : ", cross-entropy"));
      double loss_cpu = 0, loss_gpu = 0;
      std::vector<double> spikes_cpu, spikes_gpu;
      const std::vector<double> cpu = lif_gradient_on(Device::cpu, c, size, loss, &loss_cpu, &spikes_cpu);
      const std::vector<double> gpu = lif_gradient_on(Device::cuda, c, size, loss, &loss_gpu, &spikes_gpu);
      double total_spikes = 0;
      for (double s : spikes_cpu) total_spikes += s;
      ASSERT_GT(total_spikes, 0.0);
      ASSERT_EQ(spikes_gpu, spikes_cpu) << "the backends produced different spike trains";
      expect_backends_agree(cpu, gpu, loss_cpu, loss_gpu, tol, c, size.n);
      if (HasFatalFailure()) return;
    }
}

std::vector<RuleCase> all_lif_rules() {
  std::vector<RuleCase> cases;
  for (const RuleInfo& info : rules_of("lif"))
    for (DType d : {DType::f32, DType::f64}) cases.push_back({info.id, d});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryLifRule, CudaLifRulesTest, testing::ValuesIn(all_lif_rules()),
                         [](const testing::TestParamInfo<RuleCase>& i) {
                           return i.param.rule + "_" + to_string(i.param.dtype);
                         });

std::vector<RuleCase> all_rules() {
  std::vector<RuleCase> cases;
  for (const RuleInfo& info : rules_of("rate"))
    for (DType d : {DType::f32, DType::f64}) cases.push_back({info.id, d});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, CudaRulesTest, testing::ValuesIn(all_rules()),
                         [](const testing::TestParamInfo<RuleCase>& i) {
                           return i.param.rule + "_" + to_string(i.param.dtype);
                         });

}  // namespace
}  // namespace tca
