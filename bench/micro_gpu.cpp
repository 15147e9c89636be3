// GPU throughput of every learning rule, beside the device's measured ceilings.
//
// BM_CeilingSgemm: a large cuBLAS SGEMM (FLOP/s ceiling); BM_CeilingCopy: a 1 GiB
// device-to-device copy (bytes read + written per second). BM_GpuRule/<rule>/n/B: whole
// dnms-v0 windows (T = 29) of forward pass + rule on the GPU in float; counters: steps/s
// (sequence steps), achieved FLOP/s of the rule's counted work, state memory; the fraction
// of the ceilings is taken from the same run's JSON by bench/gpu_table.py. Timed with CUDA events (manual time), after a warm-up window.
// Sizes whose state would take more than half the free device memory are skipped.
//
//   tcabench_gpu_bench --benchmark_repetitions=5 --benchmark_out=gpu.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "algorithms/algorithm.h"
#include "bench/report.h"
#include "kernels/cuda/check.h"
#include "kernels/ops.h"
#include "tasks/task.h"

namespace tca {
namespace {

// Times `body` with CUDA events around it; returns seconds.
template <typename F>
double time_on_device(F&& body) {
  cudaEvent_t start, stop;
  TCA_CUDA_CHECK(cudaEventCreate(&start));
  TCA_CUDA_CHECK(cudaEventCreate(&stop));
  TCA_CUDA_CHECK(cudaEventRecord(start));
  body();
  TCA_CUDA_CHECK(cudaEventRecord(stop));
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

void BM_GpuRule(benchmark::State& state, const std::string& rule) {
  const int n = static_cast<int>(state.range(0));
  const int B = static_cast<int>(state.range(1));
  const std::unique_ptr<Task> task = make_task("dnms-v0");
  RateRnnConfig rc;
  rc.n = n;
  rc.m = task->input_size();
  rc.o = task->output_size();
  rc.loss = task->loss();
  auto algorithm = make_algorithm(rule, rc, DType::f32, Device::cuda);
  const Batch batch = task->sample(B, 1);
  const size_t need = algorithm->state_bytes_for(B, batch.T);
  if (need > available_memory(Device::cuda) / 2) {
    state.SkipWithError(("state of " + std::to_string(need) + " bytes does not fit").c_str());
    return;
  }
  const RateRnnParams params = init_params(rc, 1, DType::f32, Device::cuda);
  const DeviceBatch device_batch = to_device(batch, DType::f32, Device::cuda);
  RateRnn model(rc, DType::f32, Device::cuda);
  run_window(model, params, device_batch, *algorithm, 0);  // warm-up and allocation
  uint64_t noise = 0;
  for (auto _ : state)
    state.SetIterationTime(time_on_device([&] { run_window(model, params, device_batch, *algorithm, ++noise); }));
  const double steps = static_cast<double>(B) * batch.T;
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/s"] =
      benchmark::Counter(steps * algorithm->flops_per_step(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["state_MiB"] = static_cast<double>(need) / (1 << 20);
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
  for (const tca::AlgorithmInfo& info : tca::algorithm_registry()) {
    auto* b = benchmark::RegisterBenchmark(("BM_GpuRule/" + info.id).c_str(), tca::BM_GpuRule, info.id);
    b->ArgNames({"n", "B"})->UseManualTime()->Unit(benchmark::kMillisecond);
    for (int n : {32, 64, 128, 256, 512, 1024})
      for (int B : {1, 16, 64, 256}) b->Args({n, B});
  }
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
