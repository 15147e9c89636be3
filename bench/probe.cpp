#include "bench/probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "algorithms/algorithm.h"
#include "algorithms/lif_algorithm.h"
#include "algorithms/window.h"
#include "bench/report.h"
#include "bench/seeds.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"

namespace tca {

namespace {

void check_range(const char* name, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream s;
    s << name << " must lie in [" << lo << ", " << hi << "], got " << value;
    throw std::invalid_argument(s.str());
  }
}

std::vector<double> flatten(const Gradients& g) {
  std::vector<double> flat = g.W.to_host();
  const std::vector<double> out = g.W_outb.to_host();
  flat.insert(flat.end(), out.begin(), out.end());
  return flat;
}

// Indices of a parameter group within the flattened [W | W_outb] vector, W being rows x W_cols
// and W_outb o x (n + 1); without the diagonal of the block when skip_diagonal.
std::vector<size_t> group_indices(int rows, int W_cols, int n, int o, const ParamGroup& g, bool skip_diagonal) {
  const size_t out_rows = g.output ? o : rows;
  const size_t width = g.output ? n + 1 : W_cols;
  const size_t base = g.output ? static_cast<size_t>(rows) * W_cols : 0;
  std::vector<size_t> idx;
  for (size_t i = 0; i < out_rows; ++i)
    for (int j = 0; j < g.cols; ++j)
      if (!(skip_diagonal && static_cast<size_t>(g.first_col + j) == i))
        idx.push_back(base + i * width + g.first_col + j);
  return idx;
}

std::vector<double> pick(const std::vector<double>& v, const std::vector<size_t>& idx) {
  std::vector<double> out(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) out[i] = v[idx[i]];
  return out;
}

std::vector<std::vector<double>> pick_all(const std::vector<std::vector<double>>& vs,
                                          const std::vector<size_t>& idx) {
  std::vector<std::vector<double>> out;
  for (const auto& v : vs) out.push_back(pick(v, idx));
  return out;
}

// tr(Cov over batches) / |g|^2 of the given gradients.
double relative_spread(const std::vector<std::vector<double>>& grads, const std::vector<double>& g) {
  const GradientStats s = compare_gradients(grads, g);
  return s.rel_variance;
}

nlohmann::json stats_json(const GradientStats& s) {
  // Intervals are null with fewer than 3 samples (a deterministic rule has 1).
  auto interval_json = [&](const Interval& i) {
    return s.has_intervals ? nlohmann::json::array({i.lo, i.hi}) : nlohmann::json(nullptr);
  };
  return {{"samples", s.samples},
          {"rel_bias", s.rel_bias},
          {"rel_bias_debiased", s.rel_bias_debiased},
          {"rel_bias_ci95", interval_json(s.rel_bias_ci95)},
          {"bias_interval_contains_zero", s.bias_interval_contains_zero()},
          {"rel_variance", s.rel_variance},
          {"rel_variance_ci95", interval_json(s.rel_variance_ci95)},
          {"cosine_of_mean", s.cosine_of_mean},
          {"cosine_of_mean_ci95", interval_json(s.cosine_of_mean_ci95)},
          {"mean_cosine", s.mean_cosine},
          {"mean_cosine_ci95", interval_json(s.mean_cosine_ci95)},
          {"norm_ratio", s.norm_ratio},
          {"reference_norm", s.reference_norm}};
}

// The exact gradient (BPTT, double, CPU) at parameters held in the run's precision.
struct Exact {
  double loss = 0;
  std::vector<double> gradient;
  std::vector<double> outputs;
};

// One learning rule as the probe drives it, whatever the network.
class ProbedRule {
 public:
  virtual ~ProbedRule() = default;
  virtual std::string id() const = 0;
  virtual bool stochastic() const = 0;
  virtual std::map<std::string, std::string> config() const = 0;
  virtual size_t state_bytes_for(int batch_size, int T) = 0;
  virtual size_t state_bytes(int T) const = 0;
  virtual double flops_per_step() const = 0;
  // One window on the probe batch at the point last given to ProbeModel::set_point; returns the
  // window's loss and the flattened gradient [W | W_outb].
  virtual double run(uint64_t noise_seed, std::vector<double>& gradient) = 0;
  // A training step moved W_outb from `before` to `after` (host doubles, no weight decay).
  virtual void follow_training_step(const std::vector<double>& before, const std::vector<double>& after) = 0;
};

// What the probe needs of a network: sizes, the initial point, the exact gradient, parameter
// groups and rules. Parameters are flattened as [W | W_outb], W being W_rows x W_cols.
class ProbeModel {
 public:
  virtual ~ProbeModel() = default;
  int n = 0, m = 0, o = 0, W_rows = 0, W_cols = 0;
  virtual std::vector<double> initial_theta(uint64_t seed) const = 0;  // [W | W_outb] in double
  virtual Exact exact(const std::vector<double>& W, const std::vector<double>& W_outb, const Batch& batch) const = 0;
  virtual std::vector<std::pair<std::string, std::vector<size_t>>> groups() const = 0;
  virtual std::unique_ptr<ProbedRule> make_rule(const std::string& id,
                                                const std::map<std::string, std::string>& params) = 0;
  // The probe batch and the current point on the run's backend, for the rules.
  virtual void set_batch(const Batch& batch) = 0;
  virtual void set_point(const std::vector<double>& W, const std::vector<double>& W_outb) = 0;
  // The network's effective configuration, for reports and dumps.
  virtual nlohmann::json description() const = 0;
};

// A rule of either network (Rule: Algorithm or LifAlgorithm) on its owner's network, batch
// and current point.
template <typename Owner, typename Rule>
class ProbedRuleOf final : public ProbedRule {
 public:
  ProbedRuleOf(Owner& owner, std::unique_ptr<Rule> rule) : owner_(owner), rule_(std::move(rule)) {}
  std::string id() const override { return rule_->id(); }
  bool stochastic() const override { return rule_->stochastic(); }
  std::map<std::string, std::string> config() const override { return rule_->config(); }
  size_t state_bytes_for(int batch_size, int T) override { return rule_->state_bytes_for(batch_size, T); }
  size_t state_bytes(int T) const override { return rule_->state_bytes(T); }
  double flops_per_step() const override { return rule_->flops_per_step(); }
  double run(uint64_t noise_seed, std::vector<double>& gradient) override {
    const double loss =
        step_through_window(*owner_.model_, owner_.params_, owner_.batch_, rule_.get(), noise_seed, nullptr);
    gradient = flatten(rule_->gradient());
    return loss;
  }
  void follow_training_step(const std::vector<double>& before, const std::vector<double>& after) override {
    if constexpr (std::is_same_v<Rule, LifAlgorithm>) rule_->follow_training_step(before, after, 0.0);
  }

