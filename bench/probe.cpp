#include "bench/probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "algorithms/algorithm.h"
#include "bench/report.h"
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

// Independent noise seed for sample s of a probe with the given seed (splitmix64 finaliser).
uint64_t noise_seed(uint64_t seed, int sample) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(sample + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::vector<double> flatten(const Gradients& g) {
  std::vector<double> flat = g.W.to_host();
  const std::vector<double> out = g.W_outb.to_host();
  flat.insert(flat.end(), out.begin(), out.end());
  return flat;
}

// Indices of a parameter group within the flattened [W | W_outb] vector.
std::vector<size_t> group_indices(const RateRnnConfig& c, const ParamGroup& g) {
  const size_t rows = g.output ? c.o : c.n;
  const size_t width = g.output ? c.n + 1 : c.k();
  const size_t base = g.output ? static_cast<size_t>(c.n) * c.k() : 0;
  std::vector<size_t> idx;
  for (size_t i = 0; i < rows; ++i)
    for (int j = 0; j < g.cols; ++j) idx.push_back(base + i * width + g.first_col + j);
  return idx;
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  const double d = norm(a) * norm(b);
  return d > 0 ? dot(a, b) / d : 0.0;
}

std::vector<double> pick(const std::vector<double>& v, const std::vector<size_t>& idx) {
  std::vector<double> out(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) out[i] = v[idx[i]];
  return out;
}

GradientStats compare(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g) {
  const size_t K = estimates.size(), d = g.size();
  std::vector<double> mean(d, 0.0);
  for (const auto& e : estimates)
    for (size_t i = 0; i < d; ++i) mean[i] += e[i] / static_cast<double>(K);
  GradientStats s;
  s.reference_norm = norm(g);
  const double g2 = s.reference_norm * s.reference_norm;
  std::vector<double> diff(d);
  for (size_t i = 0; i < d; ++i) diff[i] = mean[i] - g[i];
  const double ref = s.reference_norm > 0 ? s.reference_norm : 1.0;  // zero gradient: absolute
  s.rel_bias = norm(diff) / ref;
  double spread = 0, cos_sum = 0;
  for (const auto& e : estimates) {
    for (size_t i = 0; i < d; ++i) spread += (e[i] - mean[i]) * (e[i] - mean[i]);
    cos_sum += cosine(e, g);
  }
  s.rel_variance = spread / static_cast<double>(K) / (g2 > 0 ? g2 : 1.0);
  s.cosine_of_mean = cosine(mean, g);
  s.mean_cosine = cos_sum / static_cast<double>(K);
  s.norm_ratio = norm(mean) / ref;
  return s;
}

nlohmann::json stats_json(const GradientStats& s) {
  return {{"rel_bias", s.rel_bias},         {"rel_variance", s.rel_variance},
          {"cosine_of_mean", s.cosine_of_mean}, {"mean_cosine", s.mean_cosine},
          {"norm_ratio", s.norm_ratio},     {"reference_norm", s.reference_norm}};
}

}  // namespace

nlohmann::json ProbeConfig::to_json() const {
  return {{"task", task},       {"task_params", task_params}, {"algorithms", algorithms},
          {"algo_params", algo_params},
          {"hidden", hidden},   {"batch", batch},             {"seed", seed},
          {"samples", samples}, {"alpha", alpha},             {"gain", gain},
          {"precision", to_string(dtype)}, {"device", to_string(device)}};
}

