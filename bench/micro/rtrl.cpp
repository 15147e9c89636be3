// Google Benchmark microbenchmarks of the per-step cost of the exact rules on the CPU.
//
// BM_RtrlStep times one RTRL step (the influence update M_t = J_t M_{t-1} + Mbar_t and the
// gradient c^T M_t) for batch 1; BM_SgemmInfluenceShape times one SGEMM of the same shape as
// its O(n^4) part (n x n times n x nk) in the same run, so their ratio is RTRL's overhead over
// the floor a dense product sets. BM_BpttWindow times a whole dnms-v0 window (T = 29 steps,
// forward + backward; items/s = steps/s). Counters: FLOP/s from the counted operations.
// BM_RtrlBatchStep/n/B and BM_SgemmInfluenceBatch/n/B are the same pair at batch B: the floor is
// then one SGEMM of n x n times n x (B nk), every sequence's influence matrix side by side (the
// recurrent weights are shared by the batch).
//
//   tcabench_micro --benchmark_format=json --benchmark_repetitions=9
#include <benchmark/benchmark.h>

#include "algorithms/registry.h"
#include "models/rate_rnn.h"
#include "kernels/ops.h"
#include "tasks/task.h"

namespace tca {
namespace {

constexpr int kInputs = 2, kOutputs = 2;  // the dnms-v0 network's sizes

RateRnnConfig config_for(int n) {
  RateRnnConfig rc;
  rc.n = n;
  rc.m = kInputs;
  rc.o = kOutputs;
  rc.alpha = 1.0;
  rc.loss = LossKind::cross_entropy;
  return rc;
}

// One step of forward quantities from a real task batch, for the rules to consume.
struct Fixture {
  RateRnnConfig rc;
  RateRnnParams params;
  Batch batch;
  DeviceBatch device_batch;
  RateRnn model;
  explicit Fixture(int n, int B)
      : rc(config_for(n)),
        params(init_params(rc, 1, DType::f32, Device::cpu)),
        batch(make_task("dnms-v0")->sample(B, 1)),
        device_batch(to_device(batch, DType::f32, Device::cpu)),
        model(rc, DType::f32, Device::cpu) {
    model.begin(B);
    for (int t = 0; t < 5; ++t) model.step(params, device_batch, t);  // past the zero state
  }
};

void BM_RtrlStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Fixture f(n, 1);
  auto rtrl = make_rule(f.model, "rtrl");
  rtrl->reset(f.params, 1, 0);
  for (auto _ : state) rtrl->step(f.model);
  state.counters["FLOP/s"] = benchmark::Counter(rtrl->flops_per_step(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["state_MiB"] = static_cast<double>(rtrl->state_bytes(1)) / (1 << 20);
}

void BM_SgemmInfluenceShape(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int nk = n * config_for(n).k();
  Fixture f(n, 1);  // same random source as the rule's inputs
  Tensor J({n, n}, DType::f32), M({n, nk}, DType::f32), out({n, nk}, DType::f32);
  ops::fill(J, 0.01);
  ops::fill(M, 0.5);
  for (auto _ : state) ops::gemm(false, false, n, nk, n, 1.0, J, n, M, nk, 0.0, out, nk);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * n * n * nk, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_RtrlBatchStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), B = static_cast<int>(state.range(1));
  Fixture f(n, B);
  auto rtrl = make_rule(f.model, "rtrl");
  rtrl->reset(f.params, B, 0);
  for (auto _ : state) rtrl->step(f.model);
  state.counters["FLOP/s"] = benchmark::Counter(rtrl->flops_per_step() * B, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SgemmInfluenceBatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), B = static_cast<int>(state.range(1));
  const int64_t columns = int64_t{B} * n * config_for(n).k();
  Tensor J({n, n}, DType::f32), M({n, columns}, DType::f32), out({n, columns}, DType::f32);
  ops::fill(J, 0.01);
  ops::fill(M, 0.5);
  for (auto _ : state) ops::gemm(false, false, n, columns, n, 1.0, J, n, M, columns, 0.0, out, columns);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * n * n * columns, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_BpttWindow(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Fixture f(n, 1);
  auto bptt = make_rule(f.model, "bptt");
  for (auto _ : state) run_window(f.model, f.params, f.device_batch, *bptt, 0);
  state.SetItemsProcessed(state.iterations() * f.batch.T);  // items = steps
}

// Real (wall) time: OpenBLAS may run on several threads, and CPU time would count one.
BENCHMARK(BM_RtrlStep)->ArgName("n")->Arg(32)->Arg(64)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SgemmInfluenceShape)->ArgName("n")->Arg(32)->Arg(64)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RtrlBatchStep)->ArgNames({"n", "B"})->ArgsProduct({{32, 64, 128}, {16}})->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SgemmInfluenceBatch)->ArgNames({"n", "B"})->ArgsProduct({{32, 64, 128}, {16}})->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BpttWindow)->ArgName("n")->Arg(32)->Arg(64)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tca