 private:
  Owner& owner_;
  std::unique_ptr<Rule> rule_;
};

// ---- the leaky rate network (models/rate_rnn.h) --------------------------------------------------
class RateProbeModel final : public ProbeModel {
 public:
  RateProbeModel(const ProbeConfig& config, const Task& task) : config_(config) {
    check_range("--hidden", config.hidden, 1, 4096);
    check_range("--alpha", config.alpha, 1e-6, 1.0);
    check_range("--gain", config.gain, 0.0, 100.0);
    if (!config.model_params.empty())
      throw std::invalid_argument("--model-param applies to --model lif; the rate model takes --hidden, --alpha, --gain");
    rc_.n = config.hidden;
    rc_.m = task.input_size();
    rc_.o = task.output_size();
    rc_.alpha = config.alpha;
    rc_.loss = task.loss();
    n = rc_.n;
    m = rc_.m;
    o = rc_.o;
    W_rows = rc_.n;
    W_cols = rc_.k();
    model_ = std::make_unique<RateRnn>(rc_, config.dtype, config.device);
  }
  std::vector<double> initial_theta(uint64_t seed) const override {
    InitOptions init;
    init.gain = config_.gain;
    const RateRnnParams p = init_params(rc_, seed, DType::f64, Device::cpu, init);
    std::vector<double> theta = p.W.to_host();
    const std::vector<double> out = p.W_outb.to_host();
    theta.insert(theta.end(), out.begin(), out.end());
    return theta;
  }
  Exact exact(const std::vector<double>& W, const std::vector<double>& W_outb, const Batch& batch) const override {
    const RateRnnParams params{Tensor::from_host(W, {rc_.n, rc_.k()}, DType::f64),
                               Tensor::from_host(W_outb, {rc_.o, rc_.n + 1}, DType::f64)};
    RateRnn model(rc_, DType::f64, Device::cpu);
    auto bptt = make_algorithm("bptt", rc_, DType::f64, Device::cpu);
    Exact e;
    e.loss = run_window(model, params, to_device(batch, DType::f64, Device::cpu), *bptt, 0, &e.outputs);
    e.gradient = flatten(bptt->gradient());
    return e;
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> groups() const override {
    std::vector<std::pair<std::string, std::vector<size_t>>> out;
    for (const ParamGroup& g : param_groups(rc_))
      out.push_back({g.name, group_indices(W_rows, W_cols, n, o, g, false)});
    return out;
  }
  std::unique_ptr<ProbedRule> make_rule(const std::string& id,
                                        const std::map<std::string, std::string>& params) override;
  void set_batch(const Batch& batch) override { batch_ = to_device(batch, config_.dtype, config_.device); }
  void set_point(const std::vector<double>& W, const std::vector<double>& W_outb) override {
    params_ = {Tensor::from_host(W, {rc_.n, rc_.k()}, config_.dtype, config_.device),
               Tensor::from_host(W_outb, {rc_.o, rc_.n + 1}, config_.dtype, config_.device)};
  }
  nlohmann::json description() const override { return {{"model", "rate"}, {"alpha", rc_.alpha}}; }

 private:
  template <typename, typename> friend class ProbedRuleOf;
  ProbeConfig config_;
  RateRnnConfig rc_;
  std::unique_ptr<RateRnn> model_;
  DeviceBatch batch_;
  RateRnnParams params_;
};


std::unique_ptr<ProbedRule> RateProbeModel::make_rule(const std::string& id,
                                                      const std::map<std::string, std::string>& params) {
  return std::make_unique<ProbedRuleOf<RateProbeModel, Algorithm>>(*this, make_algorithm(id, rc_, config_.dtype, config_.device, params));
}

// ---- the spiking network (models/lif_rnn.h) -------------------------------------------------------
class LifProbeModel final : public ProbeModel {
 public:
  LifProbeModel(const ProbeConfig& config, const Task& task) : config_(config) {
    lc_ = parse_lif_config(Params("--model lif", lif_param_docs(), config.model_params));
    lc_.m = task.input_size();
    lc_.o = task.output_size();
    lc_.loss = task.loss();
    lc_.validate();
    n = lc_.n();
    m = lc_.m;
    o = lc_.o;
    W_rows = n;
    W_cols = lc_.k();
    model_ = std::make_unique<LifRnn>(lc_, config.dtype, config.device);
  }
  std::vector<double> initial_theta(uint64_t seed) const override {
    const LifRnnParams p = init_lif_params(lc_, seed, DType::f64, Device::cpu);
    std::vector<double> theta = p.W.to_host();
    const std::vector<double> out = p.W_outb.to_host();
    theta.insert(theta.end(), out.begin(), out.end());
    return theta;
  }
  Exact exact(const std::vector<double>& W, const std::vector<double>& W_outb, const Batch& batch) const override {
    const LifRnnParams params{Tensor::from_host(W, {n, W_cols}, DType::f64),
                              Tensor::from_host(W_outb, {o, n + 1}, DType::f64)};
    LifRnn model(lc_, DType::f64, Device::cpu);
    auto bptt = make_lif_algorithm("bptt", lc_, DType::f64, Device::cpu);
    Exact e;
    e.loss = run_lif_window(model, params, to_device(batch, DType::f64, Device::cpu), *bptt, 0, &e.outputs);
    e.gradient = flatten(bptt->gradient());
    return e;
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> groups() const override {
    std::vector<std::pair<std::string, std::vector<size_t>>> out;
    for (const ParamGroup& g : lif_param_groups(lc_))  // W_rec's diagonal is no parameter
      out.push_back({g.name, group_indices(W_rows, W_cols, n, o, g, std::string(g.name) == "W_rec")});
    return out;
  }
  std::unique_ptr<ProbedRule> make_rule(const std::string& id,
                                        const std::map<std::string, std::string>& params) override;
  void set_batch(const Batch& batch) override { batch_ = to_device(batch, config_.dtype, config_.device); }
  void set_point(const std::vector<double>& W, const std::vector<double>& W_outb) override {
    params_ = {Tensor::from_host(W, {n, W_cols}, config_.dtype, config_.device),
               Tensor::from_host(W_outb, {o, n + 1}, config_.dtype, config_.device)};
  }
  nlohmann::json description() const override {
    nlohmann::json d = {{"model", "lif"}};
    for (const auto& [key, value] : lif_config_text(lc_)) d["config"][key] = value;
    return d;
  }

 private:
  template <typename, typename> friend class ProbedRuleOf;
  ProbeConfig config_;
  LifRnnConfig lc_;
  std::unique_ptr<LifRnn> model_;
  DeviceBatch batch_;
  LifRnnParams params_;
};


std::unique_ptr<ProbedRule> LifProbeModel::make_rule(const std::string& id,
                                                     const std::map<std::string, std::string>& params) {
  return std::make_unique<ProbedRuleOf<LifProbeModel, LifAlgorithm>>(*this, make_lif_algorithm(id, lc_, config_.dtype, config_.device, params));
}

std::unique_ptr<ProbeModel> make_probe_model(const ProbeConfig& config, const Task& task) {
  if (config.model == "rate") return std::make_unique<RateProbeModel>(config, task);
  if (config.model == "lif") return std::make_unique<LifProbeModel>(config, task);
  throw std::invalid_argument("unknown model '" + config.model + "' (valid: rate, lif)");
}

// Adam (Kingma & Ba 2015) on the flattened parameters, in double.
class Adam {
 public:
  Adam(size_t size, double lr) : lr_(lr), m_(size, 0.0), v_(size, 0.0) {}
  void step(std::vector<double>& theta, const std::vector<double>& g) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    ++t_;
    const double c1 = 1 - std::pow(b1, t_), c2 = 1 - std::pow(b2, t_);
    for (size_t i = 0; i < theta.size(); ++i) {
      m_[i] = b1 * m_[i] + (1 - b1) * g[i];
      v_[i] = b2 * v_[i] + (1 - b2) * g[i] * g[i];
      theta[i] -= lr_ * (m_[i] / c1) / (std::sqrt(v_[i] / c2) + eps);
    }
  }

