#include "bench/report/train_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "bench/report/report.h"
#include "core/statistics.h"

namespace tca {

namespace {

// 2: "regime", each run's "alignment" along its trajectory and, with confirm_batch, its
// "confirmations"; with curvature_batch, its curvature and generalization gap.
constexpr int kTrainSchemaVersion = 2;

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json spread_json(const std::vector<double>& v) {
  if (v.empty()) return nullptr;
  return {{"median", median(v)},
          {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())}};
}

// Every (learning rate, seed) run with its learning curve.
nlohmann::json runs_json(const TrainResult& r) {
  nlohmann::json runs = nlohmann::json::array();
  for (const TrainRun& run : r.runs) {
    nlohmann::json curve = nlohmann::json::array();
    for (const CurvePoint& p : run.curve)
      curve.push_back({{"iteration", p.iteration},
                       {"train_loss", p.train_loss},  // NaN (no window yet) is written as null
                       {"validation_loss", p.validation_loss},
                       {"validation_metrics", p.validation_metrics}});
    nlohmann::json alignment = nlohmann::json::array();
    for (const AlignmentPoint& p : run.alignment)
      alignment.push_back({{"iteration", p.iteration},
                           {"cosine", number_or_null(p.cosine)},  // null when the exact gradient is 0
                           {"relative_error", number_or_null(p.relative_error)},
                           {"cosine_all", number_or_null(p.cosine_all)},
                           {"exact_norm", p.exact_norm}});
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
                    {"curve", curve},
                    {"alignment", alignment}});
    if (r.config.curvature_batch > 0) {
      runs.back()["top_hessian_eigenvalue"] = number_or_null(run.top_hessian_eigenvalue);
      runs.back()["curvature_iterations"] = run.curvature_iterations;
      runs.back()["curvature_converged"] = run.curvature_converged;
      runs.back()["generalization_gap"] = number_or_null(run.generalization_gap);
    }
    if (r.config.confirm_batch > 0) {
      nlohmann::json confirmations = nlohmann::json::array();
      for (const Confirmation& check : run.confirmations)
        confirmations.push_back({{"iteration", check.iteration}, {"value", check.value}, {"met", check.met}});
      runs.back()["confirmations"] = confirmations;
    }
  }
  return runs;
}

// The learning-rate selection; `best` receives the runs at the best rate.
nlohmann::json selection_json(const TrainResult& r, std::vector<const TrainRun*>& best) {
  nlohmann::json by_rate = nlohmann::json::object();
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
  return {{"rule", "lowest median final validation loss over seeds (a diverged run counts as +inf)"},
                         {"best_learning_rate", r.best_learning_rate},
                         {"by_learning_rate", by_rate}};

}

// Median and range over seeds at the best learning rate.
nlohmann::json summary_json(const TrainResult& r, const std::vector<const TrainRun*>& best) {
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
  return {{"learning_rate", r.best_learning_rate},
                       {"seeds", best.size()},
                       {"diverged_runs", diverged},
                       {"test_loss", spread_json(test_loss)},
                       {"test_metrics", metric_spreads},
                       {"criterion", r.config.criterion.to_string()},
                       {"runs_reaching_criterion", reached},
                       {"steps_to_criterion", spread_json(to_criterion)},
                       {"steps_per_second", spread_json(speed)},
                       {"wall_seconds", spread_json(wall)}};
}

}  // namespace

nlohmann::json train_report(const TrainResult& r) {
  nlohmann::json config = r.config.to_json();
  config["task_config"] = r.task_config;
  nlohmann::json report;
  report["schema_version"] = kTrainSchemaVersion;
  report["kind"] = "train";
  report["regime"] = to_string(r.config.regime);
  report["config"] = config;
  report["config_hash"] = config_hash(config);
  report["git_commit"] = git_commit();
  report["backend"] = {{"device", to_string(r.config.device)}, {"precision", to_string(r.config.dtype)}, {"parallel_runs", r.parallel_runs}};
  report["machine"] = machine_info();
  report["network"] = {{"n", r.n}, {"m", r.m}, {"o", r.o}, {"T", r.T}, {"B", r.config.batch}};
  report["algorithm"] = {{"id", r.config.algorithm}, {"config", r.algorithm_config}};

  report["runs"] = runs_json(r);
  std::vector<const TrainRun*> best;
  report["selection"] = selection_json(r, best);
  report["summary"] = summary_json(r, best);
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
  // Alignment along the runs at the best rate: the median over seeds of cos(ghat, g) on W at
  // the first and the last point.
  std::vector<double> first, last;
  for (const TrainRun& run : r.runs) {
    if (run.learning_rate != r.best_learning_rate || run.alignment.empty()) continue;
    if (std::isfinite(run.alignment.front().cosine)) first.push_back(run.alignment.front().cosine);
    if (std::isfinite(run.alignment.back().cosine)) last.push_back(run.alignment.back().cosine);
  }
  if (!first.empty() && !last.empty()) {
    std::snprintf(line, sizeof(line),
                  "alignment along the runs at the best rate (cos on W, median over seeds): %.4g at the start, "
                  "%.4g at the end\n",
                  median(first), median(last));
    s << line;
  }
  return s.str();
}

}  // namespace tca
