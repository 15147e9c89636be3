// Per-step cost of every registered learning rule: BM_RuleWindow/<rule>/n runs whole dnms-v0
// windows (T = 29 steps, batch 1, float) of forward pass + rule, so BPTT's backward pass is
// included; items/s = steps/s and the time per step is 1 / items_per_second. Ratios between
// rules in one run compare their per-step costs.
#include <benchmark/benchmark.h>

#include "algorithms/algorithm.h"
#include "tasks/task.h"

namespace tca {

namespace {

void rule_window(benchmark::State& state, const std::string& rule) {
  const std::unique_ptr<Task> task = make_task("dnms-v0");
  RateRnnConfig rc;
  rc.n = static_cast<int>(state.range(0));
  rc.m = task->input_size();
  rc.o = task->output_size();
  rc.loss = task->loss();
  const RateRnnParams params = init_params(rc, 1, DType::f32, Device::cpu);
  const Batch batch = task->sample(1, 1);
  const DeviceBatch device_batch = to_device(batch, DType::f32, Device::cpu);
  RateRnn model(rc, DType::f32, Device::cpu);
  auto algorithm = make_algorithm(rule, rc, DType::f32, Device::cpu);
  uint64_t noise = 0;
  for (auto _ : state) run_window(model, params, device_batch, *algorithm, ++noise);
  state.SetItemsProcessed(state.iterations() * batch.T);
  state.counters["state_KiB"] = static_cast<double>(algorithm->state_bytes(batch.T)) / 1024;
  state.counters["rule_FLOP/step"] = algorithm->flops_per_step();
}

}  // namespace

void register_rule_benchmarks() {
  for (const AlgorithmInfo& info : algorithm_registry()) {
    benchmark::RegisterBenchmark(("BM_RuleWindow/" + info.id).c_str(), rule_window, info.id)
        ->ArgName("n")
        ->Arg(32)
        ->Arg(64)
        ->Arg(128)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace tca