 private:
  double lr_;
  int t_ = 0;
  std::vector<double> m_, v_;
};

// Rounds host values to what a tensor of the given dtype holds.
std::vector<double> rounded(const std::vector<double>& v, DType dtype) {
  return Tensor::from_host(v, {static_cast<int64_t>(v.size())}, dtype).to_host();
}

}  // namespace

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
  if (model == "rate") {  // the rate model's keys, as before the spiking model existed (same hashes)
    j["hidden"] = hidden;
    j["alpha"] = alpha;
    j["gain"] = gain;
  } else {
    j["model"] = model;
    j["model_params"] = model_params;
  }
  return j;
}

ProbeResult run_probe(const ProbeConfig& config, std::ostream* progress) {
  check_range("--batch", config.batch, 1, 65536);
  check_range("--samples", config.samples, 1, 1000000);
  check_range("--train-lr", config.train_lr, 1e-12, 1.0);
  check_range("--data-batches", config.data_batches, 0, 100000);
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
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);
  const std::unique_ptr<ProbeModel> net = make_probe_model(config, *task);

  // Build every rule first: an unknown id or hyperparameter fails before any work is done.
  for (const auto& [id, params] : config.algo_params) {
    if (std::find(config.algorithms.begin(), config.algorithms.end(), id) == config.algorithms.end())
      throw std::invalid_argument("parameters given for '" + id + "', which is not among the rules probed");
  }
  std::vector<std::unique_ptr<ProbedRule>> rules;
  for (const std::string& id : config.algorithms) {
    const auto given = config.algo_params.find(id);
    rules.push_back(
        net->make_rule(id, given == config.algo_params.end() ? std::map<std::string, std::string>{} : given->second));
  }

  ProbeResult result;
  result.config = config;
  result.n = net->n;
  result.m = net->m;
  result.o = net->o;
  result.network = net->description();
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.batch = task->sample(config.batch, config.seed);
  // Refuse, with the numbers, a rule whose state cannot fit (RTRL needs B n^2 k values).
  for (auto& rule : rules) {
    const std::string what = rule->id() + " at n = " + std::to_string(net->n) + ", --batch " +
                             std::to_string(config.batch) + " (T = " + std::to_string(result.batch.T) + ", " +
                             to_string(config.dtype) + ")";
    require_state_fits(what, rule->state_bytes_for(config.batch, result.batch.T), config.device,
                       config.model == "rate" ? "lower --hidden or --batch" : "lower n_lif + n_alif or --batch");
  }

  // The training run's parameters, in double; each checkpoint rounds them to the run's dtype.
  std::vector<double> theta = net->initial_theta(config.seed);
  const size_t W_size = static_cast<size_t>(net->W_rows) * net->W_cols;
  auto W_of = [&](const std::vector<double>& v) {
    return std::vector<double>(v.begin(), v.begin() + static_cast<ptrdiff_t>(W_size));
  };
  auto W_outb_of = [&](const std::vector<double>& v) {
    return std::vector<double>(v.begin() + static_cast<ptrdiff_t>(W_size), v.end());
  };
  Adam adam(theta.size(), config.train_lr);
  int trained = 0;

  const std::vector<std::pair<std::string, std::vector<size_t>>> groups = net->groups();
  net->set_batch(result.batch);
  for (const int checkpoint : config.checkpoints) {
    for (; trained < checkpoint; ++trained) {
      const Batch train = task->sample(config.batch, derived_seed(config.seed, SeedPurpose::training, trained));
      const std::vector<double> before = W_outb_of(theta);
      adam.step(theta, net->exact(W_of(theta), before, train).gradient);
      for (auto& rule : rules) rule->follow_training_step(before, W_outb_of(theta));
    }
    for (double v : theta)
      if (!std::isfinite(v))
        throw std::runtime_error("the training run diverged before step " + std::to_string(checkpoint) +
                                 "; lower --train-lr");

    ProbePoint point;
    point.step = checkpoint;
    point.W = rounded(W_of(theta), config.dtype);
    point.W_outb = rounded(W_outb_of(theta), config.dtype);
    const Exact exact = net->exact(point.W, point.W_outb, result.batch);
    point.reference_loss = exact.loss;
    point.reference = exact.gradient;
    point.task_metrics = task->metrics(result.batch, exact.outputs);

    if (config.data_batches >= 2) {
      std::vector<std::vector<double>> grads;
      for (int i = 0; i < config.data_batches; ++i) {
        const Batch other = task->sample(config.batch, derived_seed(config.seed, SeedPurpose::data_floor, i));
        grads.push_back(net->exact(point.W, point.W_outb, other).gradient);
      }
      point.data_floor.batches = config.data_batches;
      point.data_floor.total = relative_spread(grads, point.reference);
      for (const auto& [name, idx] : groups)
        point.data_floor.groups[name] = relative_spread(pick_all(grads, idx), pick(point.reference, idx));
    }

    net->set_point(point.W, point.W_outb);
    for (auto& rule : rules) {
      AlgorithmProbe probe;
      probe.id = rule->id();
      probe.config = rule->config();
      probe.stochastic = rule->stochastic();
      probe.samples = probe.stochastic ? config.samples : 1;
      std::vector<double> seconds;
      for (int s = 0; s < probe.samples; ++s) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<double> estimate;
        probe.loss = rule->run(derived_seed(config.seed, SeedPurpose::noise, s), estimate);
        probe.estimates.push_back(std::move(estimate));
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      std::sort(seconds.begin(), seconds.end());
      probe.seconds_per_window = seconds[seconds.size() / 2];
      probe.state_bytes = rule->state_bytes(result.batch.T);
      probe.flops_per_step = rule->flops_per_step();
      probe.total = compare_gradients(probe.estimates, point.reference);
      for (const auto& [name, idx] : groups)
        probe.groups[name] = compare_gradients(pick_all(probe.estimates, idx), pick(point.reference, idx));
      if (progress) {
        *progress << "probe " << config.task << " step " << checkpoint << ": " << probe.id << " done ("
                  << probe.samples << (probe.samples == 1 ? " window, " : " windows, ")
                  << probe.seconds_per_window * probe.samples << " s)\n";
        progress->flush();
      }
      point.algorithms.push_back(std::move(probe));
    }
    result.points.push_back(std::move(point));
  }
  return result;
}

