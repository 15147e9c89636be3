// Per-step cost of every registered learning rule, on every network: BM_RuleWindow/<rule>/n
// (the rate network) and BM_RuleWindow/<rule>-<network>/n (the others; the spiking network with
// n / 2 LIF and n - n / 2 ALIF neurons) run whole dnms-v0 windows (T = 29 steps, batch 1, float)
// of forward pass + rule through the Learner, so BPTT's backward pass is included; items/s =
// steps/s and the time per step is 1 / items_per_second. Ratios between rules in one run compare
// their per-step costs.
#include <benchmark/benchmark.h>

#include "algorithms/learner.h"
#include "algorithms/registry.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {

namespace {

// The rule's state (state_KiB) and its counted FLOPs per step and sequence (rule_FLOP/step).
// Only nonzero counters: a constant 0 (readout_only keeps no state and counts no work) makes the
// repetitions' coefficient of variation 0/0, which Google Benchmark writes as NaN, not JSON.
void add_rule_counters(benchmark::State& state, const Learner& learner, int T) {
  const size_t state_bytes = learner.rule().state_bytes(T);
  const double flops = learner.rule().flops_per_step();
  if (state_bytes > 0) state.counters["state_KiB"] = static_cast<double>(state_bytes) / 1024;
  if (flops > 0) state.counters["rule_FLOP/step"] = flops;
}

void rule_window(benchmark::State& state, const std::string& network, const std::string& rule) {
  const std::unique_ptr<Task> task = make_task("dnms-v0");
  const int n = static_cast<int>(state.range(0));
  Learner learner(make_network(network, sized_knobs(network, n), {task->input_size(), task->output_size(), task->loss()},
                               DType::f32, Device::cpu),
                  rule);
  learner.initialise(1);
  const Batch batch = task->sample(1, 1);
  const DeviceBatch device_batch = to_device(batch, DType::f32, Device::cpu);
  uint64_t noise = 0;
  for (auto _ : state) learner.window(device_batch, ++noise);
  state.SetItemsProcessed(state.iterations() * batch.T);
  add_rule_counters(state, learner, batch.T);
}

// BM_RuleStep/<rule>/hidden:n/B:b: the same window at batch b, for the rules whose cost per step
// is a few O(n k) or O(n^2) passes (and kf_rtrl's O(n^3)), where scalar code rather than BLAS can
// set the time. The time per step of the batch is 1 / items_per_second.
void rule_step(benchmark::State& state, const std::string& rule) {
  const std::unique_ptr<Task> task = make_task("dnms-v0");
  const int n = static_cast<int>(state.range(0)), B = static_cast<int>(state.range(1));
  Learner learner(make_network("rate", sized_knobs("rate", n), {task->input_size(), task->output_size(), task->loss()},
                               DType::f32, Device::cpu),
                  rule);
  learner.initialise(1);
  const Batch batch = task->sample(B, 1);
  const DeviceBatch device_batch = to_device(batch, DType::f32, Device::cpu);
  uint64_t noise = 0;
  for (auto _ : state) learner.window(device_batch, ++noise);
  state.SetItemsProcessed(state.iterations() * batch.T);
  add_rule_counters(state, learner, batch.T);
}

}  // namespace

void register_rule_benchmarks() {
  for (const char* rule : {"uoro", "kf_rtrl", "rkf_rtrl", "rflo", "eprop", "snap1"})
    benchmark::RegisterBenchmark((std::string("BM_RuleStep/") + rule).c_str(), rule_step, std::string(rule))
        ->ArgNames({"hidden", "B"})
        ->ArgsProduct({{32, 64, 128, 256}, {1, 16}})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  for (const RegisteredRuleInfo& info : rule_registry()) {
    benchmark::RegisterBenchmark(("BM_RuleWindow/" + rule_label(info.network, info.id)).c_str(), rule_window, info.network, info.id)
        ->ArgName("n")
        ->Arg(32)
        ->Arg(64)
        ->Arg(128)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace tca
