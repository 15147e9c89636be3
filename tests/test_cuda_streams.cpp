// The CUDA backend's streams (kernels/cuda/runtime.h): one per thread, a guard that moves a
// scope's work to another stream, and results that do not depend on the stream. Labelled
// gpu; skips without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "tests/rule_helpers.h"
#include "algorithms/rate_rule.h"
#include "kernels/cuda/runtime.h"
#include "test_util.h"

namespace tca {
namespace {

class CudaStreamsTest : public testing::Test {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
};

// The gradient of one window of `rule` in double on the GPU, on whatever stream is current.
std::vector<double> gpu_gradient(const std::string& rule, uint64_t noise_seed) {
  RateRnnConfig rc;
  rc.n = 10;
  rc.m = 2;
  rc.o = 3;
  rc.alpha = 0.6;
  rc.loss = LossKind::cross_entropy;
  InitOptions init;
  init.gain = 1.1;
  init.bias_scale = 0.2;
  const RateRnnParams params = init_params(rc, 7, DType::f64, Device::cuda, init);
  const Batch batch = test::random_batch(12, 4, rc.m, rc.o, rc.loss, 8);
  RateRnn model(rc, DType::f64, Device::cuda);
  auto algorithm = make_algorithm(rule, rc, DType::f64, Device::cuda);
  run_window(model, params, to_device(batch, DType::f64, Device::cuda), *algorithm, noise_seed);
  std::vector<double> g = algorithm->gradient().W.to_host();
  const std::vector<double> out = algorithm->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  return g;
}

TEST_F(CudaStreamsTest, EveryThreadHasItsOwnStreamAndGuardsNest) {
  const cuda::Stream mine = cuda::current_stream();
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(cuda::current_stream(), mine);
  EXPECT_EQ(cuda::thread_stream(), mine);
  cuda::Stream other = nullptr;
  std::thread([&] { other = cuda::current_stream(); }).join();
  EXPECT_NE(other, nullptr);
  EXPECT_NE(other, mine);

  cuda::OwnedStream a, b;
  {
    cuda::StreamGuard on_a(a.get());
    EXPECT_EQ(cuda::current_stream(), a.get());
    {
      cuda::StreamGuard on_b(b.get());
      EXPECT_EQ(cuda::current_stream(), b.get());
      EXPECT_EQ(cuda::thread_stream(), mine);
    }
    EXPECT_EQ(cuda::current_stream(), a.get());
  }
  EXPECT_EQ(cuda::current_stream(), mine);
}

TEST_F(CudaStreamsTest, RulesGiveTheSameGradientOnAnotherStream) {
  // rtrl exercises cuBLAS (its handle follows the guard), uoro and kf_rtrl the per-sequence
  // ops and factor kernels, bptt the copies of its stored window.
  for (const std::string rule : {"rtrl", "uoro", "kf_rtrl", "bptt"}) {
    const std::vector<double> want = gpu_gradient(rule, 3);
    ASSERT_GT(test::norm(want), 0.0) << rule;
    cuda::OwnedStream side;
    std::vector<double> got;
    {
      cuda::StreamGuard on_side(side.get());
      got = gpu_gradient(rule, 3);
    }
    // cuBLAS promises bitwise equal results only with one active stream: compare to rounding.
    EXPECT_LT(test::relative_error(got, want), 1e-12) << rule;
  }
}

TEST_F(CudaStreamsTest, ConcurrentThreadsGetTheirSequentialResults) {
  const std::vector<std::string> rules = {"rtrl", "uoro", "rkf_rtrl", "rflo"};
  std::vector<std::vector<double>> sequential, concurrent(rules.size());
  for (const std::string& rule : rules) sequential.push_back(gpu_gradient(rule, 5));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(rules.size());
  for (size_t i = 0; i < rules.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        concurrent[i] = gpu_gradient(rules[i], 5);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < rules.size(); ++i) {
    ASSERT_EQ(errors[i], "") << rules[i];
    ASSERT_GT(test::norm(sequential[i]), 0.0) << rules[i];
    EXPECT_LT(test::relative_error(concurrent[i], sequential[i]), 1e-12) << rules[i];
  }
}

TEST_F(CudaStreamsTest, CopiesToTheHostWaitForTheirStream) {
  // A large fill queued on a side stream, then read back under the same guard: the copy must
  // wait for the fill, not race it.
  const int64_t count = int64_t{1} << 26;
  cuda::OwnedStream side;
  cuda::StreamGuard on_side(side.get());
  Tensor x({count}, DType::f32, Device::cuda);
  ops::fill(x, 0.0);
  ops::fill(x, 2.5);
  ops::scale(x, 2.0);
  const std::vector<double> v = x.to_host();
  EXPECT_EQ(v.front(), 5.0);
  EXPECT_EQ(v[static_cast<size_t>(count / 2)], 5.0);
  EXPECT_EQ(v.back(), 5.0);
  EXPECT_EQ(ops::nrm2(x), 5.0 * std::sqrt(static_cast<double>(count)));
}

TEST_F(CudaStreamsTest, FreedMemoryStaysInThePoolAndCountsAsFree) {
  // Freed device memory stays with the stream-ordered pool for the next allocation; the
  // memory checks before a run (available_memory) must still count it as free.
  // Synchronised before each reading: the pool counts a free once the stream has reached it.
  const size_t mib = size_t{1} << 20;
  cuda::synchronize();
  const size_t before = cuda::free_memory();
  {
    Tensor x({int64_t{1} << 26}, DType::f32, Device::cuda);  // 256 MiB
    ops::fill(x, 1.0);
    cuda::synchronize();
    EXPECT_LT(cuda::free_memory(), before - 200 * mib);
  }
  cuda::synchronize();
  EXPECT_GT(cuda::free_memory(), before - 16 * mib);
  // A later allocation of the same size, on another thread's stream too, succeeds and holds
  // what it was given.
  std::thread([] {
    Tensor y({int64_t{1} << 26}, DType::f32, Device::cuda);
    ops::fill(y, 2.0);
    EXPECT_EQ(ops::nrm2(y), 2.0 * std::sqrt(double(int64_t{1} << 26)));
  }).join();
}

}  // namespace
}  // namespace tca
