#include "bench/experiments/cost.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>

#include "algorithms/learner.h"
#include "core/seeds.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The network a training config (or a probe, through the same knobs) runs.
std::unique_ptr<Network> make_config_network(const std::string& model, const std::map<std::string, std::string>& knobs,
                                             const Task& task, DType dtype, Device device) {
  return make_network(model, knobs, {task.input_size(), task.output_size(), task.loss()}, dtype, device);
}

std::map<std::string, std::string> training_knobs(const TrainConfig& c) {
  return rate_or_model_knobs(c.model, c.hidden, c.alpha, c.gain, c.model_params);
}

// A calibration holds for the BLAS threads it was timed with.
std::string blas_threads_key() { return " blas " + std::to_string(cpu_blas_threads()); }

// Times windows until kCalibrationSeconds have passed or kCalibrationWindows have run, three at
// least, and returns the seconds of one. window(i, budget_end) runs window i and returns its seconds, or, when it passes
// budget_end within the window, the seconds it extrapolates for the whole window.
template <class Window>
double time_windows(Window&& window) {
  const auto start = Clock::now();
  std::vector<double> seconds;
  for (int i = 0; i < 3 || (i < kCalibrationWindows && seconds_since(start) < kCalibrationSeconds); ++i) {
    seconds.push_back(window(i, start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(kCalibrationSeconds))));
    if (i == 0 && seconds.back() > kCalibrationSeconds) return seconds.back();  // one long window is enough
  }
  // The first window allocates the rule's state: the others say what a window costs.
  std::sort(seconds.begin() + 1, seconds.end());
  return seconds[1 + (seconds.size() - 1) / 2];
}

// One window of `learner` on `batch`, with an update after each step (step schedule) or at the
// end (window schedule) when update is not null. Past `deadline`, after three steps, a rule whose
// work is done step by step (one that can update online) stops and extrapolates from the time
// per step of the steps after the first; the others (BPTT, the perturbation rules, the spiking
// rules) do part of their work when the window ends, so their windows always run whole.
double timed_window(Learner& learner, const DeviceBatch& batch, uint64_t noise, ParameterUpdate* update,
                    bool step_updates, Clock::time_point deadline) {
  Network& network = learner.network();
  Rule& rule = learner.rule();
  const auto start = Clock::now();
  network.begin(batch.B);
  rule.reset(learner.params(), batch.B, noise);
  rule.attach_batch(batch);
  auto after_first = start;
  const bool can_cut = rule.supports_online_updates();
  for (int t = 0; t < batch.T; ++t) {
    network.step(learner.params(), batch, t);
    rule.step(network);
    if (update && step_updates) {
      update->apply(rule.gradient());
      rule.zero_gradient();
    }
    if (t == 0) after_first = Clock::now();
    if (can_cut && t >= 2 && t + 1 < batch.T && Clock::now() > deadline) {
      const double per_step = std::chrono::duration<double>(Clock::now() - after_first).count() / t;
      return std::chrono::duration<double>(after_first - start).count() + per_step * (batch.T - 1);
    }
  }
  rule.finish();
  if (update) update->apply(rule.gradient());
  return seconds_since(start);
}

// The bytes of a batch of B sequences: host doubles and the device copy.
size_t batch_bytes(const Task& task, int B, DType dtype) {
  const size_t values = static_cast<size_t>(B) * static_cast<size_t>(task.steps()) *
                        static_cast<size_t>(task.input_size() + 2 * task.output_size() + 1);
  return values * (sizeof(double) + dtype_size(dtype));
}

// The batch cut to its first `steps` steps (time-major, so each array keeps its first part).
Batch first_steps_of(Batch batch, int steps) {
  if (steps >= batch.T) return batch;
  const size_t cells = static_cast<size_t>(steps) * static_cast<size_t>(batch.B);
  batch.T = steps;
  batch.inputs.resize(cells * static_cast<size_t>(batch.m));
  batch.targets.resize(cells * static_cast<size_t>(batch.o));
  batch.loss_mask.resize(cells);
  batch.trial_start.resize(cells);
  return batch;
}