nlohmann::json probe_report(const ProbeResult& r, const std::string& only_algorithm) {
  nlohmann::json config = r.config.to_json();
  config["task_config"] = r.task_config;
  nlohmann::json report;
  report["schema_version"] = kProbeSchemaVersion;
  report["kind"] = "probe";
  if (!only_algorithm.empty()) report["cell"] = {{"task", r.config.task}, {"algorithm", only_algorithm}};
  report["config"] = config;
  report["config_hash"] = config_hash(config);
  report["git_commit"] = git_commit();
  report["backend"] = {{"device", to_string(r.config.device)}, {"precision", to_string(r.config.dtype)}};
  report["machine"] = machine_info();
  report["network"] = {{"n", r.n}, {"m", r.m}, {"o", r.o}, {"T", r.batch.T}, {"B", r.batch.B}};
  for (const auto& [key, value] : r.network.items()) report["network"][key] = value;
  report["reference"] = {{"algorithm", "bptt"}, {"precision", "double"}, {"device", "cpu"}};
  nlohmann::json points = nlohmann::json::array();
  for (const ProbePoint& p : r.points) {
    nlohmann::json algos = nlohmann::json::array();
    for (const AlgorithmProbe& a : p.algorithms) {
      if (!only_algorithm.empty() && a.id != only_algorithm) continue;
      nlohmann::json groups;
      for (const auto& [name, s] : a.groups) groups[name] = stats_json(s);
      algos.push_back({{"id", a.id},
                       {"config", a.config},
                       {"stochastic", a.stochastic},
                       {"samples", a.samples},
                       {"total", stats_json(a.total)},
                       {"groups", groups},
                       {"loss", a.loss},
                       {"seconds_per_window", a.seconds_per_window},
                       {"state_bytes", a.state_bytes},
                       {"flops_per_step_per_sequence", a.flops_per_step}});
    }
    nlohmann::json floor = {{"batches", p.data_floor.batches}};
    if (p.data_floor.batches > 0) {
      floor["rel_variance"] = p.data_floor.total;
      floor["groups"] = p.data_floor.groups;
    }
    points.push_back({{"step", p.step},
                      {"reference_loss", p.reference_loss},
                      {"task_metrics", p.task_metrics},
                      {"data_floor", floor},
                      {"algorithms", algos}});
  }
  report["checkpoints"] = points;
  return report;
}

