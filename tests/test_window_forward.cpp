// The rate network's precomputed window (RateRnn::precompute_window: the recurrence in one
// ops::rnn_forward_sequence, the readout, loss and c_t over all steps at once), which the GPU
// takes by default, against the step-by-step forward pass: every rule of the rate network
// gets the same gradient and loss from both, windows resumed from a precomputed one continue
// from its last state, and the automatic choice keeps the CPU step by step.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "algorithms/registry.h"
#include "algorithms/rule.h"
#include "models/rate_rnn.h"
#include "tests/rule_helpers.h"
#include "test_util.h"

namespace tca {
namespace {

using Mode = RateRnn::WindowForward;

class WindowForwardTest : public testing::TestWithParam<DType> {
 protected:
  DType dtype() const { return GetParam(); }
  // Float: the two paths sum h and the loss in different orders, and the rules carry that
  // over a window of 17 steps.
  double tol() const { return dtype() == DType::f32 ? 1e-5 : 1e-12; }
  static RateRnnConfig config(LossKind loss) {
    RateRnnConfig rc;
    rc.n = 9;
    rc.m = 3;
    rc.o = 2;
    rc.alpha = 0.7;
    rc.loss = loss;
    return rc;
  }
  RateRnnParams params_for(const RateRnnConfig& rc) const {
    InitOptions init;
    init.gain = 1.3;
    init.bias_scale = 0.3;
    return init_params(rc, 5, dtype(), Device::cpu, init);
  }
};

struct WindowResult {
  double loss;
  std::vector<double> gradient, outputs;
};

WindowResult run(const std::string& rule, const RateRnnConfig& rc, const RateRnnParams& params,
                 const DeviceBatch& batch, DType dtype, Mode mode) {
  RateRnn model(rc, dtype, Device::cpu);
  model.set_window_forward(mode);
  auto algorithm = make_algorithm(rule, rc, dtype, Device::cpu);
  WindowResult r;
  r.loss = run_window(model, params, batch, algorithm.get(), 11, &r.outputs);
  r.gradient = algorithm->gradient().W.to_host();
  const std::vector<double> out = algorithm->gradient().W_outb.to_host();
  r.gradient.insert(r.gradient.end(), out.begin(), out.end());
  return r;
}

TEST_P(WindowForwardTest, EveryRuleGetsTheStepwiseGradientAndLoss) {
  for (const LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    const RateRnnConfig rc = config(loss);
    const RateRnnParams params = params_for(rc);
    Batch host = test::random_batch(17, 4, rc.m, rc.o, rc.loss, 21);
    for (int b = 0; b < host.B; ++b) host.loss_mask[5 * host.B + b] = 0.0;  // a masked step
    const DeviceBatch batch = to_device(host, dtype(), Device::cpu);
    for (const RegisteredRuleInfo& info : rules_of("rate")) {
      SCOPED_TRACE(info.id + (loss == LossKind::mse ? ", mse" : ", cross-entropy"));
      const WindowResult stepwise = run(info.id, rc, params, batch, dtype(), Mode::stepwise);
      const WindowResult window = run(info.id, rc, params, batch, dtype(), Mode::window);
      EXPECT_NEAR(window.loss, stepwise.loss, tol() * std::abs(stepwise.loss));
      EXPECT_LT(test::relative_error(window.outputs, stepwise.outputs), tol());
      if (test::norm(stepwise.gradient) > 0.0) {
        EXPECT_LT(test::relative_error(window.gradient, stepwise.gradient), tol());
      } else {
        EXPECT_EQ(test::norm(window.gradient), 0.0);
      }
    }
  }
}

TEST_P(WindowForwardTest, ResumedWindowsContinueFromTheLastState) {
  // Three windows of one stream (the evaluation's warm-up and scored part, the online
  // regime's windows), each precomputed or each step by step.
  const RateRnnConfig rc = config(LossKind::mse);
  const RateRnnParams params = params_for(rc);
  std::vector<DeviceBatch> windows;
  for (uint64_t seed : {31, 32, 33})
    windows.push_back(to_device(test::random_batch(6, 3, rc.m, rc.o, rc.loss, seed), dtype(), Device::cpu));
  auto losses = [&](Mode mode) {
    RateRnn model(rc, dtype(), Device::cpu);
    model.set_window_forward(mode);
    std::vector<double> out;
    for (size_t i = 0; i < windows.size(); ++i) out.push_back(run_window(model, params, windows[i], nullptr, 0, nullptr, i > 0));
    out.push_back(test::norm(model.state().a.to_host()));
    return out;
  };
  const std::vector<double> stepwise = losses(Mode::stepwise), window = losses(Mode::window);
  ASSERT_EQ(window.size(), stepwise.size());
  for (size_t i = 0; i < stepwise.size(); ++i) EXPECT_NEAR(window[i], stepwise[i], tol() * std::abs(stepwise[i]));
  // And a precomputed window followed by a stepwise one (online steps after an evaluation).
  RateRnn model(rc, dtype(), Device::cpu);
  model.set_window_forward(Mode::window);
  run_window(model, params, windows[0], nullptr, 0);
  model.resume();
  for (int t = 0; t < windows[1].T; ++t) model.step(params, windows[1], t);
  EXPECT_NEAR(model.window_loss(), stepwise[1], tol() * std::abs(stepwise[1]));
}

TEST_P(WindowForwardTest, AutomaticStaysStepwiseOnTheCpuAndChecksItsBatch) {
  const RateRnnConfig rc = config(LossKind::mse);
  const RateRnnParams params = params_for(rc);
  const DeviceBatch batch = to_device(test::random_batch(5, 2, rc.m, rc.o, rc.loss, 41), dtype(), Device::cpu);
  RateRnn model(rc, dtype(), Device::cpu);
  model.begin(batch.B);
  EXPECT_FALSE(model.precompute_window(params, batch));  // automatic: never on the CPU
  model.set_window_forward(Mode::window);
  model.begin(batch.B);
  ASSERT_TRUE(model.precompute_window(params, batch));
  const DeviceBatch other = batch;  // the same tensors, another object: not the window's batch
  EXPECT_THROW(model.step(params, other, 0), std::logic_error);
  EXPECT_THROW(model.step(params, batch, batch.T), std::out_of_range);
  EXPECT_THROW(model.step_perturbed(params, batch, 0, Tensor::zeros({batch.B, rc.n}, dtype())), std::logic_error);
  model.begin(batch.B + 1);
  const DeviceBatch wrong = to_device(test::random_batch(5, 2, rc.m, rc.o, rc.loss, 42), dtype(), Device::cpu);
  EXPECT_THROW(model.precompute_window(params, wrong), std::invalid_argument);
  model.begin(batch.B);
  DeviceBatch empty = to_device(test::random_batch(1, 2, rc.m, rc.o, rc.loss, 43), dtype(), Device::cpu);
  empty.T = 0;
  EXPECT_FALSE(model.precompute_window(params, empty));  // no steps: nothing to precompute
}

TEST(WindowForwardSize, TheDefaultGridsLargestWindowFitsTheCap) {
  // An evaluation batch of 512 on path_integration-v0 (m = 4, o = 2, T = 100) at n = 128:
  // 100 x 512 x (5 n + k + 2 o + 1) floats and a double each, plus a_{-1}.
  RateRnnConfig rc;
  rc.n = 128;
  rc.m = 4;
  rc.o = 2;
  const size_t bytes = RateRnn::window_bytes(rc, 100, 512, DType::f32);
  EXPECT_EQ(bytes, size_t{100} * 512 * ((5 * 128 + 133 + 1 + 4) * 4 + 8) + 512 * 128 * 4);
  EXPECT_LE(bytes, RateRnn::kMaxWindowBytes);
}

INSTANTIATE_TEST_SUITE_P(Precision, WindowForwardTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& i) { return to_string(i.param); });

}  // namespace
}  // namespace tca