// Seconds per step of a window of `learner` on `batch`: of steps 1 to `steps` (the first, which
// allocates the rule's state, is not counted; the window is not finished).
double seconds_per_step(Learner& learner, const DeviceBatch& batch, uint64_t noise, int steps) {
  learner.network().begin(batch.B);
  learner.rule().reset(learner.params(), batch.B, noise);
  learner.rule().attach_batch(batch);
  auto start = Clock::now();
  for (int t = 0; t <= std::min(steps, batch.T - 1); ++t) {
    if (t == 1) start = Clock::now();
    learner.network().step(learner.params(), batch, t);
    learner.rule().step(learner.network());
  }
  return batch.T > 1 ? seconds_since(start) / std::min(steps, batch.T - 1) : seconds_since(start);
}

}  // namespace

CostEstimate& CostEstimate::operator+=(const CostEstimate& other) {
  seconds += other.seconds;
  flops += other.flops;
  memory_bytes = std::max(memory_bytes, other.memory_bytes);
  return *this;
}

std::string describe_seconds(double seconds) {
  char text[64];
  if (seconds < 60) std::snprintf(text, sizeof(text), "%.3g s", seconds);
  else if (seconds < 3600) std::snprintf(text, sizeof(text), "%.3g min", seconds / 60);
  else std::snprintf(text, sizeof(text), "%.3g h", seconds / 3600);
  return text;
}

std::string describe(const CostEstimate& cost) {
  char text[160];
  std::snprintf(text, sizeof(text), "%s, %.3g GFLOP, %.3g MB of rule state and batches", describe_seconds(cost.seconds).c_str(), cost.flops * 1e-9,
                static_cast<double>(cost.memory_bytes) * 1e-6);
  return text;
}

double CostCalibration::training_window(const TrainConfig& config) {
  const std::string key = "train " + config.to_json().dump() + blas_threads_key();
  const auto found = cache_.find(key);
  if (found != cache_.end()) return found->second;
  const auto start = Clock::now();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  Learner learner(make_config_network(config.model, training_knobs(config), *task, config.dtype, config.device),
                  config.algorithm, config.algo_params);
  learner.initialise(config.seeds.front());
  ParameterUpdate update(config.optimizer, config.learning_rates.front(), config.clip, learner.params(),
                         learner.network());
  const uint64_t seed = config.seeds.front();
  const auto sample = [&](int steps, int i) {
    Batch batch = task->sample(config.batch, derived_seed(seed, SeedPurpose::training, static_cast<uint64_t>(i)));
    return to_device(first_steps_of(std::move(batch), steps), config.dtype, config.device);
  };
  // A rule that runs its windows whole (timed_window cannot cut them) on a window predicted
  // longer than long_window_ (kLongWindowSeconds) from its first steps: timed on windows of the batch's first
  // steps and scaled up in proportion, since every step of a window costs the same (BPTT's
  // backward pass and the perturbation rules' extra passes too).
  int steps = task->steps();
  if (!learner.rule().supports_online_updates()) {
    const double predicted = seconds_per_step(learner, sample(steps, 0), 0, 3) * steps;
    if (predicted > long_window_) steps = std::max(std::min(3, steps), static_cast<int>(steps * long_window_ / predicted));
  }
  const double scale = static_cast<double>(task->steps()) / steps;
  const double seconds = time_windows([&](int i, Clock::time_point deadline) {
    const auto sampled = Clock::now();
    const DeviceBatch batch = sample(steps, i);
    const double sampling = seconds_since(sampled);  // of the whole batch: not scaled
    return sampling + scale * timed_window(learner, batch, derived_seed(seed, SeedPurpose::noise, static_cast<uint64_t>(i)),
                                           &update, config.update == UpdateSchedule::step, deadline);
  });
  spent_ += seconds_since(start);
  return cache_[key] = seconds;
}

