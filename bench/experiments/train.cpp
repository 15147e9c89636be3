#include "bench/experiments/train.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "algorithms/learner.h"
#include "bench/experiments/curvature.h"
#include "bench/experiments/gradient_stats.h"
#include "bench/experiments/parallel_runs.h"
#include "core/seeds.h"
#include "core/statistics.h"
#include "models/rate_rnn.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {

namespace {

template <typename V>
void require(bool ok, const char* name, V value, const char* what) {
  if (ok) return;
  std::ostringstream s;
  s << name << " " << what << ", got " << value;
  throw std::invalid_argument(s.str());
}

size_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

std::string format_metrics(const std::map<std::string, double>& metrics) {
  std::ostringstream s;
  s.precision(4);
  for (const auto& [name, value] : metrics) s << ' ' << name << ' ' << value;
  return s.str();
}

std::string Criterion::to_string() const {
  if (!defined()) return "";
  return metric + (at_least ? ">=" : "<=") + format_real(value);  // shortest text that reads back the same
}

Criterion parse_criterion(const std::string& text) {
  Criterion c;
  if (text.empty()) return c;
  for (const char* op : {">=", "<="}) {
    const auto at = text.find(op);
    if (at == std::string::npos || at == 0) continue;
    c.metric = text.substr(0, at);
    c.at_least = op[0] == '>';
    const std::string number = text.substr(at + 2);
    size_t used = 0;
    try {
      c.value = std::stod(number, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != number.size() || !std::isfinite(c.value)) break;
    return c;
  }
  throw std::invalid_argument("--criterion expects metric>=value or metric<=value (e.g. accuracy>=0.9), got '" +
                              text + "'");
}

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json j = {{"task", task},
          {"task_params", task_params},
          {"algorithm", algorithm},
          {"algo_params", algo_params},
          {"model", model},
          {"model_params", model_params},
          {"hidden", hidden},
          {"batch", batch},
          {"alpha", alpha},
          {"gain", gain},
          {"precision", to_string(dtype)},
          {"device", to_string(device)},
          {"seeds", seeds},
          {"learning_rates", learning_rates},
          {"optimizer", optimizer == Optimizer::adam ? "adam" : "sgd"},
          {"update", update == UpdateSchedule::window ? "window" : "step"},
          {"clip", clip},
          {"iterations", iterations},
          {"eval_every", eval_every},
          {"eval_batch", eval_batch},
          {"criterion", criterion.to_string()},
          {"stop_at_criterion", stop_at_criterion}};
  // Written only when set, so that the configurations (and hashes) of batched runs without
  // alignment stay what they were before these settings existed.
  if (regime == Regime::online) j["regime"] = "online";
  if (confirm_batch > 0) j["confirm_batch"] = confirm_batch;
  if (curvature_batch > 0) j["curvature_batch"] = curvature_batch;
  if (align_every > 0) {
    j["align_every"] = align_every;
    j["align_batch"] = align_batch;
  }
  return j;
}

std::string to_string(Regime regime) { return regime == Regime::online ? "online" : "batched"; }

void set_online_regime(TrainConfig& config) {
  config.regime = Regime::online;
  config.update = UpdateSchedule::step;
  config.optimizer = Optimizer::sgd;
  config.clip = 0;
  config.batch = 1;
}

void TrainConfig::validate() const {
  require(hidden >= 1 && hidden <= 4096, "--hidden", hidden, "must lie in [1, 4096]");
  require(batch >= 1 && batch <= 65536, "--batch", batch, "must lie in [1, 65536]");
  require(alpha > 0 && alpha <= 1, "--alpha", alpha, "must lie in (0, 1]");
  require(gain >= 0 && gain <= 100, "--gain", gain, "must lie in [0, 100]");
  require(!seeds.empty(), "--seeds", "nothing", "needs at least one seed");
  require(std::set<uint64_t>(seeds.begin(), seeds.end()).size() == seeds.size(), "--seeds", "a repeated seed",
          "must be distinct");
  require(!learning_rates.empty(), "--lr", "nothing", "needs at least one learning rate");
  for (double lr : learning_rates) require(lr > 0 && lr <= 1e3, "--lr", lr, "must lie in (0, 1000]");
  require(std::set<double>(learning_rates.begin(), learning_rates.end()).size() == learning_rates.size(), "--lr",
          "a repeated rate", "must be distinct");
  require(clip >= 0 && std::isfinite(clip), "--clip", clip, "must be >= 0 (0: no clipping)");
  require(iterations >= 1 && iterations <= 10000000, "--iterations", iterations, "must lie in [1, 10^7]");
  require(eval_every >= 1, "--eval-every", eval_every, "must be >= 1");
  require(eval_batch >= 1 && eval_batch <= 65536, "--eval-batch", eval_batch, "must lie in [1, 65536]");
  require(!stop_at_criterion || criterion.defined(), "--stop-at-criterion", "no --criterion", "needs a --criterion");
  require(confirm_batch >= 0 && confirm_batch <= 65536, "--confirm-batch", confirm_batch, "must lie in [0, 65536]");
  require(confirm_batch == 0 || criterion.defined(), "--confirm-batch", "no --criterion", "needs a --criterion");
  require(regime == Regime::batched || update == UpdateSchedule::step, "--regime online", "--update window",
          "updates after every step");
  require(align_every >= 0 && align_every <= 10000000, "--align-every", align_every, "must lie in [0, 10^7] (0: never)");
  require(align_batch >= 0 && align_batch <= 65536, "--align-batch", align_batch,
          "must lie in [0, 65536] (0: the training batch)");
  require(curvature_batch >= 0 && curvature_batch <= 65536, "--curvature-batch", curvature_batch,
          "must lie in [0, 65536] (0: skip)");
}

namespace {

// Held-out data, scored without learning. In the batched regime a batch from zero state; in the
// online regime the second window of a held-out stream, after its first as a warm-up, so that
// it is scored in the middle of a stream, where the training data are seen (on add-v0 and
// mimic-v0 with the stationary statistics: no zero-state transient).
struct HeldOut {
  Batch host;                    // the scored window
  DeviceBatch scored, warmup;    // warmup: online regime only
  bool has_warmup = false;
};

HeldOut held_out(const Task& task, const TrainConfig& config, int batch_size, uint64_t seed) {
  HeldOut h;
  if (config.regime == Regime::online) {
    const std::unique_ptr<TaskStream> stream = task.stream(batch_size, seed);
    h.warmup = to_device(stream->next(), config.dtype, config.device);
    h.has_warmup = true;
    h.host = stream->next();
  } else {
    h.host = task.sample(batch_size, seed);
  }
  h.scored = to_device(h.host, config.dtype, config.device);
  return h;
}

// Progress lines of runs that may compute side by side: one line at a time.
struct ProgressLines {
  std::ostream* stream = nullptr;  // null: none
  bool overwrite = false;          // lines overwrite each other (a terminal)
  std::mutex mutex;
  void write(const std::string& text, bool final_line) {
    if (!stream) return;
    const std::lock_guard<std::mutex> lock(mutex);
    *stream << (overwrite ? "\r\033[K" : "") << text << (final_line || !overwrite ? "\n" : "") << std::flush;
  }
};

// What one thread of runs owns (parallel_runs.h): the learner it trains, and the networks of its
// evaluations.
struct RunWorkspace {
  std::unique_ptr<Learner> learner;
  std::unique_ptr<Network> evaluator;  // the validation and test passes run on their own network,
                                       // so that a stream's state in the learner's survives them
  // Alignment along the trajectory (align_every > 0) and curvature: the exact learner (BPTT in
  // double on the CPU) and, for alignment in the online regime, a second learner with the run's
  // rule for the estimate, so that the training learner's traces are not reset.
  std::unique_ptr<Learner> exact, estimator;
};

// What a run sees: what every run of a training call shares (the task, the evaluation batches,
// the progress lines) and the workspace of the thread that computes it.
struct TrainingContext {
  const TrainConfig& config;
  const Task& task;
  Learner& learner;
  Network& evaluator;
  const HeldOut& validation;
  const HeldOut& test;
  ProgressLines& progress;
  size_t total_runs;
  Learner* exact = nullptr;
  Learner* estimator = nullptr;
};

// The held-out window's loss and outputs at the learner's parameters; metrics() then scores
// held.host against the outputs.
double evaluate(const TrainingContext& c, const HeldOut& held, std::vector<double>& outputs) {
  if (held.has_warmup) run_window(c.evaluator, c.learner.params(), held.warmup, nullptr, 0, nullptr);
  return run_window(c.evaluator, c.learner.params(), held.scored, nullptr, 0, &outputs, held.has_warmup);
}

// The rule's estimate against the exact gradient at the run's current parameters, on a fresh
// batch keyed by (seed, iteration).
void record_alignment(const TrainingContext& c, TrainRun& run, int iteration) {
  const TrainConfig& config = c.config;
  const uint64_t key = derived_seed(run.seed, SeedPurpose::alignment, static_cast<uint64_t>(iteration));
  const Batch host = c.task.sample(config.align_batch > 0 ? config.align_batch : config.batch, key);
  const std::vector<double> theta = c.learner.flat_params();
  Learner& estimator = c.estimator ? *c.estimator : c.learner;
  if (c.estimator) c.estimator->set_params(theta);
  estimator.window(to_device(host, config.dtype, config.device), derived_seed(key, SeedPurpose::noise, 0));
  const std::vector<double> estimate = estimator.flat_gradient();
  c.exact->set_params(theta);
  c.exact->window(to_device(host, DType::f64, Device::cpu), 0);
  const std::vector<double> exact = c.exact->flat_gradient();

  std::vector<double> g, ghat;
  for (const size_t i : c.exact->recurrent_indices()) {
    g.push_back(exact[i]);
    ghat.push_back(estimate[i]);
  }
  AlignmentPoint p;
  p.iteration = iteration;
  double error = 0, norm = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    error += (ghat[i] - g[i]) * (ghat[i] - g[i]);
    norm += g[i] * g[i];
  }
  p.exact_norm = std::sqrt(norm);
  p.relative_error = norm > 0 ? std::sqrt(error / norm) : std::numeric_limits<double>::quiet_NaN();
  p.cosine = norm > 0 ? cosine(ghat, g) : std::numeric_limits<double>::quiet_NaN();
  p.cosine_all = cosine(estimate, exact);
  run.alignment.push_back(p);
}

// Where a run ends, after `trained` windows: the top Hessian eigenvalue of the loss of a fresh
// training-distribution batch, and the gap between the test loss and the loss of the last
// training batch (batched regime), at the final parameters.
void where_it_ends(const TrainingContext& c, TrainRun& run, int trained) {
  const TrainConfig& config = c.config;
  if (config.curvature_batch == 0) return;
  const Batch batch = c.task.sample(config.curvature_batch, derived_seed(run.seed, SeedPurpose::curvature, 0));
  const Curvature curvature = top_hessian_eigenvalue(*c.exact, c.learner.flat_params(), batch,
                                                     derived_seed(run.seed, SeedPurpose::curvature, 1));
  run.top_hessian_eigenvalue = curvature.top_eigenvalue;
  run.curvature_iterations = curvature.iterations;
  run.curvature_converged = curvature.converged;
  if (config.regime == Regime::batched && trained > 0) {
    HeldOut last;
    last.host = c.task.sample(config.batch, derived_seed(run.seed, SeedPurpose::training, static_cast<uint64_t>(trained - 1)));
    last.scored = to_device(last.host, config.dtype, config.device);
    std::vector<double> outputs;
    run.generalization_gap = run.test_loss - evaluate(c, last, outputs);
  }
}

// Validation at `iteration`: the learning curve's point, the criterion, divergence, progress.
void record_point(const TrainingContext& c, TrainRun& run, int iteration, double& loss_sum, int& loss_count,
                  size_t run_index) {
  std::vector<double> outputs;
  CurvePoint p;
  p.iteration = iteration;
  p.train_loss = loss_count ? loss_sum / loss_count : std::numeric_limits<double>::quiet_NaN();
  loss_sum = 0;
  loss_count = 0;
  p.validation_loss = evaluate(c, c.validation, outputs);
  p.validation_metrics = c.task.metrics(c.validation.host, outputs);
  const Criterion& criterion = c.config.criterion;
  if (criterion.defined()) {
    const auto it = p.validation_metrics.find(criterion.metric);
    if (it == p.validation_metrics.end()) {
      std::string names;
      for (const auto& [name, value] : p.validation_metrics) names += (names.empty() ? "" : ", ") + name;
      throw std::invalid_argument("--criterion: " + c.config.task + " has no metric '" + criterion.metric +
                                  "' (it has: " + names + ")");
    }
    if (run.steps_to_criterion < 0 && criterion.met(it->second)) {
      if (c.config.confirm_batch == 0) {
        run.steps_to_criterion = iteration;
      } else {  // a fresh, larger batch must meet it too
        const HeldOut confirmation =
            held_out(c.task, c.config, c.config.confirm_batch,
                     derived_seed(run.seed, SeedPurpose::confirmation, static_cast<uint64_t>(iteration)));
        std::vector<double> confirm_outputs;
        evaluate(c, confirmation, confirm_outputs);
        Confirmation check;
        check.iteration = iteration;
        check.value = c.task.metrics(confirmation.host, confirm_outputs).at(criterion.metric);
        check.met = criterion.met(check.value);
        run.confirmations.push_back(check);
        if (check.met) run.steps_to_criterion = iteration;
      }
    }
  }
  if (!std::isfinite(p.validation_loss) && !run.diverged) {
    run.diverged = true;
    run.diverged_at = iteration;
  }
  if (c.progress.stream) {
    char head[200];
    std::snprintf(head, sizeof(head), "train %s %s: lr %g seed %llu (run %zu/%zu) iter %d/%d", c.config.task.c_str(),
                  c.learner.rule().id().c_str(), run.learning_rate, static_cast<unsigned long long>(run.seed),
                  run_index + 1, c.total_runs, iteration, c.config.iterations);
    std::ostringstream line;
    line << head << "  train loss " << p.train_loss << "  val loss " << p.validation_loss
         << format_metrics(p.validation_metrics);
    if (run.wall_seconds > 0) line << "  " << static_cast<long long>(run.steps_per_second) << " steps/s";
    c.progress.write(line.str(), false);
  }
  run.curve.push_back(std::move(p));
}

// One training window (or online pass over it); returns its loss and sets norm to the last
// update's gradient norm. first: the run's first window (the online regime's streams begin).
double train_window(const TrainingContext& c, ParameterUpdate& update, const DeviceBatch& batch, uint64_t noise,
                    bool first, double& norm) {
  Learner& learner = c.learner;
  if (c.config.update == UpdateSchedule::window) {
    const double loss = learner.window(batch, noise);
    std::vector<double> before;
    if (learner.rule().follows_training()) before = learner.params().W_outb.to_host();
    norm = update.apply(learner.gradient());
    if (learner.rule().follows_training())
      learner.rule().follow_training_step(before, learner.params().W_outb.to_host(), 0.0);  // no weight decay here
    return loss;
  }
  const bool online = c.config.regime == Regime::online;
  if (online && !first) learner.resume(noise);  // the stream goes on
  else learner.begin(batch, noise);
  for (int t = 0; t < batch.T && std::isfinite(norm); ++t) {
    learner.step(batch, t);
    norm = update.apply(learner.gradient());
    learner.rule().zero_gradient();
  }
  if (online) return learner.stream_loss();  // a stream's window does not end its traces
  const double loss = learner.end();
  // What the end of the window hands out (tbptt mode=future: the last steps' credit, cut there);
  // zero for rules whose estimate is complete after every step, which applies nothing.
  if (std::isfinite(norm)) norm = update.apply(learner.gradient());
  return loss;
}

// One (learning rate, seed) run.
TrainRun train_one_run(const TrainingContext& c, double lr, uint64_t seed, size_t run_index) {
  const TrainConfig& config = c.config;
  TrainRun run;
  run.learning_rate = lr;
  run.seed = seed;
  c.learner.initialise(seed);
  ParameterUpdate update(config.optimizer, lr, config.clip, c.learner.params(), c.learner.network());
  // The online regime's data: B streams keyed by the seed (the trials of a trial task are those
  // a batched run would draw, back to back).
  const std::unique_ptr<TaskStream> stream =
      config.regime == Regime::online ? c.task.stream(config.batch, seed) : nullptr;
  double loss_sum = 0;
  int loss_count = 0;
  int iteration = 0;
  for (; iteration < config.iterations && !run.diverged; ++iteration) {
    if (iteration % config.eval_every == 0) record_point(c, run, iteration, loss_sum, loss_count, run_index);
    if (config.align_every > 0 && iteration % config.align_every == 0 && !run.diverged)
      record_alignment(c, run, iteration);
    if (run.diverged || (config.stop_at_criterion && run.steps_to_criterion >= 0)) break;
    const Batch batch_host =
        stream ? stream->next()
               : c.task.sample(config.batch, derived_seed(seed, SeedPurpose::training, static_cast<uint64_t>(iteration)));
    const DeviceBatch batch = to_device(batch_host, config.dtype, config.device);
    const uint64_t noise = derived_seed(seed, SeedPurpose::noise, static_cast<uint64_t>(iteration));
    const auto start = std::chrono::steady_clock::now();
    double norm = 0;
    const double loss = train_window(c, update, batch, noise, iteration == 0, norm);
    run.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.steps_per_second = static_cast<double>(iteration + 1) * batch.T * batch.B / run.wall_seconds;
    if (!std::isfinite(loss) || !std::isfinite(norm)) {
      run.diverged = true;
      run.diverged_at = iteration;
      break;
    }
    loss_sum += loss;
    ++loss_count;
  }
  if (!run.diverged && run.curve.back().iteration != iteration)
    record_point(c, run, iteration, loss_sum, loss_count, run_index);
  if (config.align_every > 0 && !run.diverged && (run.alignment.empty() || run.alignment.back().iteration != iteration))
    record_alignment(c, run, iteration);
  run.final_validation_loss =
      run.diverged ? std::numeric_limits<double>::infinity() : run.curve.back().validation_loss;
  std::vector<double> outputs;
  run.test_loss = evaluate(c, c.test, outputs);
  run.test_metrics = c.task.metrics(c.test.host, outputs);
  if (!run.diverged) where_it_ends(c, run, iteration);
  run.state_bytes = c.learner.rule().state_bytes(c.task.steps());
  run.peak_rss_bytes = peak_rss_bytes();
  if (c.progress.stream) {
    std::ostringstream line;
    line << "train " << config.task << ' ' << c.learner.rule().id() << ": lr " << lr << " seed " << seed
         << (run.diverged ? " diverged at iteration " + std::to_string(run.diverged_at) : " done") << ", test loss "
         << run.test_loss << format_metrics(run.test_metrics);
    c.progress.write(line.str(), true);
  }
  return run;
}

// Each rule at its best rate: the lowest median final validation loss over seeds.
double best_learning_rate(const TrainConfig& config, const std::vector<TrainRun>& runs) {
  double best = std::numeric_limits<double>::infinity();
  double best_lr = config.learning_rates.front();
  for (const double lr : config.learning_rates) {
    std::vector<double> finals;
    for (const TrainRun& r : runs)
      if (r.learning_rate == lr) finals.push_back(r.final_validation_loss);
    const double m = median(finals);
    if (m < best) {
      best = m;
      best_lr = lr;
    }
  }
  return best_lr;
}

}  // namespace