nlohmann::json probe_dump(const ProbeResult& r) {
  nlohmann::json dump;
  if (r.config.model == "rate") {
    dump["layout"] =
        "row-major; W = [W_rec | W_in | b] is n x k (k = n + m + 1), W_outb = [W_out | b_out] is "
        "o x (n + 1); gradients are [W | W_outb] flattened; inputs [T,B,m], targets [T,B,o], "
        "loss_mask [T,B]; loss = (1/B) sum_t,b mask * l";
    dump["alpha"] = r.config.alpha;
  } else {
    dump["layout"] =
        "row-major; spiking network (models/lif_rnn.h, knobs in model_config); W = [W_rec | W_in] is n x k "
        "(k = n + m, W_rec's diagonal 0), W_outb = [W_out | b_out] is o x (n + 1); gradients are [W | W_outb] "
        "flattened; inputs [T,B,m], targets [T,B,o], loss_mask [T,B]; loss = (1/B) sum_t,b mask * l + "
        "rate_reg sum_j (f_j - f0)^2";
    dump["model"] = r.config.model;
    dump["model_config"] = r.network.value("config", nlohmann::json::object());
  }
  dump["n"] = r.n;
  dump["m"] = r.m;
  dump["o"] = r.o;
  dump["T"] = r.batch.T;
  dump["B"] = r.batch.B;
  dump["loss"] = r.batch.loss == LossKind::mse ? "mse" : "cross_entropy";
  dump["inputs"] = r.batch.inputs;
  dump["targets"] = r.batch.targets;
  dump["loss_mask"] = r.batch.loss_mask;
  nlohmann::json points = nlohmann::json::array();
  for (const ProbePoint& p : r.points) {
    nlohmann::json estimates;
    for (const AlgorithmProbe& a : p.algorithms) estimates[a.id] = a.estimates;
    points.push_back({{"step", p.step},
                      {"W", p.W},
                      {"W_outb", p.W_outb},
                      {"reference_gradient", p.reference},
                      {"estimates", estimates}});
  }
  dump["checkpoints"] = points;
  return dump;
}