double CostCalibration::forward_window(const TrainConfig& config, int batch) {
  const std::string key = "forward " + std::to_string(batch) + " " + config.to_json().dump() + blas_threads_key();
  const auto found = cache_.find(key);
  if (found != cache_.end()) return found->second;
  const auto start = Clock::now();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  Learner learner(make_config_network(config.model, training_knobs(config), *task, config.dtype, config.device),
                  "bptt");
  learner.initialise(config.seeds.front());
  const Batch host = task->sample(batch, 1);
  const DeviceBatch data = to_device(host, config.dtype, config.device);
  std::vector<double> outputs;
  // What an evaluation does: the forward pass with its outputs brought to the host, then the
  // task's metrics on them.
  const double seconds = time_windows([&](int, Clock::time_point) {
    const auto t0 = Clock::now();
    run_window(learner.network(), learner.params(), data, nullptr, 0, &outputs);
    (void)task->metrics(host, outputs);
    return seconds_since(t0);
  });
  spent_ += seconds_since(start);
  return cache_[key] = seconds;
}

double CostCalibration::exact_window(const TrainConfig& config, int batch) {
  const std::string key = "exact " + std::to_string(batch) + " " + config.model + " " + config.task + " " +
                          nlohmann::json(config.task_params).dump() + " " +
                          nlohmann::json(training_knobs(config)).dump() + blas_threads_key();
  const auto found = cache_.find(key);
  if (found != cache_.end()) return found->second;
  const auto start = Clock::now();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  Learner exact(make_config_network(config.model, training_knobs(config), *task, DType::f64, Device::cpu), "bptt");
  exact.initialise(config.seeds.front());
  const DeviceBatch data = to_device(task->sample(batch, 1), DType::f64, Device::cpu);
  const double seconds = time_windows([&](int, Clock::time_point) {
    const auto t0 = Clock::now();
    exact.window(data, 0);
    (void)exact.flat_gradient();
    return seconds_since(t0);
  });
  spent_ += seconds_since(start);
  return cache_[key] = seconds;
}

namespace {

// The probe's windows as a training config sees them: its rule, network, batch and seed, window
// updates (the probe applies none; an update costs little beside a window).
TrainConfig probe_view(const ProbeConfig& p, const std::string& rule) {
  TrainConfig t;
  t.task = p.task;
  t.task_params = p.task_params;
  t.algorithm = rule;
  const auto params = p.algo_params.find(rule);
  if (params != p.algo_params.end()) t.algo_params = params->second;
  t.model = p.model;
  t.model_params = p.model_params;
  t.hidden = p.hidden;
  t.alpha = p.alpha;
  t.gain = p.gain;
  t.batch = p.batch;
  t.dtype = p.dtype;
  t.device = p.device;
  t.seeds = {p.seed};
  t.learning_rates = {p.train_lr};
  return t;
}

size_t rule_state_bytes(const TrainConfig& c, const Task& task, int batch, size_t* params_count = nullptr,
                        double* flops_per_step = nullptr, bool* stochastic = nullptr, bool* adapts = nullptr) {
  Learner learner(make_config_network(c.model, training_knobs(c), task, c.dtype, c.device), c.algorithm, c.algo_params);
  if (params_count) *params_count = learner.W_size() + learner.params().W_outb.numel();
  if (flops_per_step) *flops_per_step = learner.rule().flops_per_step();
  if (stochastic) *stochastic = learner.rule().stochastic();
  if (adapts) *adapts = learner.rule().adapts();
  return learner.rule().state_bytes_for(batch, task.steps());
}

size_t exact_state_bytes(const TrainConfig& c, const Task& task, int batch) {
  TrainConfig e = c;
  e.algorithm = "bptt";
  e.algo_params.clear();
  e.dtype = DType::f64;
  e.device = Device::cpu;
  return rule_state_bytes(e, task, batch);
}

}  // namespace