ProbeResult run_probe(const ProbeConfig& config) {
  check_range("--hidden", config.hidden, 1, 4096);
  check_range("--batch", config.batch, 1, 65536);
  check_range("--samples", config.samples, 1, 1000000);
  check_range("--alpha", config.alpha, 1e-6, 1.0);
  check_range("--gain", config.gain, 0.0, 100.0);
  if (config.algorithms.empty()) throw std::invalid_argument("no algorithm named");
  const std::unique_ptr<Task> task = make_task(config.task, config.task_params);

  RateRnnConfig rc;
  rc.n = config.hidden;
  rc.m = task->input_size();
  rc.o = task->output_size();
  rc.alpha = config.alpha;
  rc.loss = task->loss();
  // Build every rule first: an unknown id fails before any work is done.
  std::vector<std::unique_ptr<Algorithm>> rules;
  for (const auto& [id, params] : config.algo_params) {
    if (std::find(config.algorithms.begin(), config.algorithms.end(), id) == config.algorithms.end())
      throw std::invalid_argument("parameters given for '" + id + "', which is not among the rules probed");
  }
  for (const std::string& id : config.algorithms) {
    const auto given = config.algo_params.find(id);
    rules.push_back(make_algorithm(id, rc, config.dtype, config.device,
                                   given == config.algo_params.end() ? std::map<std::string, std::string>{}
                                                                     : given->second));
  }

  ProbeResult result;
  result.config = config;
  result.n = rc.n;
  result.m = rc.m;
  result.o = rc.o;
  for (const auto& [key, value] : task->config()) result.task_config[key] = value;
  result.batch = task->sample(config.batch, config.seed);

  InitOptions init;
  init.gain = config.gain;
  const RateRnnParams params = init_params(rc, config.seed, config.dtype, config.device, init);
  result.W = params.W.to_host();
  result.W_outb = params.W_outb.to_host();

  // The reference: BPTT in double on the CPU, at exactly the parameters the run uses.
  {
    const RateRnnParams exact{params.W.to(Device::cpu).to(DType::f64),
                              params.W_outb.to(Device::cpu).to(DType::f64)};
    RateRnn model(rc, DType::f64, Device::cpu);
    const DeviceBatch batch = to_device(result.batch, DType::f64, Device::cpu);
    auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
    std::vector<double> outputs;
    result.reference_loss = run_window(model, exact, batch, *bptt, 0, &outputs);
    result.reference = flatten(bptt->gradient());
    result.task_metrics = task->metrics(result.batch, outputs);
  }

  RateRnn model(rc, config.dtype, config.device);
  const DeviceBatch batch = to_device(result.batch, config.dtype, config.device);
  for (auto& rule : rules) {
    AlgorithmProbe probe;
    probe.id = rule->id();
    probe.stochastic = rule->stochastic();
    probe.config = rule->config();
    probe.samples = probe.stochastic ? config.samples : 1;
    std::vector<double> seconds;
    for (int s = 0; s < probe.samples; ++s) {
      const auto start = std::chrono::steady_clock::now();
      probe.loss = run_window(model, params, batch, *rule, noise_seed(config.seed, s));
      probe.estimates.push_back(flatten(rule->gradient()));
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    probe.seconds_per_window = seconds[seconds.size() / 2];
    probe.state_bytes = rule->state_bytes(result.batch.T);
    probe.flops_per_step = rule->flops_per_step();
    probe.total = compare(probe.estimates, result.reference);
    for (const ParamGroup& g : param_groups(rc)) {
      const std::vector<size_t> idx = group_indices(rc, g);
      std::vector<std::vector<double>> picked;
      for (const auto& e : probe.estimates) picked.push_back(pick(e, idx));
      probe.groups[g.name] = compare(picked, pick(result.reference, idx));
    }
    result.algorithms.push_back(std::move(probe));
  }
  return result;
}

nlohmann::json probe_report(const ProbeResult& r) {
  nlohmann::json config = r.config.to_json();
  config["task_config"] = r.task_config;
  nlohmann::json report;
  report["schema_version"] = kProbeSchemaVersion;
  report["kind"] = "probe";
  report["config"] = config;
  report["config_hash"] = config_hash(config);
  report["git_commit"] = git_commit();
  report["backend"] = {{"device", to_string(r.config.device)}, {"precision", to_string(r.config.dtype)}};
  report["machine"] = machine_info();
  report["network"] = {{"n", r.n}, {"m", r.m}, {"o", r.o}, {"T", r.batch.T}};
  report["reference"] = {{"algorithm", "bptt"}, {"precision", "double"}, {"device", "cpu"},
                         {"loss", r.reference_loss}};
  report["task_metrics"] = r.task_metrics;
  nlohmann::json algos = nlohmann::json::array();
  for (const AlgorithmProbe& a : r.algorithms) {
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
  report["algorithms"] = algos;
  return report;
}

nlohmann::json probe_dump(const ProbeResult& r) {
  nlohmann::json dump;
  dump["layout"] =
      "row-major; W = [W_rec | W_in | b] is n x k (k = n + m + 1), W_outb = [W_out | b_out] is "
      "o x (n + 1); gradients are [W | W_outb] flattened; inputs [T,B,m], targets [T,B,o], "
      "loss_mask [T,B]; loss = (1/B) sum_t,b mask * l";
  dump["n"] = r.n;
  dump["m"] = r.m;
  dump["o"] = r.o;
  dump["T"] = r.batch.T;
  dump["B"] = r.batch.B;
  dump["alpha"] = r.config.alpha;
  dump["loss"] = r.batch.loss == LossKind::mse ? "mse" : "cross_entropy";
  dump["W"] = r.W;
  dump["W_outb"] = r.W_outb;
  dump["inputs"] = r.batch.inputs;
  dump["targets"] = r.batch.targets;
  dump["loss_mask"] = r.batch.loss_mask;
  dump["reference_gradient"] = r.reference;
  nlohmann::json estimates;
  for (const AlgorithmProbe& a : r.algorithms) estimates[a.id] = a.estimates;
  dump["estimates"] = estimates;
  return dump;
}

std::string probe_table(const ProbeResult& r) {
  std::ostringstream s;
  char line[256];
  s << "probe " << r.config.task << "  n=" << r.n << " B=" << r.config.batch << " T=" << r.batch.T
    << " seed=" << r.config.seed << "  " << to_string(r.config.dtype) << " on "
    << to_string(r.config.device) << "  (reference: bptt, double)\n";
  std::snprintf(line, sizeof(line), "%-10s %-7s %3s %11s %11s %9s %9s %9s %10s\n", "algorithm",
                "group", "K", "rel_bias", "rel_var", "cos(mean)", "mean_cos", "norm_rat",
                "ms/window");
  s << line;
  for (const AlgorithmProbe& a : r.algorithms) {
    auto row = [&](const std::string& group, const GradientStats& st, bool first) {
      std::snprintf(line, sizeof(line), "%-10s %-7s %3d %11.3e %11.3e %9.6f %9.6f %9.6f %10s\n",
                    first ? a.id.c_str() : "", group.c_str(), a.samples, st.rel_bias,
                    st.rel_variance, st.cosine_of_mean, st.mean_cosine, st.norm_ratio,
                    first ? std::to_string(a.seconds_per_window * 1e3).substr(0, 8).c_str() : "");
      s << line;
    };
    row("total", a.total, true);
    for (const auto& [name, st] : a.groups) row(name, st, false);
  }
  s << "task metrics at these parameters:";
  for (const auto& [name, value] : r.task_metrics) s << ' ' << name << '=' << value;
  s << '\n';
  return s.str();
}

}  // namespace tca
