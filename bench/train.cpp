#include "bench/train.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "algorithms/algorithm.h"
#include "bench/report.h"
#include "bench/seeds.h"
#include "kernels/ops.h"
#include "algorithms/lif_algorithm.h"
#include "algorithms/window.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"
#include "tasks/task.h"

namespace tca {

namespace {

constexpr int kTrainSchemaVersion = 1;

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

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

nlohmann::json spread_json(const std::vector<double>& v) {
  if (v.empty()) return nullptr;
  return {{"median", median(v)},
          {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())}};
}

// What training needs of a network with a rule attached, whichever the network: its two
// parameter tensors W and W_outb (updated in place), a window with the rule, the steps of an
// online window, and the forward pass alone.
class TrainedNetwork {
 public:
  virtual ~TrainedNetwork() = default;
  virtual std::string rule_id() const = 0;
  virtual std::map<std::string, std::string> rule_config() const = 0;
  virtual bool supports_online_updates() const = 0;
  virtual size_t state_bytes_for(int batch_size, int T) = 0;
  virtual size_t state_bytes(int T) const = 0;
  virtual int n() const = 0;
  virtual void initialise(uint64_t seed) = 0;  // fresh parameters for a run
  virtual Tensor& W() = 0;
  virtual Tensor& W_outb() = 0;
  // A whole window at frozen parameters; the rule's gradient() is final afterwards.
  virtual double window(const DeviceBatch& batch, uint64_t noise_seed) = 0;
  virtual const Gradients& gradient() const = 0;
  // Online windows: begin, then per step step() (gradient() holds that step's estimate) and
  // zero_gradient(), then end() (returns the window's loss).
  virtual void begin(const DeviceBatch& batch, uint64_t noise_seed) = 0;
  virtual void step(const DeviceBatch& batch, int t) = 0;
  virtual void zero_gradient() = 0;
  virtual double end() = 0;
  // After each parameter update, with W_outb before and after it (host doubles), for rules
  // whose state follows training (Kolen-Pollack feedback).
  virtual bool follows_training() const { return false; }
  virtual void after_update(const std::vector<double>& /*before*/, const std::vector<double>& /*after*/) {}
  // The forward pass alone: the loss, and y as [T, B, o] host doubles.
  virtual double evaluate(const DeviceBatch& batch, std::vector<double>& outputs) = 0;
};

// The leaky rate network (models/rate_rnn.h) with a rule of algorithms/.
class RateNetwork final : public TrainedNetwork {
 public:
  RateNetwork(const TrainConfig& config, const Task& task) : dtype_(config.dtype), device_(config.device) {
    if (!config.model_params.empty())
      throw std::invalid_argument("--model-param applies to --model lif; the rate model takes --hidden, --alpha, --gain");
    rc_.n = config.hidden;
    rc_.m = task.input_size();
    rc_.o = task.output_size();
    rc_.alpha = config.alpha;
    rc_.loss = task.loss();
    init_.gain = config.gain;
    model_ = std::make_unique<RateRnn>(rc_, dtype_, device_);
    rule_ = make_algorithm(config.algorithm, rc_, dtype_, device_, config.algo_params);
  }
  std::string rule_id() const override { return rule_->id(); }
  std::map<std::string, std::string> rule_config() const override { return rule_->config(); }
  bool supports_online_updates() const override { return rule_->supports_online_updates(); }
  size_t state_bytes_for(int batch_size, int T) override { return rule_->state_bytes_for(batch_size, T); }
  size_t state_bytes(int T) const override { return rule_->state_bytes(T); }
  int n() const override { return rc_.n; }
  void initialise(uint64_t seed) override { params_ = init_params(rc_, seed, dtype_, device_, init_); }
  Tensor& W() override { return params_.W; }
  Tensor& W_outb() override { return params_.W_outb; }
  double window(const DeviceBatch& batch, uint64_t noise_seed) override {
    return run_window(*model_, params_, batch, *rule_, noise_seed);
  }
  const Gradients& gradient() const override { return rule_->gradient(); }
  void begin(const DeviceBatch& batch, uint64_t noise_seed) override {
    model_->begin(batch.B);
    rule_->reset(params_, batch.B, noise_seed);
  }
  void step(const DeviceBatch& batch, int t) override {
    model_->step(params_, batch, t);
    rule_->step(model_->state());
  }
  void zero_gradient() override { rule_->zero_gradient(); }
  double end() override {
    rule_->finish();
    return model_->window_loss();
  }
  double evaluate(const DeviceBatch& batch, std::vector<double>& outputs) override {
    return step_through_window(*model_, params_, batch, static_cast<Algorithm*>(nullptr), 0, &outputs);
  }