CostEstimate estimate_training(const TrainConfig& config, int jobs, CostCalibration& calibration) {
  check_training(config);
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  double flops_per_step = 0;
  const size_t state = rule_state_bytes(config, *task, config.batch, nullptr, &flops_per_step);
  const size_t runs = config.learning_rates.size() * config.seeds.size();
  const size_t parallel = runs_side_by_side(config, jobs, state);
  const bool online = config.regime == Regime::online;
  // Runs side by side on the CPU give each BLAS call one thread (parallel_runs.h): timed so,
  // or a BLAS-bound rule (RTRL at large n) would count the cores twice.
  std::optional<CpuBlasThreadsScope> as_side_by_side;
  if (config.device == Device::cpu && parallel > 1) as_side_by_side.emplace(1);

  // One run: its windows, its validation points (two forward windows each online: warm-up and
  // scored), the test, and where it ends.
  const int iterations = config.iterations;
  const double points = iterations > 0 ? (iterations - 1) / config.eval_every + 2 : 1;  // ceil(I / E) + 1
  const int forward_per_eval = online ? 2 : 1;
  double run = iterations * calibration.training_window(config) +
               (points + 1) * forward_per_eval * calibration.forward_window(config, config.eval_batch);
  size_t exact_state = 0;
  if (config.align_every > 0) {
    const int align_batch = config.align_batch > 0 ? config.align_batch : config.batch;
    TrainConfig estimate = config;
    estimate.batch = align_batch;
    estimate.update = UpdateSchedule::window;
    estimate.regime = Regime::batched;
    const double aligned = iterations > 0 ? (iterations - 1) / config.align_every + 2 : 1;
    run += aligned * (calibration.exact_window(config, align_batch) + calibration.training_window(estimate));
    exact_state = std::max(exact_state, exact_state_bytes(config, *task, align_batch));
  }
  if (config.curvature_batch > 0) {
    run += 2 * kExpectedCurvatureIterations * calibration.exact_window(config, config.curvature_batch);
    if (!online) run += calibration.forward_window(config, config.batch);
    exact_state = std::max(exact_state, exact_state_bytes(config, *task, config.curvature_batch));
  }
  CostEstimate cost;
  // Runs side by side share a GPU: how much they overlap depends on how launch-bound they are,
  // not measured yet, so a GPU's estimate counts them one after another (an upper bound).
  const size_t rounds = config.device == Device::cpu ? (runs + parallel - 1) / parallel : runs;
  cost.seconds = static_cast<double>(rounds) * run;
  cost.flops = flops_per_step * task->steps() * config.batch * static_cast<double>(iterations) * runs;
  cost.memory_bytes = parallel * (state + exact_state + batch_bytes(*task, config.batch, config.dtype)) +
                      2 * batch_bytes(*task, config.eval_batch, config.dtype);
  return cost;
}

CostEstimate estimate_probe(const ProbeConfig& config, CostCalibration& calibration, bool with_reference) {
  check_probe(config);
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  TrainConfig exact_view = probe_view(config, "bptt");
  exact_view.algo_params.clear();  // the reference is plain BPTT, whatever a probed bptt is given
  const int last = config.checkpoints.empty() ? 0 : *std::max_element(config.checkpoints.begin(), config.checkpoints.end());
  const double exact = calibration.exact_window(exact_view, config.batch);
  const int points = static_cast<int>(config.checkpoints.size());
  // The probe's own training run, then at each checkpoint the reference and the data floor.
  CostEstimate cost;
  if (with_reference)
    cost.seconds = exact * (last + static_cast<double>(points) * (1 + (config.data_batches >= 2 ? config.data_batches : 0)));
  size_t states = exact_state_bytes(exact_view, *task, config.batch);
  for (const std::string& rule : config.algorithms) {
    const TrainConfig view = probe_view(config, rule);
    size_t params = 0;
    double flops_per_step = 0;
    bool stochastic = false, adapts = false;
    states += rule_state_bytes(view, *task, config.batch, &params, &flops_per_step, &stochastic, &adapts);
    const int samples = stochastic ? config.samples : 1;
    const double windows = static_cast<double>(points) * (samples + (adapts ? config.adapt_windows : 0));
    cost.seconds += windows * calibration.training_window(view);
    cost.flops += flops_per_step * task->steps() * config.batch * windows;
    states += static_cast<size_t>(samples) * params * sizeof(double);  // the estimates it keeps
  }
  cost.memory_bytes = states + batch_bytes(*task, config.batch, config.dtype);
  return cost;
}

}  // namespace tca
