// Training on the GPU against training on the CPU: the optimizer op, then whole runs (same
// seeds, batches and Philox draws). Labelled gpu; skips without a device.
#include <gtest/gtest.h>

#include <cmath>

#include "bench/experiments/train.h"
#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

class CudaTrainTest : public testing::Test {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
};

TEST_F(CudaTrainTest, AdamUpdateMatchesTheCpu) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const int64_t n = 1000;
    const Tensor g = test::random_tensor({n}, dtype, 5);
    Tensor p_cpu = test::random_tensor({n}, dtype, 6), m_cpu = test::random_tensor({n}, dtype, 7);
    Tensor v_cpu = test::random_tensor({n}, dtype, 8);
    ops::mul(v_cpu, v_cpu, v_cpu, 1.0);  // second moments are non-negative
    Tensor p_gpu = p_cpu.to(Device::cuda), m_gpu = m_cpu.to(Device::cuda), v_gpu = v_cpu.to(Device::cuda);
    const Tensor g_gpu = g.to(Device::cuda);
    for (int step = 1; step <= 3; ++step) {
      ops::adam_update(p_cpu, g, m_cpu, v_cpu, 0.01, 0.9, 0.999, 1e-8, step, 0.7);
      ops::adam_update(p_gpu, g_gpu, m_gpu, v_gpu, 0.01, 0.9, 0.999, 1e-8, step, 0.7);
    }
    const double tol = dtype == DType::f32 ? 1e-6 : 1e-14;
    for (const auto& [gpu, cpu] : {std::pair<const Tensor*, const Tensor*>{&p_gpu, &p_cpu}, {&m_gpu, &m_cpu},
                                   {&v_gpu, &v_cpu}}) {
      const std::vector<double> want = cpu->to_host();
      ASSERT_GT(test::norm(want), 0.0);
      EXPECT_LT(test::relative_error(gpu->to_host(), want), tol) << to_string(dtype);
    }
  }
}

TEST_F(CudaTrainTest, TrainingRunsMatchTheCpu) {
  for (const char* rule : {"rtrl", "uoro", "rflo"}) {
    TrainConfig c;
    c.task = "add-v0";
    c.task_params = {{"T", "20"}};
    c.algorithm = rule;
    c.hidden = 8;
    c.batch = 4;
    c.seeds = {1};
    c.learning_rates = {1e-2};
    c.iterations = 6;
    c.eval_every = 3;
    c.eval_batch = 16;
    c.dtype = DType::f64;  // double: the comparison is not blurred by float rounding over steps
    const TrainResult cpu = run_training(c);
    c.device = Device::cuda;
    const TrainResult gpu = run_training(c);
    ASSERT_EQ(cpu.runs[0].curve.size(), gpu.runs[0].curve.size());
    for (size_t i = 0; i < cpu.runs[0].curve.size(); ++i)
      EXPECT_NEAR(gpu.runs[0].curve[i].validation_loss, cpu.runs[0].curve[i].validation_loss,
                  1e-9 * std::abs(cpu.runs[0].curve[i].validation_loss))
          << rule << " point " << i;
    EXPECT_NEAR(gpu.runs[0].test_loss, cpu.runs[0].test_loss, 1e-9 * std::abs(cpu.runs[0].test_loss)) << rule;
  }
}

TEST_F(CudaTrainTest, RunsSideBySideOnTheirOwnStreamsGiveTheSequentialResults) {
  // Six runs (2 rates x 3 seeds) three at a time, each worker thread on its own stream, against
  // one at a time: the same curves and scores, in the same order, bit for bit. cuBLAS keeps its
  // results bitwise reproducible under concurrent streams when each stream has a handle of its
  // own, as each thread's does here (kernels/cuda/blas.cu).
  for (const char* rule : {"uoro", "rflo"}) {
    TrainConfig c;
    c.task = "add-v0";
    c.task_params = {{"T", "20"}};
    c.algorithm = rule;
    c.hidden = 16;
    c.batch = 8;
    c.seeds = {1, 2, 3};
    c.learning_rates = {1e-2, 3e-3};
    c.iterations = 8;
    c.eval_every = 4;
    c.eval_batch = 32;
    c.device = Device::cuda;
    const TrainResult one = run_training(c, nullptr, 1);
    const TrainResult three = run_training(c, nullptr, 3);
    EXPECT_EQ(one.parallel_runs, 1);
    EXPECT_EQ(three.parallel_runs, 3);
    ASSERT_EQ(one.runs.size(), three.runs.size());
    for (size_t r = 0; r < one.runs.size(); ++r) {
      ASSERT_EQ(one.runs[r].curve.size(), three.runs[r].curve.size());
      for (size_t i = 0; i < one.runs[r].curve.size(); ++i)
        EXPECT_EQ(three.runs[r].curve[i].validation_loss, one.runs[r].curve[i].validation_loss)
            << rule << " run " << r << " point " << i;
      EXPECT_EQ(three.runs[r].test_loss, one.runs[r].test_loss) << rule << " run " << r;
    }
  }
}

}  // namespace
}  // namespace tca