 private:
  DType dtype_;
  Device device_;
  RateRnnConfig rc_;
  InitOptions init_;
  std::unique_ptr<RateRnn> model_;
  std::unique_ptr<Algorithm> rule_;
  RateRnnParams params_;
};

// The spiking network (models/lif_rnn.h) with a rule of algorithms/lif_*. Its rules add the
// regulariser's part at the end of the window, so it trains with window updates only.
class LifNetwork final : public TrainedNetwork {
 public:
  LifNetwork(const TrainConfig& config, const Task& task)
      : dtype_(config.dtype), device_(config.device), algo_params_(config.algo_params) {
    lc_ = parse_lif_config(Params("--model lif", lif_param_docs(), config.model_params));
    lc_.m = task.input_size();
    lc_.o = task.output_size();
    lc_.loss = task.loss();
    lc_.validate();
    model_ = std::make_unique<LifRnn>(lc_, dtype_, device_);
    rule_ = make_lif_algorithm(config.algorithm, lc_, dtype_, device_, config.algo_params);
  }
  std::string rule_id() const override { return rule_->id(); }
  std::map<std::string, std::string> rule_config() const override { return rule_->config(); }
  bool supports_online_updates() const override { return false; }
  size_t state_bytes_for(int batch_size, int T) override { return rule_->state_bytes_for(batch_size, T); }
  size_t state_bytes(int T) const override { return rule_->state_bytes(T); }
  int n() const override { return lc_.n(); }
  void initialise(uint64_t seed) override {
    params_ = init_lif_params(lc_, seed, dtype_, device_);
    // A fresh rule per run: Kolen-Pollack feedback must start from its initial matrix.
    rule_ = make_lif_algorithm(rule_->id(), lc_, dtype_, device_, algo_params_);
  }
  Tensor& W() override { return params_.W; }
  Tensor& W_outb() override { return params_.W_outb; }
  double window(const DeviceBatch& batch, uint64_t noise_seed) override {
    return run_lif_window(*model_, params_, batch, *rule_, noise_seed);
  }
  const Gradients& gradient() const override { return rule_->gradient(); }
  void begin(const DeviceBatch&, uint64_t) override { online_refused(); }
  void step(const DeviceBatch&, int) override { online_refused(); }
  void zero_gradient() override { online_refused(); }
  double end() override { online_refused(); }
  bool follows_training() const override { return rule_->id() == "eprop_adaptive"; }
  void after_update(const std::vector<double>& before, const std::vector<double>& after) override {
    rule_->follow_training_step(before, after, 0.0);  // no weight decay in this trainer
  }
  double evaluate(const DeviceBatch& batch, std::vector<double>& outputs) override {
    return step_through_window(*model_, params_, batch, static_cast<LifAlgorithm*>(nullptr), 0, &outputs);
  }

 private:
  [[noreturn]] static void online_refused() { throw std::logic_error("online updates on the spiking network"); }
  DType dtype_;
  Device device_;
  std::map<std::string, std::string> algo_params_;
  LifRnnConfig lc_;
  std::unique_ptr<LifRnn> model_;
  std::unique_ptr<LifAlgorithm> rule_;
  LifRnnParams params_;
};

std::unique_ptr<TrainedNetwork> make_network(const TrainConfig& config, const Task& task) {
  if (config.model == "rate") return std::make_unique<RateNetwork>(config, task);
  if (config.model == "lif") return std::make_unique<LifNetwork>(config, task);
  throw std::invalid_argument("--model must be rate or lif, got '" + config.model + "'");
}

// SGD or Adam on the network's two parameter tensors, on their device, with clipping of the
// global gradient norm.
class ParameterUpdate {
 public:
  ParameterUpdate(Optimizer kind, double lr, double clip, Tensor& W, Tensor& W_outb)
      : kind_(kind), lr_(lr), clip_(clip), W_(W), W_outb_(W_outb) {
    if (kind_ == Optimizer::adam) {
      for (Tensor* p : {&W, &W_outb}) {
        moments_.emplace_back(p->shape(), p->dtype(), p->device());
        moments_.emplace_back(p->shape(), p->dtype(), p->device());
      }
      for (Tensor& t : moments_) ops::fill(t, 0.0);
    }
  }
  // Applies g and returns its global norm before clipping. A non-finite norm applies nothing
  // (the run is reported as diverged); nor does a zero gradient (a step without loss in
  // online learning), which would otherwise move Adam's parameters on momentum alone.
  double apply(const Gradients& g) {
    const double norm = std::hypot(ops::nrm2(g.W), ops::nrm2(g.W_outb));
    if (!std::isfinite(norm) || norm == 0) return norm;
    const double scale = (clip_ > 0 && norm > clip_) ? clip_ / norm : 1.0;
    ++steps_;
    if (kind_ == Optimizer::sgd) {
      ops::axpy(-lr_ * scale, g.W, W_);
      ops::axpy(-lr_ * scale, g.W_outb, W_outb_);
    } else {
      constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Kingma & Ba's defaults
      ops::adam_update(W_, g.W, moments_[0], moments_[1], lr_, beta1, beta2, eps, steps_, scale);
      ops::adam_update(W_outb_, g.W_outb, moments_[2], moments_[3], lr_, beta1, beta2, eps, steps_, scale);
    }
    return norm;
  }

