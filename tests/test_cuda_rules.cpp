// Every learning rule on the GPU against the same rule on the CPU: same parameters, batch and
// Philox draws, so even the stochastic rules must agree. Labelled gpu; skips without a device.
#include <gtest/gtest.h>


#include "algorithms/algorithm.h"
#include "test_util.h"

namespace tca {
namespace {

struct RuleCase {
  std::string rule;
  DType dtype;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.rule << " " << to_string(c.dtype); }

class CudaRulesTest : public testing::TestWithParam<RuleCase> {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
};

std::vector<double> gradient_on(Device device, const RuleCase& c, LossKind loss, double* window_loss) {
  RateRnnConfig rc;
  rc.n = 12;
  rc.m = 3;
  rc.o = 2;
  rc.alpha = 0.7;
  rc.loss = loss;
  InitOptions init;
  init.gain = 1.1;
  init.bias_scale = 0.2;
  const RateRnnParams host = init_params(rc, 3, c.dtype, Device::cpu, init);
  const RateRnnParams params{host.W.to(device), host.W_outb.to(device)};
  const Batch batch = test::random_batch(15, 3, rc.m, rc.o, loss, 4);
  RateRnn model(rc, c.dtype, device);
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
  for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    double loss_cpu = 0, loss_gpu = 0;
    const std::vector<double> cpu = gradient_on(Device::cpu, c, loss, &loss_cpu);
    const std::vector<double> gpu = gradient_on(Device::cuda, c, loss, &loss_gpu);
    ASSERT_GT(test::norm(cpu), 0.0);
    for (double v : gpu) ASSERT_TRUE(std::isfinite(v));
    const double err = test::relative_error(gpu, cpu);
    RecordProperty("relative_error", std::to_string(err));
    EXPECT_LT(err, tol) << c.rule;
    EXPECT_NEAR(loss_gpu, loss_cpu, tol * std::abs(loss_cpu));
  }
}

std::vector<RuleCase> all_rules() {
  std::vector<RuleCase> cases;
  for (const AlgorithmInfo& info : algorithm_registry())
    for (DType d : {DType::f32, DType::f64}) cases.push_back({info.id, d});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, CudaRulesTest, testing::ValuesIn(all_rules()),
                         [](const testing::TestParamInfo<RuleCase>& i) {
                           return i.param.rule + "_" + to_string(i.param.dtype);
                         });

}  // namespace
}  // namespace tca