namespace {

std::string ci_text(const GradientStats& s, const Interval& i) {
  if (!s.has_intervals) return "-";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "[%.2e, %.2e]", i.lo, i.hi);
  return buf;
}

}  // namespace

std::string probe_table(const ProbeResult& r) {
  std::ostringstream s;
  char line[320];
  s << "probe " << r.config.task << (r.config.model == "rate" ? "" : "  model=" + r.config.model) << "  n=" << r.n
    << " B=" << r.config.batch << " T=" << r.batch.T
    << " seed=" << r.config.seed << "  " << to_string(r.config.dtype) << " on "
    << to_string(r.config.device) << "  (reference: bptt in double; intervals: 95%)\n";
  for (const ProbePoint& p : r.points) {
    s << "step " << p.step << ": loss " << p.reference_loss;
    for (const auto& [name, value] : p.task_metrics) s << "  " << name << "=" << value;
    s << '\n';
    if (p.data_floor.batches > 0) {
      std::snprintf(line, sizeof(line), "  data-variance floor (BPTT across %d batches): rel_var %.3e%s\n",
                    p.data_floor.batches, p.data_floor.total,
                    p.data_floor.total == 0.0 ? " (every batch has the same gradient: the task draws no "
                                                "randomness at this batch size)"
                                              : "");
      s << line;
    }
    std::snprintf(line, sizeof(line), "  %-14s %-6s %4s %10s %22s %10s %22s %9s %9s %9s %10s\n", "algorithm",
                  "group", "K", "rel_bias", "bias CI95", "rel_var", "var CI95", "cos(mean)", "mean_cos",
                  "norm_rat", "ms/window");
    s << line;
    for (const AlgorithmProbe& a : p.algorithms) {
      auto row = [&](const std::string& group, const GradientStats& st, bool first) {
        char ms[32] = "";
        if (first) std::snprintf(ms, sizeof(ms), "%.3f", a.seconds_per_window * 1e3);
        std::snprintf(line, sizeof(line), "  %-14s %-6s %4d %10.3e %22s %10.3e %22s %9.6f %9.6f %9.6f %10s\n",
                      first ? a.id.c_str() : "", group.c_str(), a.samples, st.rel_bias,
                      ci_text(st, st.rel_bias_ci95).c_str(), st.rel_variance,
                      ci_text(st, st.rel_variance_ci95).c_str(), st.cosine_of_mean, st.mean_cosine,
                      st.norm_ratio, ms);
        s << line;
      };
      row("total", a.total, true);
      for (const auto& [name, st] : a.groups) row(name, st, false);
    }
  }
  return s.str();
}

std::string probe_summary(const std::vector<ProbeResult>& results) {
  std::ostringstream s;
  char line[320];
  std::snprintf(line, sizeof(line), "%-24s %-14s %5s %4s %10s %22s %10s %22s %9s %22s\n", "task", "algorithm",
                "step", "K", "rel_bias", "bias CI95", "rel_var", "var CI95", "cos(mean)", "cos(mean) CI95");
  s << line;
  for (const ProbeResult& r : results) {
    if (r.points.empty()) continue;
    const ProbePoint& p = r.points.back();
    for (const AlgorithmProbe& a : p.algorithms) {
      const GradientStats& t = a.total;
      std::snprintf(line, sizeof(line), "%-24s %-14s %5d %4d %10.3e %22s %10.3e %22s %9.6f %22s\n",
                    r.config.task.c_str(), a.id.c_str(), p.step, a.samples, t.rel_bias,
                    ci_text(t, t.rel_bias_ci95).c_str(), t.rel_variance, ci_text(t, t.rel_variance_ci95).c_str(),
                    t.cosine_of_mean, ci_text(t, t.cosine_of_mean_ci95).c_str());
      s << line;
    }
  }
  return s.str();
}

}  // namespace tca