size_t runs_side_by_side(const TrainConfig& config, int jobs, size_t state_bytes) {
  const size_t runs = config.learning_rates.size() * config.seeds.size();
  const size_t parallel = std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), runs);
  // On a GPU a run's learner and evaluator rate networks may each hold a precomputed window.
  const bool windows = config.device == Device::cuda && config.model == "rate";
  const size_t per_run = state_bytes + (windows ? 2 * RateRnn::kMaxWindowBytes : 0);
  return std::min(parallel, 1 + available_memory(config.device) / std::max<size_t>(1, per_run));
}

void check_training(const TrainConfig& config) {
  config.validate();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  Learner learner(make_network(config.model,
                               rate_or_model_knobs(config.model, config.hidden, config.alpha, config.gain,
                                                   config.model_params),
                               {task->input_size(), task->output_size(), task->loss()}, config.dtype, config.device),
                  config.algorithm, config.algo_params);
  if (config.update == UpdateSchedule::step && !learner.rule().supports_online_updates())
    throw std::invalid_argument(std::string(config.regime == Regime::online ? "--regime online" : "--update step") +
                                ": " + learner.rule().id() + " " + learner.rule().window_only_reason() +
                                (config.regime == Regime::online ? "; it trains in the batched regime only"
                                                                 : "; use --update window"));
  learner.require_state_fits(config.batch, task->steps());
  for (const int batch : {config.batch, config.eval_batch, config.curvature_batch})
    if (batch > 0)
      require_batch_fits(batch, task->steps(), task->input_size(), task->output_size(), config.dtype, config.device);
}

