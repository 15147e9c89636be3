// The gradient-quality gate (tcabench quality): deterministic gradient metrics of every
// registered rule against exact BPTT, on fixed seeds in double precision on the CPU, compared
// with a committed baseline (results/baselines/quality.json).
//
// Metrics, per task (dnms-v0, add-v0) and network of one probe (B = 16, seed 1, K = 16 noise
// samples; the rate network at n = 32, the spiking network with 8 LIF and 8 ALIF neurons; keys
// "task/rule/metric", with "-lif" after the rule on the spiking network): the reference loss and gradient norm; for exact rules the relative error against
// BPTT; for deterministic approximate rules relative bias, cosine and norm ratio; for
// stochastic rules (their noise is Philox keyed by the seed, so it is fixed too) relative
// bias, relative variance, cosine of the mean and mean cosine. Tolerances:
//   exact rules   rel_bias <= 1e-10, whatever the baseline holds (its value is rounding noise);
//   everything else |value - baseline| <= 1e-6 |baseline| + 1e-12: far above the rounding
//   differences of another BLAS build (~1e-13 here), far below any change to a rule.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tca {

constexpr double kQualityExactBound = 1e-10;
constexpr double kQualityRelTolerance = 1e-6;
constexpr double kQualityAbsTolerance = 1e-12;

// The probe settings of the gate, as recorded in the baseline.
nlohmann::json quality_config();

// Runs the probes: {"schema_version", "config", "metrics": {"task/rule/metric": value},
// "exact": ["task/rule/rel_bias", ...] (the metrics held to kQualityExactBound), "git_commit",
// "machine"}. A few seconds on two cores.
nlohmann::json quality_metrics();

struct QualityCheck {
  std::string metric;
  double value = 0;
  double baseline = 0;  // NaN when the baseline lacks the metric
  std::string rule;     // the tolerance applied, in words
  bool ok = true;
  std::string problem;  // why not ok
};

struct QualityReport {
  std::vector<QualityCheck> checks;
  std::vector<std::string> violations;  // one line each: metric and what is wrong
};

// Compares metrics (from quality_metrics) with a baseline of the same form. A different
// config, a metric only on one side, a value outside its tolerance, or an exact rule above
// its bound are violations.
QualityReport check_quality(const nlohmann::json& current, const nlohmann::json& baseline);

// The bound violations alone (exact rules above kQualityExactBound): what --write refuses to
// commit as a baseline.
std::vector<std::string> quality_bound_violations(const nlohmann::json& current);

std::string quality_table(const QualityReport& report);

}  // namespace tca
