#include "bench/experiments/probe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "algorithms/learner.h"
#include "bench/experiments/parameter_update.h"
#include "core/seeds.h"
#include "core/statistics.h"
#include "models/registry.h"

namespace tca {

namespace {

void check_range(const char* name, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream s;
    s << name << " must lie in [" << lo << ", " << hi << "], got " << value;
    throw std::invalid_argument(s.str());
  }
}

// tr(Cov over batches) / |g|^2 of the given gradients.
double relative_spread(const std::vector<std::vector<double>>& grads, const std::vector<double>& g) {
  return compare_gradients(grads, g, /*stochastic=*/true).rel_variance;
}

// Rounds host values to what a tensor of the given dtype holds.
std::vector<double> rounded(const std::vector<double>& v, DType dtype) {
  return Tensor::from_host(v, {static_cast<int64_t>(v.size())}, dtype).to_host();
}

void check_probe_config(const ProbeConfig& config) {
  check_range("--batch", config.batch, 1, 65536);
  check_range("--samples", config.samples, 1, 1000000);
  check_range("--train-lr", config.train_lr, 1e-12, 1.0);
  check_range("--data-batches", config.data_batches, 0, 100000);
  check_range("--adapt-windows", config.adapt_windows, 0, 1000000);
  if (config.data_batches == 1)
    throw std::invalid_argument("--data-batches must be 0 (skip) or at least 2: a spread needs two batches");
  for (size_t i = 0; i < config.algorithms.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (config.algorithms[i] == config.algorithms[j])
        throw std::invalid_argument("rule '" + config.algorithms[i] + "' named twice");
  if (config.algorithms.empty()) throw std::invalid_argument("no algorithm named");
  if (config.checkpoints.empty()) throw std::invalid_argument("--checkpoints: at least one step");
  for (size_t i = 0; i < config.checkpoints.size(); ++i) {
    check_range("--checkpoints", config.checkpoints[i], 0, 10000000);
    if (i > 0 && config.checkpoints[i] <= config.checkpoints[i - 1])
      throw std::invalid_argument("--checkpoints must be increasing");
  }
  for (const auto& [id, params] : config.algo_params) {
    if (std::find(config.algorithms.begin(), config.algorithms.end(), id) == config.algorithms.end())
      throw std::invalid_argument("parameters given for '" + id + "', which is not among the rules probed");
  }
  if (config.model == "rate") {
    check_range("--hidden", config.hidden, 1, 4096);
    check_range("--alpha", config.alpha, 1e-6, 1.0);
    check_range("--gain", config.gain, 0.0, 100.0);
  }
}

// The exact gradient (BPTT in double on the CPU) at the exact learner's parameters.
struct Exact {
  double loss = 0;
  std::vector<double> gradient;
  std::vector<double> outputs;
};
Exact exact_gradient(Learner& exact, const Batch& batch) {
  Exact e;
  e.loss = exact.window(to_device(batch, DType::f64, Device::cpu), 0, &e.outputs);
  e.gradient = exact.flat_gradient();
  return e;
}

// The data-variance floor at the exact learner's parameters.
DataFloor data_floor(const ProbeConfig& config, const Task& task, Learner& exact, const std::vector<double>& reference,
                     const std::vector<std::pair<std::string, std::vector<size_t>>>& groups,
                     const std::vector<size_t>& recurrent) {
  DataFloor floor;
  if (config.data_batches < 2) return floor;
  std::vector<std::vector<double>> grads;
  for (int i = 0; i < config.data_batches; ++i) {
    const Batch other = task.sample(config.batch, derived_seed(config.seed, SeedPurpose::data_floor, i));
    grads.push_back(exact_gradient(exact, other).gradient);
  }
  floor.batches = config.data_batches;
  floor.total = relative_spread(grads, reference);
  floor.recurrent = relative_spread(pick_entries(grads, recurrent), pick_entries(reference, recurrent));
  for (const auto& [name, idx] : groups) floor.groups[name] = relative_spread(pick_entries(grads, idx), pick_entries(reference, idx));
  return floor;
}

// One rule's estimates at the learner's current point, against the reference.
AlgorithmProbe probe_rule(const ProbeConfig& config, const Task& task, int checkpoint, Learner& learner,
                          const DeviceBatch& batch, int T, const std::vector<size_t>& recurrent,
                          const std::vector<double>& reference,
                          const std::vector<std::pair<std::string, std::vector<size_t>>>& groups) {
  if (learner.rule().adapts()) adapt_rule(config, task, learner, checkpoint);
  const Rule& rule = learner.rule();
  AlgorithmProbe probe;
  probe.id = rule.id();
  probe.config = rule.config();
  probe.stochastic = rule.stochastic();
  probe.samples = probe.stochastic ? config.samples : 1;
  std::vector<double> seconds;
  probe.estimates = rule_estimates(config, learner, batch, &probe.loss, &seconds);
  std::sort(seconds.begin(), seconds.end());
  probe.seconds_per_window = seconds[seconds.size() / 2];
  probe.state_bytes = rule.state_bytes(T);
  probe.flops_per_step = rule.flops_per_step();
  EstimateScores scores = score_estimates(probe.estimates, reference, groups, recurrent, probe.stochastic);
  probe.total = std::move(scores.total);
  probe.recurrent = std::move(scores.recurrent);
  probe.groups = std::move(scores.groups);
  learner.rule().set_adapting(true);
  return probe;
}

// The reference's learner: exact BPTT in double on the CPU, whatever hyperparameters the config
// gives a probed `bptt` (the spiking network's stop_gradient would make it inexact).
Learner reference_learner(const ProbeConfig& config, const Task& task) {
  return Learner(make_network(config.model, config.network_knobs(), {task.input_size(), task.output_size(), task.loss()},
                              DType::f64, Device::cpu),
                 "bptt");
}

}  // namespace

Learner probe_learner(const ProbeConfig& config, const Task& task, const std::string& rule, DType dtype,
                      Device device) {
  const auto given = config.algo_params.find(rule);
  return Learner(make_network(config.model, config.network_knobs(), {task.input_size(), task.output_size(), task.loss()},
                              dtype, device),
                 rule, given == config.algo_params.end() ? std::map<std::string, std::string>{} : given->second);
}

void adapt_rule(const ProbeConfig& config, const Task& task, Learner& learner, int checkpoint) {
  learner.rule().set_adapting(true);
  for (int w = 0; w < config.adapt_windows; ++w) {
    const uint64_t key = derived_seed(config.seed, SeedPurpose::adaptation,
                                      (static_cast<uint64_t>(checkpoint) << 32) | static_cast<uint64_t>(w));
    learner.window(to_device(task.sample(config.batch, key), config.dtype, config.device),
                   derived_seed(key, SeedPurpose::noise, 0));
  }
  learner.rule().set_adapting(false);
}

std::vector<std::vector<double>> rule_estimates(const ProbeConfig& config, Learner& learner, const DeviceBatch& batch,
                                                double* loss, std::vector<double>* seconds) {
  const int samples = learner.rule().stochastic() ? config.samples : 1;
  std::vector<std::vector<double>> estimates;
  for (int s = 0; s < samples; ++s) {
    const auto start = std::chrono::steady_clock::now();
    const double window_loss = learner.window(batch, derived_seed(config.seed, SeedPurpose::noise, s));
    if (loss) *loss = window_loss;
    estimates.push_back(learner.flat_gradient());
    if (seconds) seconds->push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return estimates;
}


std::map<std::string, std::string> ProbeConfig::network_knobs() const {
  return rate_or_model_knobs(model, hidden, alpha, gain, model_params);
}

nlohmann::json ProbeConfig::to_json() const {
  nlohmann::json j = {{"task", task},
                      {"task_params", task_params},
                      {"algorithms", algorithms},
                      {"algo_params", algo_params},
                      {"batch", batch},
                      {"seed", seed},
                      {"samples", samples},
                      {"precision", to_string(dtype)},
                      {"device", to_string(device)},
                      {"checkpoints", checkpoints},
                      {"train_lr", train_lr},
                      {"data_batches", data_batches}};
  // Only when it differs from the default, so that the configs of earlier runs keep their hashes.
  if (adapt_windows != ProbeConfig{}.adapt_windows) j["adapt_windows"] = adapt_windows;
  if (model == "rate") {  // the rate model's keys, as before the spiking model existed (same hashes)
    j["hidden"] = hidden;
    j["alpha"] = alpha;
    j["gain"] = gain;
    // Its other knobs (init) only when given, so that a default rate config keeps its hash.
    if (!model_params.empty()) j["model_params"] = model_params;
  } else {
    j["model"] = model;
    j["model_params"] = model_params;
  }
  return j;
}

void check_probe(const ProbeConfig& config) {
  check_probe_config(config);
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  std::vector<Learner> learners;
  for (const std::string& id : config.algorithms)
    learners.push_back(probe_learner(config, *task, id, config.dtype, config.device));
  reference_learner(config, *task);
  require_batch_fits(config.batch, task->steps(), task->input_size(), task->output_size(), config.dtype,
                     config.device);
  for (Learner& learner : learners) learner.require_state_fits(config.batch, task->steps());
}

std::string probe_reference_key(const ProbeConfig& config) {
  nlohmann::json j = config.to_json();
  for (const char* rule_side : {"algorithms", "algo_params", "samples", "adapt_windows", "device"}) j.erase(rule_side);
  return j.dump();
}

// The reference's training run, one checkpoint at a time, so that a probe measures its rules at
// each checkpoint before it trains on to the next (progress as it goes, and an interrupted probe
// has spent nothing past the checkpoint it was at).
class ProbeReferenceRun {
 public:
  // Called with W_outb before and after each training step, for rules that follow the run.
  using StepCallback = std::function<void(const std::vector<double>& before, const std::vector<double>& after)>;

  // with_trajectory: keep W_outb along the run in the reference, for probes to come.
  ProbeReferenceRun(const ProbeConfig& config, const Task& task, bool with_trajectory, StepCallback on_step)
      : config_(config),
        task_(task),
        with_trajectory_(with_trajectory),
        on_step_(std::move(on_step)),
        exact_(reference_learner(config, task)),
        groups_(exact_.group_indices()),
        recurrent_(exact_.recurrent_indices()) {
    ref_.batch = task.sample(config.batch, config.seed);
    // The training run (Adam on the exact gradient, fresh batch per step) moves the exact
    // learner's parameters, in double; each checkpoint rounds them to the run's dtype.
    exact_.set_params(exact_.initial_flat_params(config.seed));
    adam_ = std::make_unique<ParameterUpdate>(Optimizer::adam, config.train_lr, /*clip=*/0, exact_.params(),
                                              exact_.network());
    if (with_trajectory_) ref_.W_outb_trajectory.push_back(exact_.params().W_outb.to_host());
  }

  const ProbeReference& so_far() const { return ref_; }

  // Trains on to the next checkpoint and measures the reference there; returns that point.
  const ProbePoint& next() {
    const int checkpoint = config_.checkpoints[ref_.points.size()];
    for (; trained_ < checkpoint; ++trained_) {
      const Batch train = task_.sample(config_.batch, derived_seed(config_.seed, SeedPurpose::training, trained_));
      std::vector<double> before;
      if (on_step_) before = exact_.params().W_outb.to_host();
      exact_gradient(exact_, train);
      if (!std::isfinite(adam_->apply(exact_.gradient())))
        throw std::runtime_error("the training run diverged before step " + std::to_string(checkpoint) +
                                 "; lower --train-lr");
      if (!with_trajectory_ && !on_step_) continue;
      const std::vector<double> after = exact_.params().W_outb.to_host();
      if (on_step_) on_step_(before, after);
      if (with_trajectory_) ref_.W_outb_trajectory.push_back(after);
    }
    const std::vector<double> theta = exact_.flat_params();
    for (double v : theta)
      if (!std::isfinite(v))
        throw std::runtime_error("the training run diverged before step " + std::to_string(checkpoint) +
                                 "; lower --train-lr");
    ProbePoint point;
    point.step = checkpoint;
    const size_t W_size = exact_.W_size();
    const std::vector<double> theta_run = rounded(theta, config_.dtype);
    point.W.assign(theta_run.begin(), theta_run.begin() + static_cast<ptrdiff_t>(W_size));
    point.W_outb.assign(theta_run.begin() + static_cast<ptrdiff_t>(W_size), theta_run.end());
    // The reference at the point the rules see: the run's rounding of the training run's theta.
    exact_.set_params(theta_run);
    const Exact reference = exact_gradient(exact_, ref_.batch);
    point.reference_loss = reference.loss;
    point.reference = reference.gradient;
    point.task_metrics = task_.metrics(ref_.batch, reference.outputs);
    point.data_floor = data_floor(config_, task_, exact_, point.reference, groups_, recurrent_);
    exact_.set_params(theta);  // training goes on from the unrounded point
    ref_.points.push_back(std::move(point));
    return ref_.points.back();
  }

  ProbeReference take() { return std::move(ref_); }

 private:
  const ProbeConfig& config_;
  const Task& task_;
  bool with_trajectory_;
  StepCallback on_step_;
  Learner exact_;
  std::vector<std::pair<std::string, std::vector<size_t>>> groups_;
  std::vector<size_t> recurrent_;
  std::unique_ptr<ParameterUpdate> adam_;
  ProbeReference ref_;
  int trained_ = 0;
};

const ProbeReference* ProbeReferences::find(const ProbeConfig& config, bool need_trajectory) const {
  const auto found = cache_.find(probe_reference_key(config));
  if (found == cache_.end() || (need_trajectory && found->second.W_outb_trajectory.empty())) return nullptr;
  return &found->second;
}

void ProbeReferences::store(const ProbeConfig& config, ProbeReference reference) {
  cache_[probe_reference_key(config)] = std::move(reference);
}

ProbeResult run_probe(const ProbeConfig& config, std::ostream* progress, ProbeReferences* references) {
  check_probe(config);
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  std::vector<Learner> learners;
  for (const std::string& id : config.algorithms)
    learners.push_back(probe_learner(config, *task, id, config.dtype, config.device));
  const Learner exact = reference_learner(config, *task);
  const bool followers = std::any_of(learners.begin(), learners.end(),
                                     [](const Learner& l) { return l.rule().follows_training(); });
  // Rules whose state follows the training run take each of its steps as it is made.
  const auto follow = [&](const std::vector<double>& before, const std::vector<double>& after) {
    for (Learner& learner : learners)
      if (learner.rule().follows_training()) learner.rule().follow_training_step(before, after, 0.0);
  };
  // The reference from an earlier probe of the same key (replaying the training run's W_outb
  // for followers), or computed here checkpoint by checkpoint. A shared one keeps W_outb along
  // the run whenever that is small (64 MiB), so that a later rule that follows the training
  // finds it there.
  const ProbeReference* cached = references ? references->find(config, followers) : nullptr;
  const size_t trajectory_bytes = (static_cast<size_t>(config.checkpoints.back()) + 1) *
                                  static_cast<size_t>(exact.network().o() * (exact.network().n() + 1)) * sizeof(double);
  std::unique_ptr<ProbeReferenceRun> run;
  if (!cached)
    run = std::make_unique<ProbeReferenceRun>(config, *task, references && trajectory_bytes <= (size_t{64} << 20),
                                              followers ? ProbeReferenceRun::StepCallback(follow) : nullptr);

  ProbeResult result;
  result.config = config;
  result.n = exact.network().n();
  result.m = exact.network().m();
  result.o = exact.network().o();
  result.network = exact.network().description();
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.batch = cached ? cached->batch : run->so_far().batch;

  const std::vector<std::pair<std::string, std::vector<size_t>>> groups = exact.group_indices();
  const std::vector<size_t> recurrent = exact.recurrent_indices();
  const DeviceBatch batch = to_device(result.batch, config.dtype, config.device);
  int replayed = 0;
  for (size_t i = 0; i < config.checkpoints.size(); ++i) {
    ProbePoint point = cached ? cached->points[i] : run->next();
    for (; cached && followers && replayed < point.step; ++replayed)
      follow(cached->W_outb_trajectory[static_cast<size_t>(replayed)],
             cached->W_outb_trajectory[static_cast<size_t>(replayed) + 1]);
    std::vector<double> theta_run = point.W;
    theta_run.insert(theta_run.end(), point.W_outb.begin(), point.W_outb.end());
    for (Learner& learner : learners) {
      learner.set_params(theta_run);
      AlgorithmProbe probe =
          probe_rule(config, *task, point.step, learner, batch, result.batch.T, recurrent, point.reference, groups);
      if (progress) {
        *progress << "probe " << config.task << " step " << point.step << ": " << probe.id << " done ("
                  << probe.samples << (probe.samples == 1 ? " window, " : " windows, ")
                  << probe.seconds_per_window * probe.samples << " s)\n";
        progress->flush();
      }
      point.algorithms.push_back(std::move(probe));
    }
    result.points.push_back(std::move(point));
  }
  if (run && references) references->store(config, run->take());
  return result;
}

}  // namespace tca