 private:
  Optimizer kind_;
  double lr_, clip_;
  Tensor& W_;
  Tensor& W_outb_;
  std::vector<Tensor> moments_;  // Adam: m and v of W, then of W_outb
  int64_t steps_ = 0;
};

std::string format_metrics(const std::map<std::string, double>& metrics) {
  std::ostringstream s;
  s.precision(4);
  for (const auto& [name, value] : metrics) s << ' ' << name << ' ' << value;
  return s.str();
}

}  // namespace

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
  return {{"task", task},
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
}

TrainResult run_training(const TrainConfig& config, std::ostream* progress) {
  config.validate();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  const std::unique_ptr<TrainedNetwork> net = make_network(config, *task);
  if (config.update == UpdateSchedule::step && !net->supports_online_updates())
    throw std::invalid_argument("--update step: " + net->rule_id() +
                                (config.model == "lif" ? " on the spiking network adds its regulariser's part at "
                                                         "the end of the window"
                                                       : " computes its gradient at the end of the window") +
                                "; use --update window");

  TrainResult result;
  result.config = config;
  result.n = net->n();
  result.m = task->input_size();
  result.o = task->output_size();
  result.T = task->steps();
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.algorithm_config = net->rule_config();

  require_state_fits(net->rule_id() + " at n = " + std::to_string(net->n()) + ", --batch " +
                         std::to_string(config.batch) + " (T = " + std::to_string(result.T) + ", " +
                         to_string(config.dtype) + ")",
                     net->state_bytes_for(config.batch, result.T), config.device,
                     config.model == "rate" ? "lower --hidden or --batch" : "lower n_lif + n_alif or --batch");

  // The validation batch (learning-rate choice, learning curves, the criterion) and the test
  // batch (the reported scores) come from seeds of their own, shared by every run.
  const uint64_t data_seed = config.seeds.front();
  const Batch validation_host = task->sample(config.eval_batch, derived_seed(data_seed, SeedPurpose::validation, 0));
  const Batch test_host = task->sample(config.eval_batch, derived_seed(data_seed, SeedPurpose::test, 0));
  const DeviceBatch validation = to_device(validation_host, config.dtype, config.device);
  const DeviceBatch test = to_device(test_host, config.dtype, config.device);

  const bool overwrite = progress == &std::cerr && isatty(STDERR_FILENO);
  const size_t total_runs = config.learning_rates.size() * config.seeds.size();
  std::vector<double> outputs;

  for (const double lr : config.learning_rates) {
    for (const uint64_t seed : config.seeds) {
      TrainRun run;
      run.learning_rate = lr;
      run.seed = seed;
      net->initialise(seed);
      ParameterUpdate update(config.optimizer, lr, config.clip, net->W(), net->W_outb());
      double loss_sum = 0;
      int loss_count = 0;
      auto record_point = [&](int iteration) {
        CurvePoint p;
        p.iteration = iteration;
        p.train_loss = loss_count ? loss_sum / loss_count : std::numeric_limits<double>::quiet_NaN();
        loss_sum = 0;
        loss_count = 0;
        p.validation_loss = net->evaluate(validation, outputs);
        p.validation_metrics = task->metrics(validation_host, outputs);
        if (config.criterion.defined()) {
          const auto it = p.validation_metrics.find(config.criterion.metric);
          if (it == p.validation_metrics.end()) {
            std::string names;
            for (const auto& [name, value] : p.validation_metrics) names += (names.empty() ? "" : ", ") + name;
            throw std::invalid_argument("--criterion: " + config.task + " has no metric '" +
                                        config.criterion.metric + "' (it has: " + names + ")");
          }
          if (run.steps_to_criterion < 0 && config.criterion.met(it->second)) run.steps_to_criterion = iteration;
        }
        if (!std::isfinite(p.validation_loss) && !run.diverged) {
          run.diverged = true;
          run.diverged_at = iteration;
        }
        if (progress) {
          char head[200];
          std::snprintf(head, sizeof(head), "train %s %s: lr %g seed %llu (run %zu/%zu) iter %d/%d",
                        config.task.c_str(), net->rule_id().c_str(), lr, static_cast<unsigned long long>(seed),
                        result.runs.size() + 1, total_runs, iteration, config.iterations);
          *progress << (overwrite ? "\r\033[K" : "") << head << "  train loss " << p.train_loss << "  val loss "
                    << p.validation_loss << format_metrics(p.validation_metrics);
          if (run.wall_seconds > 0) *progress << "  " << static_cast<long long>(run.steps_per_second) << " steps/s";
          *progress << (overwrite ? "" : "\n") << std::flush;
        }
        run.curve.push_back(std::move(p));
      };

      int iteration = 0;
      for (; iteration < config.iterations && !run.diverged; ++iteration) {
        if (iteration % config.eval_every == 0) record_point(iteration);
        if (run.diverged || (config.stop_at_criterion && run.steps_to_criterion >= 0)) break;
        const Batch batch_host =
            task->sample(config.batch, derived_seed(seed, SeedPurpose::training, static_cast<uint64_t>(iteration)));
        const DeviceBatch batch = to_device(batch_host, config.dtype, config.device);
        const uint64_t noise = derived_seed(seed, SeedPurpose::noise, static_cast<uint64_t>(iteration));
        const auto start = std::chrono::steady_clock::now();
        double loss = 0, norm = 0;
        if (config.update == UpdateSchedule::window) {
          loss = net->window(batch, noise);
          std::vector<double> before;
          if (net->follows_training()) before = net->W_outb().to_host();
          norm = update.apply(net->gradient());
          if (net->follows_training()) net->after_update(before, net->W_outb().to_host());
        } else {
          net->begin(batch, noise);
          for (int t = 0; t < batch.T && std::isfinite(norm); ++t) {
            net->step(batch, t);
            norm = update.apply(net->gradient());
            net->zero_gradient();
          }
          loss = net->end();
        }
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
      if (!run.diverged && run.curve.back().iteration != iteration) record_point(iteration);
      run.final_validation_loss =
          run.diverged ? std::numeric_limits<double>::infinity() : run.curve.back().validation_loss;
      run.test_loss = net->evaluate(test, outputs);
      run.test_metrics = task->metrics(test_host, outputs);
      run.state_bytes = net->state_bytes(result.T);
      run.peak_rss_bytes = peak_rss_bytes();
      if (progress) {
        *progress << (overwrite ? "\r\033[K" : "") << "train " << config.task << ' ' << net->rule_id() << ": lr " << lr
                  << " seed " << seed << (run.diverged ? " diverged at iteration " + std::to_string(run.diverged_at)
                                                       : " done")
                  << ", test loss " << run.test_loss << format_metrics(run.test_metrics) << '\n'
                  << std::flush;
      }
      result.runs.push_back(std::move(run));
    }
  }

  // Each rule at its best rate: the lowest median final validation loss over seeds.
  double best = std::numeric_limits<double>::infinity();
  result.best_learning_rate = config.learning_rates.front();
  for (const double lr : config.learning_rates) {
    std::vector<double> finals;
    for (const TrainRun& r : result.runs)
      if (r.learning_rate == lr) finals.push_back(r.final_validation_loss);
    const double m = median(finals);
    if (m < best) {
      best = m;
      result.best_learning_rate = lr;
    }
  }
  return result;
}

nlohmann::json train_report(const TrainResult& r) {
  nlohmann::json config = r.config.to_json();
  config["task_config"] = r.task_config;
  nlohmann::json report;
  report["schema_version"] = kTrainSchemaVersion;
  report["kind"] = "train";
  report["config"] = config;
  report["config_hash"] = config_hash(config);
  report["git_commit"] = git_commit();
  report["backend"] = {{"device", to_string(r.config.device)}, {"precision", to_string(r.config.dtype)}};
  report["machine"] = machine_info();
  report["network"] = {{"n", r.n}, {"m", r.m}, {"o", r.o}, {"T", r.T}, {"B", r.config.batch}};
  report["algorithm"] = {{"id", r.config.algorithm}, {"config", r.algorithm_config}};

  nlohmann::json runs = nlohmann::json::array();
  for (const TrainRun& run : r.runs) {
    nlohmann::json curve = nlohmann::json::array();
    for (const CurvePoint& p : run.curve)
      curve.push_back({{"iteration", p.iteration},
                       {"train_loss", p.train_loss},  // NaN (no window yet) is written as null
                       {"validation_loss", p.validation_loss},
                       {"validation_metrics", p.validation_metrics}});
    runs.push_back({{"learning_rate", run.learning_rate},
                    {"seed", run.seed},
                    {"diverged", run.diverged},
                    {"diverged_at", run.diverged ? nlohmann::json(run.diverged_at) : nlohmann::json(nullptr)},
                    {"steps_to_criterion",
                     run.steps_to_criterion >= 0 ? nlohmann::json(run.steps_to_criterion) : nlohmann::json(nullptr)},
                    {"final_validation_loss",
                     run.diverged ? nlohmann::json(nullptr) : nlohmann::json(run.final_validation_loss)},
                    {"test_loss", run.test_loss},
                    {"test_metrics", run.test_metrics},
                    {"wall_seconds", run.wall_seconds},
                    {"steps_per_second", run.steps_per_second},
                    {"state_bytes", run.state_bytes},
                    {"peak_rss_bytes", run.peak_rss_bytes},
                    {"curve", curve}});
  }
  report["runs"] = runs;

  nlohmann::json by_rate = nlohmann::json::object();
  std::vector<const TrainRun*> best;
  for (const double lr : r.config.learning_rates) {
    std::vector<double> finals;
    int diverged = 0;
    for (const TrainRun& run : r.runs) {
      if (run.learning_rate != lr) continue;
      finals.push_back(run.final_validation_loss);
      diverged += run.diverged;
      if (lr == r.best_learning_rate) best.push_back(&run);
    }
    const double m = median(finals);
    std::ostringstream key;
    key << lr;
    by_rate[key.str()] = {{"median_final_validation_loss", std::isfinite(m) ? nlohmann::json(m) : nullptr},
                          {"diverged_runs", diverged}};
  }
  report["selection"] = {{"rule", "lowest median final validation loss over seeds (a diverged run counts as +inf)"},
                         {"best_learning_rate", r.best_learning_rate},
                         {"by_learning_rate", by_rate}};

  std::vector<double> test_loss, speed, wall, to_criterion;
  std::map<std::string, std::vector<double>> metrics;
  int diverged = 0, reached = 0;
  for (const TrainRun* run : best) {
    diverged += run->diverged;
    if (run->diverged) continue;
    test_loss.push_back(run->test_loss);
    speed.push_back(run->steps_per_second);
    wall.push_back(run->wall_seconds);
    for (const auto& [name, value] : run->test_metrics) metrics[name].push_back(value);
    if (run->steps_to_criterion >= 0) {
      ++reached;
      to_criterion.push_back(run->steps_to_criterion);
    }
  }
  nlohmann::json metric_spreads = nlohmann::json::object();
  for (const auto& [name, values] : metrics) metric_spreads[name] = spread_json(values);
  report["summary"] = {{"learning_rate", r.best_learning_rate},
                       {"seeds", best.size()},
                       {"diverged_runs", diverged},
                       {"test_loss", spread_json(test_loss)},
                       {"test_metrics", metric_spreads},
                       {"criterion", r.config.criterion.to_string()},
                       {"runs_reaching_criterion", reached},
                       {"steps_to_criterion", spread_json(to_criterion)},
                       {"steps_per_second", spread_json(speed)},
                       {"wall_seconds", spread_json(wall)}};
  return report;
}

std::string train_table(const TrainResult& r) {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof(line), "%-10s %8s %22s %18s  %s\n", "lr", "diverged", "final val loss (median)",
                "test loss (median)", "test metrics (median over seeds)");
  s << line;
  for (const double lr : r.config.learning_rates) {
    std::vector<double> finals, tests;
    std::map<std::string, std::vector<double>> metrics;
    int diverged = 0, runs = 0;
    for (const TrainRun& run : r.runs) {
      if (run.learning_rate != lr) continue;
      ++runs;
      diverged += run.diverged;
      finals.push_back(run.final_validation_loss);
      if (run.diverged) continue;
      tests.push_back(run.test_loss);
      for (const auto& [name, value] : run.test_metrics) metrics[name].push_back(value);
    }
    std::map<std::string, double> medians;
    for (const auto& [name, values] : metrics) medians[name] = median(values);
    std::snprintf(line, sizeof(line), "%-10g %4d/%-3d %22.6g %18.6g %s%s\n", lr, diverged, runs, median(finals),
                  median(tests), format_metrics(medians).c_str(), lr == r.best_learning_rate ? "  <- best" : "");
    s << line;
  }
  return s.str();
}

}  // namespace tca
