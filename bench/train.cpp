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

// The forward pass alone (no learning rule): the loss, and y as [T, B, o] host doubles.
double evaluate(RateRnn& model, const RateRnnParams& params, const DeviceBatch& batch,
                std::vector<double>& outputs) {
  const int o = model.config().o;
  model.begin(batch.B);
  outputs.assign(static_cast<size_t>(batch.T) * batch.B * o, 0.0);
  for (int t = 0; t < batch.T; ++t) {
    model.step(params, batch, t);
    const std::vector<double> y = model.state().y.to_host();
    std::copy(y.begin(), y.end(), outputs.begin() + static_cast<ptrdiff_t>(t) * batch.B * o);
  }
  return model.window_loss();
}

// SGD or Adam on the network's two parameter tensors, on their device, with clipping of the
// global gradient norm.
class ParameterUpdate {
 public:
  ParameterUpdate(Optimizer kind, double lr, double clip, RateRnnParams& params)
      : kind_(kind), lr_(lr), clip_(clip), params_(params) {
    if (kind_ == Optimizer::adam) {
      for (Tensor* p : {&params.W, &params.W_outb}) {
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
      ops::axpy(-lr_ * scale, g.W, params_.W);
      ops::axpy(-lr_ * scale, g.W_outb, params_.W_outb);
    } else {
      constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Kingma & Ba's defaults
      ops::adam_update(params_.W, g.W, moments_[0], moments_[1], lr_, beta1, beta2, eps, steps_, scale);
      ops::adam_update(params_.W_outb, g.W_outb, moments_[2], moments_[3], lr_, beta1, beta2, eps, steps_, scale);
    }
    return norm;
  }

 private:
  Optimizer kind_;
  double lr_, clip_;
  RateRnnParams& params_;
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
          {"criterion", criterion.to_string()}};
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
}

TrainResult run_training(const TrainConfig& config, std::ostream* progress) {
  config.validate();
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  RateRnnConfig rc;
  rc.n = config.hidden;
  rc.m = task->input_size();
  rc.o = task->output_size();
  rc.alpha = config.alpha;
  rc.loss = task->loss();
  const std::unique_ptr<Algorithm> rule =
      make_algorithm(config.algorithm, rc, config.dtype, config.device, config.algo_params);
  if (config.update == UpdateSchedule::step && !rule->supports_online_updates())
    throw std::invalid_argument("--update step: " + rule->id() +
                                " computes its gradient at the end of the window; use --update window");

  TrainResult result;
  result.config = config;
  result.n = rc.n;
  result.m = rc.m;
  result.o = rc.o;
  result.T = task->steps();
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.algorithm_config = rule->config();

  const size_t need = rule->state_bytes_for(config.batch, result.T);
  const size_t available = available_memory(config.device);
  if (need > available) {
    char text[320];
    std::snprintf(text, sizeof(text),
                  "%s needs %.2f GiB of state at --hidden %d --batch %d (T = %d, %s), more than the %.2f GiB "
                  "available on the %s; lower --hidden or --batch",
                  rule->id().c_str(), need / 1073741824.0, config.hidden, config.batch, result.T,
                  to_string(config.dtype).c_str(), available / 1073741824.0, to_string(config.device).c_str());
    throw std::invalid_argument(text);
  }

  // The validation batch (learning-rate choice, learning curves, the criterion) and the test
  // batch (the reported scores) come from seeds of their own, shared by every run.
  const uint64_t data_seed = config.seeds.front();
  const Batch validation_host = task->sample(config.eval_batch, derived_seed(data_seed, SeedPurpose::validation, 0));
  const Batch test_host = task->sample(config.eval_batch, derived_seed(data_seed, SeedPurpose::test, 0));
  const DeviceBatch validation = to_device(validation_host, config.dtype, config.device);
  const DeviceBatch test = to_device(test_host, config.dtype, config.device);

  RateRnn model(rc, config.dtype, config.device);
  const bool overwrite = progress == &std::cerr && isatty(STDERR_FILENO);
  const size_t total_runs = config.learning_rates.size() * config.seeds.size();
  InitOptions init;
  init.gain = config.gain;
  std::vector<double> outputs;

  for (const double lr : config.learning_rates) {
    for (const uint64_t seed : config.seeds) {
      TrainRun run;
      run.learning_rate = lr;
      run.seed = seed;
      RateRnnParams params = init_params(rc, seed, config.dtype, config.device, init);
      ParameterUpdate update(config.optimizer, lr, config.clip, params);
      double loss_sum = 0;
      int loss_count = 0;
      auto record_point = [&](int iteration) {
        CurvePoint p;
        p.iteration = iteration;
        p.train_loss = loss_count ? loss_sum / loss_count : std::numeric_limits<double>::quiet_NaN();
        loss_sum = 0;
        loss_count = 0;
        p.validation_loss = evaluate(model, params, validation, outputs);
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
                        config.task.c_str(), rule->id().c_str(), lr, static_cast<unsigned long long>(seed),
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
        if (run.diverged) break;
        const Batch batch_host =
            task->sample(config.batch, derived_seed(seed, SeedPurpose::training, static_cast<uint64_t>(iteration)));
        const DeviceBatch batch = to_device(batch_host, config.dtype, config.device);
        const uint64_t noise = derived_seed(seed, SeedPurpose::noise, static_cast<uint64_t>(iteration));
        const auto start = std::chrono::steady_clock::now();
        double loss = 0, norm = 0;
        if (config.update == UpdateSchedule::window) {
          loss = run_window(model, params, batch, *rule, noise);
          norm = update.apply(rule->gradient());
        } else {
          model.begin(batch.B);
          rule->reset(params, batch.B, noise);
          for (int t = 0; t < batch.T && std::isfinite(norm); ++t) {
            model.step(params, batch, t);
            rule->step(model.state());
            norm = update.apply(rule->gradient());
            rule->zero_gradient();
          }
          rule->finish();
          loss = model.window_loss();
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
      if (!run.diverged) record_point(iteration);
      run.final_validation_loss =
          run.diverged ? std::numeric_limits<double>::infinity() : run.curve.back().validation_loss;
      run.test_loss = evaluate(model, params, test, outputs);
      run.test_metrics = task->metrics(test_host, outputs);
      run.state_bytes = rule->state_bytes(result.T);
      run.peak_rss_bytes = peak_rss_bytes();
      if (progress) {
        *progress << (overwrite ? "\r\033[K" : "") << "train " << config.task << ' ' << rule->id() << ": lr " << lr
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