TrainResult run_training(const TrainConfig& config, std::ostream* progress, int jobs) {
  config.validate();
  if (jobs < 1) throw std::invalid_argument("--jobs: must be at least 1, got " + std::to_string(jobs));
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  const auto network = [&](DType dtype, Device device) {
    return make_network(config.model,
                        rate_or_model_knobs(config.model, config.hidden, config.alpha, config.gain, config.model_params),
                        {task->input_size(), task->output_size(), task->loss()}, dtype, device);
  };
  const auto workspace = [&] {
    RunWorkspace w;
    w.learner = std::make_unique<Learner>(network(config.dtype, config.device), config.algorithm, config.algo_params);
    w.evaluator = network(config.dtype, config.device);
    if (config.align_every > 0 || config.curvature_batch > 0)
      w.exact = std::make_unique<Learner>(network(DType::f64, Device::cpu), "bptt");
    if (config.align_every > 0 && config.regime == Regime::online)
      w.estimator = std::make_unique<Learner>(network(config.dtype, config.device), config.algorithm, config.algo_params);
    return w;
  };
  check_training(config);
  std::vector<RunWorkspace> workspaces;
  workspaces.push_back(workspace());
  Learner& learner = *workspaces.front().learner;

  TrainResult result;
  result.config = config;
  result.n = learner.network().n();
  result.m = task->input_size();
  result.o = task->output_size();
  result.T = task->steps();
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.algorithm_config = learner.rule().config();

  // Runs side by side, no more than there are runs, and no more than the memory holds the states
  // of. On a GPU each worker thread issues its run's work on its own stream
  // (kernels/cuda/runtime.h), so the small kernels of several runs overlap.
  const size_t total_runs = config.learning_rates.size() * config.seeds.size();
  const size_t parallel = runs_side_by_side(config, jobs, learner.rule().state_bytes_for(config.batch, result.T));
  result.parallel_runs = static_cast<int>(parallel);
  while (workspaces.size() < parallel) workspaces.push_back(workspace());

  // The validation batch (learning-rate choice, learning curves, the criterion) and the test
  // batch (the reported scores) come from seeds of their own, shared by every run.
  const uint64_t data_seed = config.seeds.front();
  const HeldOut validation =
      held_out(*task, config, config.eval_batch, derived_seed(data_seed, SeedPurpose::validation, 0));
  const HeldOut test = held_out(*task, config, config.eval_batch, derived_seed(data_seed, SeedPurpose::test, 0));
  ProgressLines lines;
  lines.stream = progress;
  lines.overwrite = progress == &std::cerr && isatty(STDERR_FILENO);

  std::vector<std::pair<double, uint64_t>> order;  // learning rate major, then seed
  for (const double lr : config.learning_rates)
    for (const uint64_t seed : config.seeds) order.emplace_back(lr, seed);
  result.runs.resize(order.size());
  // The workspaces and held-out batches were allocated on this thread's stream: finished before
  // the workers' streams use them.
  synchronize(config.device);
  for_each_in_parallel(order.size(), static_cast<int>(parallel), [&](size_t index, int worker) {
    RunWorkspace& w = workspaces[static_cast<size_t>(worker)];
    const TrainingContext c{config, *task, *w.learner, *w.evaluator, validation, test, lines, total_runs,
                            w.exact.get(), w.estimator.get()};
    result.runs[index] = train_one_run(c, order[index].first, order[index].second, index);
  });
  result.best_learning_rate = best_learning_rate(config, result.runs);
  return result;
}

}  // namespace tca
