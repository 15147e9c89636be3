// GPU throughput of every learning rule, beside the device's measured ceilings.
//
// BM_CeilingSgemm: a large cuBLAS SGEMM (FLOP/s ceiling); BM_CeilingCopy: a 1 GiB
// device-to-device copy (bytes read + written per second). BM_GpuRule/<rule>/n/B: whole
// dnms-v0 windows (T = 29) of forward pass + rule on the GPU in float; counters: steps/s
// (sequence steps), achieved FLOP/s of the rule's counted work, state memory; the fraction
// of the ceilings is taken from the same run's JSON by bench/micro/gpu_table.py. Timed with CUDA events (manual time), after a warm-up window.
// Sizes whose state would take more than half the free device memory are skipped.
//
// The forward pass alone, T = 100 steps of the leaky rate RNN (m = 2 inputs, float), three
// ways: BM_ForwardPersistent/n/B is ops::rnn_forward_sequence, all T steps in one launch
// with W in shared memory (n too large for shared memory is reported as skipped, with the
// limit); BM_ForwardStepwise/n/B computes the same outputs with three ops per step
// (presynaptic vector, cuBLAS GEMM, leaky tanh); BM_ForwardRateRnnStep/n/B is the
// RateRnn::step loop the rules run today (which also computes the readout, the loss and
// c_t, 2 outputs). Counters for all three: steps/s (sequence steps), FLOP/s of the
// recurrence only (2nk + 5n per sequence step), bytes/s of the compulsory global traffic
// (W, x and a_0 read once, a_t and phi'(h_t) written once), so the three compare as time for
// the same useful work. BM_ForwardEnsemble/n/E and BM_ForwardEnsembleLoop/n/E: E networks
// with their own parameters (B = 16 each) in one launch, or in one launch per network.
//
// BM_GpuRule/rtrl-tf32/n/B: RTRL with influence_product=tf32 (its O(n^4) product on the
// tensor cores), FLOP/s counted as for rtrl. BM_GpuRuleStepwise/<rule>/n/B: bptt, rflo, eprop
// and uoro with the rate network's forward pass step by step (7 launches a step), where
// BM_GpuRule takes the default, each window precomputed in about 10 launches.
//
// Kernels of the backend: BM_RowNorms/rows/cols (per-sequence norms, bytes/s of their read)
// and BM_AllocateFree/bytes/busy (host time of a device allocation and its free, with another
// thread's stream idle or busy).
//
//   tcabench_gpu_bench --benchmark_repetitions=5 --benchmark_out=gpu.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "algorithms/learner.h"
#include "algorithms/registry.h"
#include "bench/report/report.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/runtime.h"
#include "kernels/ops.h"
#include "models/rate_rnn.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {
namespace {

// Times `body` with CUDA events around it on the thread's stream, where the backend's work
// goes (kernels/cuda/runtime.h); returns seconds.
template <typename F>
double time_on_device(F&& body) {
  cudaEvent_t start, stop;
  TCA_CUDA_CHECK(cudaEventCreate(&start));
  TCA_CUDA_CHECK(cudaEventCreate(&stop));
  TCA_CUDA_CHECK(cudaEventRecord(start, cuda::current_stream()));
  body();
  TCA_CUDA_CHECK(cudaEventRecord(stop, cuda::current_stream()));
  TCA_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  TCA_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  TCA_CUDA_CHECK(cudaEventDestroy(start));
  TCA_CUDA_CHECK(cudaEventDestroy(stop));
  return ms * 1e-3;
}

void BM_CeilingSgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor A({n, n}, DType::f32, Device::cuda), B({n, n}, DType::f32, Device::cuda), C({n, n}, DType::f32, Device::cuda);
  ops::fill(A, 0.5);  // never zero: some units are faster on zeros
  ops::fill(B, 0.25);
  ops::gemm(false, false, n, n, n, 1.0, A, n, B, n, 0.0, C, n);  // warm-up (handle, kernels)
  for (auto _ : state)
    state.SetIterationTime(time_on_device([&] { ops::gemm(false, false, n, n, n, 1.0, A, n, B, n, 0.0, C, n); }));
  const double flops = 2.0 * n * n * n;
  state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CeilingCopy(benchmark::State& state) {
  const int64_t bytes = int64_t{1} << 30;
  Tensor src({bytes / 4}, DType::f32, Device::cuda), dst({bytes / 4}, DType::f32, Device::cuda);
  ops::fill(src, 1.5);
  ops::copy(dst, src);
  for (auto _ : state) state.SetIterationTime(time_on_device([&] { ops::copy(dst, src); }));
  state.counters["bytes/s"] = benchmark::Counter(2.0 * bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GpuRule(benchmark::State& state, const std::string& network, const std::string& rule,
                const std::map<std::string, std::string>& rule_params, bool stepwise) {
  const int n = static_cast<int>(state.range(0));
  const int B = static_cast<int>(state.range(1));
  const std::unique_ptr<Task> task = make_task("dnms-v0");
  Learner learner(make_network(network, sized_knobs(network, n), {task->input_size(), task->output_size(), task->loss()},
                               DType::f32, Device::cuda),
                  rule, rule_params);
  if (stepwise) dynamic_cast<RateRnn&>(learner.network()).set_window_forward(RateRnn::WindowForward::stepwise);
  const Batch batch = task->sample(B, 1);
  const size_t need = learner.rule().state_bytes_for(B, batch.T);
  if (need > available_memory(Device::cuda) / 2) {
    state.SkipWithError(("state of " + std::to_string(need) + " bytes does not fit").c_str());
    return;
  }
  learner.initialise(1);
  const DeviceBatch device_batch = to_device(batch, DType::f32, Device::cuda);
  learner.window(device_batch, 0);  // warm-up and allocation
  uint64_t noise = 0;
  for (auto _ : state) state.SetIterationTime(time_on_device([&] { learner.window(device_batch, ++noise); }));
  const double steps = static_cast<double>(B) * batch.T;
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/s"] =
      benchmark::Counter(steps * learner.rule().flops_per_step(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["state_MiB"] = static_cast<double>(need) / (1 << 20);
}

constexpr int kForwardSteps = 100;
constexpr int kForwardInputs = 2;

// Sets the forward benchmarks' counters for an n x B run of kForwardSteps steps.
void forward_counters(benchmark::State& state, int64_t n, int64_t B) {
  const double steps = static_cast<double>(B) * kForwardSteps, k = static_cast<double>(n + kForwardInputs + 1);
  const double bytes = 4.0 * (n * k + steps * kForwardInputs + B * n + 2.0 * steps * n);
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/s"] =
      benchmark::Counter(steps * (2.0 * n * k + 5.0 * n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
}

// W (initialised as for the rules), inputs of +-1, a zero a_0, and the outputs.
struct ForwardInputs {
  Tensor W, x, a0, a, dphi;
  ForwardInputs(int64_t n, int64_t B) {
    RateRnnConfig rc;
    rc.n = static_cast<int>(n);
    rc.m = kForwardInputs;
    W = init_params(rc, 1, DType::f32, Device::cuda).W;
    x = Tensor({kForwardSteps, B, kForwardInputs}, DType::f32, Device::cuda);
    ops::random_signs(x, 2, 0);
    a0 = Tensor::zeros({B, n}, DType::f32, Device::cuda);
    a = Tensor({kForwardSteps, B, n}, DType::f32, Device::cuda);
    dphi = Tensor({kForwardSteps, B, n}, DType::f32, Device::cuda);
  }
};

void BM_ForwardPersistent(benchmark::State& state) {
  const int64_t n = state.range(0), B = state.range(1);
  const int64_t max_n = ops::rnn_forward_sequence_max_hidden(Device::cuda, DType::f32, kForwardInputs);
  if (n > max_n) {
    state.SkipWithError(("n = " + std::to_string(n) + " does not fit in shared memory (largest n: " +
                         std::to_string(max_n) + ")").c_str());
    return;
  }
  ForwardInputs in(n, B);
  ops::rnn_forward_sequence(in.a, in.dphi, in.W, in.x, in.a0, 1.0);  // warm-up
  for (auto _ : state)
    state.SetIterationTime(time_on_device([&] { ops::rnn_forward_sequence(in.a, in.dphi, in.W, in.x, in.a0, 1.0); }));
  forward_counters(state, n, B);
}

void BM_ForwardStepwise(benchmark::State& state) {
  const int64_t n = state.range(0), B = state.range(1), k = n + kForwardInputs + 1;
  ForwardInputs in(n, B);
  Tensor ahat({B, k}, DType::f32, Device::cuda), h({B, n}, DType::f32, Device::cuda);
  auto forward = [&] {
    for (int t = 0; t < kForwardSteps; ++t) {
      Tensor at = in.a.slice(t), dt = in.dphi.slice(t);
      ops::build_presynaptic(ahat, t == 0 ? in.a0 : in.a.slice(t - 1), in.x.slice(t));
      ops::gemm(false, true, B, n, k, 1.0, ahat, k, in.W, k, 0.0, h, n);
      ops::copy(at, t == 0 ? in.a0 : in.a.slice(t - 1));
      ops::leaky_tanh(at, dt, h, 1.0);
    }
  };
  forward();  // warm-up
  for (auto _ : state) state.SetIterationTime(time_on_device(forward));
  forward_counters(state, n, B);
}

void BM_ForwardRateRnnStep(benchmark::State& state) {
  const int64_t n = state.range(0), B = state.range(1);
  RateRnnConfig rc;
  rc.n = static_cast<int>(n);
  rc.m = kForwardInputs;
  rc.o = 2;
  const RateRnnParams params = init_params(rc, 1, DType::f32, Device::cuda);
  DeviceBatch batch;
  batch.T = kForwardSteps;
  batch.B = static_cast<int>(B);
  batch.inputs = Tensor({kForwardSteps, B, kForwardInputs}, DType::f32, Device::cuda);
  ops::random_signs(batch.inputs, 2, 0);
  batch.targets = Tensor::zeros({kForwardSteps, B, rc.o}, DType::f32, Device::cuda);
  batch.mask = Tensor::zeros({kForwardSteps, B}, DType::f32, Device::cuda);
  ops::fill(batch.mask, 1.0);
  RateRnn model(rc, DType::f32, Device::cuda);
  auto forward = [&] {
    model.begin(static_cast<int>(B));
    for (int t = 0; t < kForwardSteps; ++t) model.step(params, batch, t);
  };
  forward();  // warm-up
  for (auto _ : state) state.SetIterationTime(time_on_device(forward));
  forward_counters(state, n, B);
}

// Ensembles: E networks of B = 16 sequences, their own W each, in one launch
// (BM_ForwardEnsemble/n/E) or in E launches of one network each (BM_ForwardEnsembleLoop/n/E).
constexpr int64_t kEnsembleBatch = 16;

void forward_ensemble(benchmark::State& state, bool one_launch) {
  const int64_t n = state.range(0), E = state.range(1), B = kEnsembleBatch, k = n + kForwardInputs + 1;
  const int64_t max_n = ops::rnn_forward_sequence_max_hidden(Device::cuda, DType::f32, kForwardInputs);
  if (n > max_n) {
    state.SkipWithError(("n = " + std::to_string(n) + " does not fit in shared memory").c_str());
    return;
  }
  Tensor W({E, n, k}, DType::f32, Device::cuda), x({kForwardSteps, E, B, kForwardInputs}, DType::f32, Device::cuda);
  ops::random_signs(W, 3, 0);
  ops::scale(W, 1.0 / std::sqrt(static_cast<double>(k)));
  ops::random_signs(x, 4, 0);
  const Tensor a0 = Tensor::zeros({E, B, n}, DType::f32, Device::cuda);
  Tensor a({kForwardSteps, E, B, n}, DType::f32, Device::cuda), dphi({kForwardSteps, E, B, n}, DType::f32, Device::cuda);
  // One network's slices for the loop: x, a and dphi of network e are not contiguous over t,
  // so each network gets tensors of its own.
  std::vector<Tensor> xe, ae, de;
  for (int64_t e = 0; e < E && !one_launch; ++e) {
    xe.emplace_back(std::vector<int64_t>{kForwardSteps, B, kForwardInputs}, DType::f32, Device::cuda);
    ops::random_signs(xe.back(), 4, static_cast<uint64_t>(e + 1));
    ae.emplace_back(std::vector<int64_t>{kForwardSteps, B, n}, DType::f32, Device::cuda);
    de.emplace_back(std::vector<int64_t>{kForwardSteps, B, n}, DType::f32, Device::cuda);
  }
  auto forward = [&] {
    if (one_launch) return ops::rnn_forward_sequence(a, dphi, W, x, a0, 1.0);
    for (int64_t e = 0; e < E; ++e) ops::rnn_forward_sequence(ae[e], de[e], W.slice(e), xe[e], a0.slice(e), 1.0);
  };
  forward();  // warm-up
  for (auto _ : state) state.SetIterationTime(time_on_device(forward));
  const double steps = static_cast<double>(E * B) * kForwardSteps;
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/s"] = benchmark::Counter(steps * (2.0 * n * k + 5.0 * n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ForwardEnsemble(benchmark::State& state) { forward_ensemble(state, true); }
void BM_ForwardEnsembleLoop(benchmark::State& state) { forward_ensemble(state, false); }

// Per-row norms of a [rows, cols] float matrix (UORO's and KF-RTRL's per-sequence norms):
// bytes/s of the one compulsory read, to set against BM_CeilingCopy. Few long rows take the
// chunked two-pass path of kernels/cuda/row_ops.cu, 1 024 rows or more one block per row.
void BM_RowNorms(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1);
  Tensor X({rows, cols}, DType::f32, Device::cuda), out({rows}, DType::f64, Device::cuda);
  ops::random_signs(X, 5, 0);
  ops::row_norms(out, X);  // warm-up
  for (auto _ : state) state.SetIterationTime(time_on_device([&] { ops::row_norms(out, X); }));
  state.counters["bytes/s"] = benchmark::Counter(4.0 * rows * cols, benchmark::Counter::kIsIterationInvariantRate);
}

// A device tensor allocated, filled and freed, host time per round (the cost a rule's set-up
// or a scratch buffer pays): from the stream-ordered pool after the first round, where
// cudaMalloc and cudaFree took tens of microseconds and cudaFree waited for the device. With
// `busy`, a second thread keeps its own stream busy meanwhile, which cudaFree would wait for.
void BM_AllocateFree(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  const bool busy = state.range(1) != 0;
  std::atomic<bool> stop{false};
  std::thread other;
  if (busy)
    other = std::thread([&] {
      Tensor big({int64_t{1} << 26}, DType::f32, Device::cuda);
      while (!stop.load()) {
        for (int i = 0; i < 20; ++i) ops::scale(big, 1.0);
        cuda::synchronize();
      }
    });
  auto round = [&] {
    Tensor t({bytes / 4}, DType::f32, Device::cuda);
    ops::fill(t, 1.0);
  };
  round();  // warm-up: the pool's first allocation
  for (auto _ : state) round();
  cuda::synchronize();
  stop = true;
  if (other.joinable()) other.join();
}

}  // namespace
}  // namespace tca

int main(int argc, char** argv) {
  if (!tca::cuda_available()) {
    std::fprintf(stderr, "tcabench_gpu_bench: no CUDA device present\n");
    return 2;
  }
  benchmark::RegisterBenchmark("BM_CeilingSgemm", tca::BM_CeilingSgemm)->Arg(8192)->UseManualTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_CeilingCopy", tca::BM_CeilingCopy)->UseManualTime()->Unit(benchmark::kMillisecond);
  for (const tca::RegisteredRuleInfo& info : tca::rule_registry()) {
    auto* b = benchmark::RegisterBenchmark(("BM_GpuRule/" + tca::rule_label(info.network, info.id)).c_str(),
                                           tca::BM_GpuRule, info.network, info.id, std::map<std::string, std::string>{},
                                           false);
    b->ArgNames({"n", "B"})->UseManualTime()->Unit(benchmark::kMillisecond);
    for (int n : {32, 64, 128, 256, 512, 1024})
      for (int B : {1, 16, 64, 256}) b->Args({n, B});
  }
  // RTRL with its influence product on the tensor cores (influence_product=tf32).
  auto* tf32 = benchmark::RegisterBenchmark("BM_GpuRule/rtrl-tf32", tca::BM_GpuRule, "rate", "rtrl",
                                            std::map<std::string, std::string>{{"influence_product", "tf32"}}, false);
  tf32->ArgNames({"n", "B"})->UseManualTime()->Unit(benchmark::kMillisecond);
  for (int n : {64, 128, 256})
    for (int B : {1, 16, 64, 256}) tf32->Args({n, B});
  // Cheap rules with the rate network's forward pass step by step, against BM_GpuRule's
  // precomputed windows (RateRnn::precompute_window).
  for (const std::string rule : {"bptt", "rflo", "eprop", "uoro"}) {
    auto* b = benchmark::RegisterBenchmark(("BM_GpuRuleStepwise/" + rule).c_str(), tca::BM_GpuRule, "rate", rule,
                                           std::map<std::string, std::string>{}, true);
    b->ArgNames({"n", "B"})->UseManualTime()->Unit(benchmark::kMillisecond);
    for (int n : {64, 128})
      for (int B : {1, 64}) b->Args({n, B});
  }
  for (auto* forward : {benchmark::RegisterBenchmark("BM_ForwardPersistent", tca::BM_ForwardPersistent),
                        benchmark::RegisterBenchmark("BM_ForwardStepwise", tca::BM_ForwardStepwise),
                        benchmark::RegisterBenchmark("BM_ForwardRateRnnStep", tca::BM_ForwardRateRnnStep)}) {
    forward->ArgNames({"n", "B"})->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (int n : {32, 64, 128, 256})
      for (int B : {1, 16, 64}) forward->Args({n, B});
  }
  for (auto* ensemble : {benchmark::RegisterBenchmark("BM_ForwardEnsemble", tca::BM_ForwardEnsemble),
                         benchmark::RegisterBenchmark("BM_ForwardEnsembleLoop", tca::BM_ForwardEnsembleLoop)}) {
    ensemble->ArgNames({"n", "E"})->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (int n : {32, 128})
      for (int E : {1, 8, 64}) ensemble->Args({n, E});
  }
  auto* norms = benchmark::RegisterBenchmark("BM_RowNorms", tca::BM_RowNorms);
  norms->ArgNames({"rows", "cols"})->UseManualTime()->Unit(benchmark::kMicrosecond);
  for (int64_t cols : {66049, 1 << 20})  // n(n + m + 1) at n = 256, m = 2; and 1M
    for (int64_t rows : {1, 16, 64}) norms->Args({rows, cols});
  norms->Args({4096, 4096});
  benchmark::RegisterBenchmark("BM_AllocateFree", tca::BM_AllocateFree)
      ->ArgNames({"bytes", "busy"})
      ->Args({1 << 20, 0})
      ->Args({1 << 20, 1})
      ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  cudaDeviceProp prop{};
  TCA_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  benchmark::AddCustomContext("device", prop.name);
  benchmark::AddCustomContext("tca_device", std::string("cuda: ") + prop.name);  // for bench-compare
  benchmark::AddCustomContext("git_commit", tca::git_commit());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
