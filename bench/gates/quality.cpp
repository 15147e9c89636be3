#include "bench/gates/quality.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "algorithms/registry.h"
#include "bench/experiments/probe.h"
#include "bench/report/report.h"
#include "models/registry.h"

namespace tca {

namespace {

constexpr int kQualitySchemaVersion = 1;
const std::vector<std::string> kQualityTasks = {"dnms-v0", "add-v0"};

// The spiking network of the gate: 8 LIF and 8 ALIF neurons, the other knobs at their defaults.
const std::map<std::string, std::string> kQualityLifKnobs = {{"n_lif", "8"}, {"n_alif", "8"}};

// The gate's probe on network `model` (rate: n = 32; lif: kQualityLifKnobs), every rule of it.
ProbeConfig gate_probe(const std::string& model) {
  ProbeConfig p;
  p.model = model;
  if (model != "rate") p.model_params = kQualityLifKnobs;
  p.hidden = 32;
  p.batch = 16;
  p.seed = 1;
  p.samples = 16;
  p.alpha = 1.0;
  p.gain = 1.0;
  p.dtype = DType::f64;  // reproducible across machines up to BLAS rounding
  p.device = Device::cpu;
  p.checkpoints = {0};
  p.data_batches = 0;  // the data floor says nothing about the rules
  p.algorithms.clear();
  for (const RuleInfo& a : rules_of(model)) p.algorithms.push_back(a.id);
  return p;
}

bool is_exact(const std::string& model, const std::string& rule) {
  for (const RuleInfo& a : rules_of(model))
    if (a.id == rule) return a.exact;
  return false;
}

// A rule's metric prefix: "task/<rule_label>/".
std::string metric_prefix(const std::string& task, const std::string& model, const std::string& rule) {
  return task + "/" + rule_label(model, rule) + "/";
}

// The metrics of one probe of the gate into `metrics` and `exact`.
void add_probe_metrics(const std::string& task, const std::string& model, nlohmann::json& metrics,
                       nlohmann::json& exact) {
  ProbeConfig config = gate_probe(model);
  config.task = task;
  const ProbeResult result = run_probe(config);
  const ProbePoint& point = result.points.at(0);
  const std::string reference = metric_prefix(task, model, "reference");
  metrics[reference + "loss"] = point.reference_loss;
  double norm2 = 0;
  for (double g : point.reference) norm2 += g * g;
  metrics[reference + "norm"] = std::sqrt(norm2);
  for (const AlgorithmProbe& a : point.algorithms) {
    const std::string key = metric_prefix(task, model, a.id);
    // All parameters (keys without a prefix) and the recurrent ones ("recurrent_"), the part the
    // rules approximate.
    for (const auto& [part, s] : {std::pair<std::string, const GradientStats&>{"", a.total}, {"recurrent_", a.recurrent}}) {
      metrics[key + part + "rel_bias"] = s.rel_bias;
      if (is_exact(model, a.id)) {
        exact.push_back(key + part + "rel_bias");
        continue;
      }
      metrics[key + part + "cosine_of_mean"] = s.cosine_of_mean;
      if (a.stochastic) {
        metrics[key + part + "rel_variance"] = s.rel_variance;
        metrics[key + part + "mean_cosine"] = s.mean_cosine;
      } else {
        metrics[key + part + "norm_ratio"] = s.norm_ratio;
      }
    }
  }
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

}  // namespace

nlohmann::json quality_config() {
  const ProbeConfig p = gate_probe("rate");
  return {{"tasks", kQualityTasks},        {"hidden", p.hidden},
          {"batch", p.batch},              {"seed", p.seed},
          {"samples", p.samples},          {"alpha", p.alpha},
          {"gain", p.gain},                {"precision", to_string(p.dtype)},
          {"device", to_string(p.device)}, {"checkpoints", p.checkpoints},
          {"lif_model_params", kQualityLifKnobs}};
}

nlohmann::json quality_metrics() {
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json exact = nlohmann::json::array();
  for (const std::string& task : kQualityTasks)
    for (const NetworkInfo& network : network_registry()) add_probe_metrics(task, network.id, metrics, exact);
  return {{"schema_version", kQualitySchemaVersion},
          {"kind", "quality"},
          {"config", quality_config()},
          {"metrics", metrics},
          {"exact", exact},
          {"git_commit", git_commit()},
          {"machine", machine_info()}};
}

std::vector<std::string> quality_bound_violations(const nlohmann::json& current) {
  std::vector<std::string> out;
  for (const nlohmann::json& key : current.at("exact")) {
    const double v = current.at("metrics").at(key.get<std::string>()).get<double>();
    if (!(v <= kQualityExactBound))
      out.push_back(key.get<std::string>() + " = " + format(v) + " exceeds the bound " + format(kQualityExactBound) +
                    " of an exact rule");
  }
  return out;
}

QualityReport check_quality(const nlohmann::json& current, const nlohmann::json& baseline) {
  if (!baseline.is_object() || !baseline.contains("metrics") || !baseline["metrics"].is_object() ||
      !baseline.contains("config"))
    throw std::invalid_argument("the baseline is not a tcabench quality file (no \"config\" and \"metrics\")");
  QualityReport report;
  if (baseline["config"] != current.at("config"))
    report.violations.push_back("the baseline was made with other probe settings (" + baseline["config"].dump() +
                                ", now " + current.at("config").dump() + "); regenerate it with --write");
  const nlohmann::json& now = current.at("metrics");
  const nlohmann::json& base = baseline["metrics"];
  std::set<std::string> exact;
  for (const nlohmann::json& key : current.at("exact")) exact.insert(key.get<std::string>());
  for (const auto& [key, value] : now.items()) {
    QualityCheck c;
    c.metric = key;
    c.value = value.get<double>();
    const bool in_base = base.contains(key) && base[key].is_number();
    c.baseline = in_base ? base[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
    if (exact.count(key)) {
      c.rule = "<= " + format(kQualityExactBound);
      if (!(c.value <= kQualityExactBound)) c.problem = "exceeds the bound of an exact rule";
    } else {
      c.rule = "rel " + format(kQualityRelTolerance);
      const double allowed = kQualityRelTolerance * std::fabs(c.baseline) + kQualityAbsTolerance;
      if (in_base && !(std::fabs(c.value - c.baseline) <= allowed))
        c.problem = "differs from the baseline by " + format(std::fabs(c.value - c.baseline)) + " (allowed " +
                    format(allowed) + ")";
    }
    if (!in_base && c.problem.empty()) c.problem = "not in the baseline (a new rule or metric? regenerate with --write)";
    c.ok = c.problem.empty();
    if (!c.ok)
      report.violations.push_back(key + " = " + format(c.value) +
                                  (in_base ? " (baseline " + format(c.baseline) + ")" : "") + ": " + c.problem);
    report.checks.push_back(c);
  }
  for (const auto& [key, value] : base.items()) {
    (void)value;
    if (!now.contains(key)) report.violations.push_back(key + ": in the baseline but no longer computed");
  }
  return report;
}

std::string quality_table(const QualityReport& report) {
  std::ostringstream s;
  size_t width = 6;
  for (const QualityCheck& c : report.checks) width = std::max(width, c.metric.size());
  char line[512];
  std::snprintf(line, sizeof(line), "%-*s  %17s  %17s  %12s  %s\n", static_cast<int>(width), "metric", "value",
                "baseline", "tolerance", "status");
  s << line;
  for (const QualityCheck& c : report.checks) {
    std::snprintf(line, sizeof(line), "%-*s  %17.10g  %17.10g  %12s  %s\n", static_cast<int>(width), c.metric.c_str(),
                  c.value, c.baseline, c.rule.c_str(), c.ok ? "ok" : "FAIL");
    s << line;
  }
  s << "\nquality: " << report.checks.size() << " metrics checked, " << report.violations.size() << " violation"
    << (report.violations.size() == 1 ? "" : "s") << '\n';
  for (const std::string& v : report.violations) s << "  " << v << '\n';
  return s.str();
}

}  // namespace tca
