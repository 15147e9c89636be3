#include "bench/experiments/gradient_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace tca {

namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}


// Jackknife standard error from the K leave-one-out values.
double jackknife_se(const std::vector<double>& loo) {
  const double K = static_cast<double>(loo.size());
  double mean = 0;
  for (double v : loo) mean += v / K;
  double ss = 0;
  for (double v : loo) ss += (v - mean) * (v - mean);
  return std::sqrt((K - 1) / K * ss);
}

Interval around(double value, double se) { return {value - kZ95 * se, value + kZ95 * se}; }

}  // namespace

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  const double d = std::sqrt(dot(a, a) * dot(b, b));
  return d > 0 ? dot(a, b) / d : 0.0;
}

double GradientStats::reported_bias() const {
  return std::isnan(rel_bias_debiased) ? rel_bias : rel_bias_debiased;
}

GradientStats compare_gradients(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g,
                                bool stochastic) {
  if (estimates.empty()) throw std::invalid_argument("compare_gradients: no estimates");
  for (const auto& e : estimates)
    if (e.size() != g.size()) throw std::invalid_argument("compare_gradients: sizes differ");
  const size_t K = estimates.size(), d = g.size();
  const double Kd = static_cast<double>(K);

  // Centred residuals r_k = ghat_k - mean keep full precision however small the spread is.
  std::vector<double> mean(d, 0.0);
  for (const auto& e : estimates)
    for (size_t i = 0; i < d; ++i) mean[i] += e[i];
  for (double& v : mean) v /= Kd;
  std::vector<double> bias(d);  // mean - g
  for (size_t i = 0; i < d; ++i) bias[i] = mean[i] - g[i];
  std::vector<double> r_sq(K), r_dot_bias(K), cosines(K);
  double spread = 0;  // sum_k |r_k|^2
  bool identical = K > 1;
  for (size_t k = 0; k < K; ++k) {
    double sq = 0, db = 0;
    for (size_t i = 0; i < d; ++i) {
      const double r = estimates[k][i] - mean[i];
      sq += r * r;
      db += r * bias[i];
      identical = identical && estimates[k][i] == estimates[0][i];
    }
    r_sq[k] = sq;
    r_dot_bias[k] = db;
    spread += sq;
    cosines[k] = cosine(estimates[k], g);
  }

  GradientStats s;
  s.samples = static_cast<int>(K);
  s.stochastic = stochastic;
  s.identical_estimates = identical;
  s.reference_norm = std::sqrt(dot(g, g));
  const double ref = s.reference_norm, ref2 = ref * ref;
  const double bias_sq = dot(bias, bias);
  const double trace_cov = K > 1 && !identical ? spread / (Kd - 1) : 0.0;  // tr(S)
  s.rel_bias = std::sqrt(bias_sq) / ref;
  s.rel_variance = trace_cov / ref2;
  s.cosine_of_mean = cosine(mean, g);
  s.norm_ratio = std::sqrt(dot(mean, mean)) / ref;
  for (double c : cosines) s.mean_cosine += c / Kd;
  const double theta = bias_sq - trace_cov / Kd;  // unbiased for |bias|^2 when K >= 2
  s.rel_bias_debiased = std::sqrt(std::max(theta, 0.0)) / ref;
  if (!(ref > 0)) {
    s.notes.push_back("the exact gradient is zero: relative quantities and cosines are undefined");
    for (double* v : {&s.rel_bias, &s.rel_bias_debiased, &s.rel_variance, &s.cosine_of_mean, &s.mean_cosine,
                      &s.norm_ratio})
      *v = kUndefined;
    return s;
  }
  if (K == 1 && stochastic) {
    s.notes.push_back("one sample of a stochastic rule: its variance, debiased bias and intervals are undefined, and "
                      "its plug-in bias includes the noise");
    s.rel_variance = s.rel_bias_debiased = kUndefined;
    return s;
  }
  if (K == 1) {
    s.notes.push_back("a deterministic rule: one estimate, variance 0, its bias exact (no interval needed)");
    return s;
  }
  if (identical) {
    s.notes.push_back("the estimates are all equal (computed exactly for this group): variance 0, no interval");
    return s;
  }
  if (K < 3) {
    if (stochastic) s.notes.push_back("fewer than 3 samples: no intervals");
    return s;
  }

  // Leave-one-out values in closed form (mean_-j = mean - r_j / (K - 1)).
  std::vector<double> loo_theta(K), loo_trace(K), loo_cos(K), loo_mean(d);
  for (size_t j = 0; j < K; ++j) {
    const double trace_j = (spread - Kd * r_sq[j] / (Kd - 1)) / (Kd - 2);
    const double bias_sq_j = bias_sq - 2 * r_dot_bias[j] / (Kd - 1) + r_sq[j] / ((Kd - 1) * (Kd - 1));
    loo_trace[j] = trace_j;
    loo_theta[j] = bias_sq_j - trace_j / (Kd - 1);
    for (size_t i = 0; i < d; ++i) loo_mean[i] = mean[i] - (estimates[j][i] - mean[i]) / (Kd - 1);
    loo_cos[j] = cosine(loo_mean, g);
  }
  s.has_intervals = true;
  const Interval theta_ci = around(theta, jackknife_se(loo_theta));
  s.rel_bias_ci95 = {std::sqrt(std::max(theta_ci.lo, 0.0)) / ref, std::sqrt(std::max(theta_ci.hi, 0.0)) / ref};
  const Interval trace_ci = around(trace_cov, jackknife_se(loo_trace));
  s.rel_variance_ci95 = {std::max(trace_ci.lo, 0.0) / ref2, trace_ci.hi / ref2};
  const Interval cos_ci = around(s.cosine_of_mean, jackknife_se(loo_cos));
  s.cosine_of_mean_ci95 = {std::max(cos_ci.lo, -1.0), std::min(cos_ci.hi, 1.0)};
  double cos_ss = 0;
  for (double c : cosines) cos_ss += (c - s.mean_cosine) * (c - s.mean_cosine);
  const Interval mc = around(s.mean_cosine, std::sqrt(cos_ss / (Kd - 1) / Kd));
  s.mean_cosine_ci95 = {std::max(mc.lo, -1.0), std::min(mc.hi, 1.0)};
  return s;
}

std::vector<double> pick_entries(const std::vector<double>& v, const std::vector<size_t>& idx) {
  std::vector<double> out(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) out[i] = v.at(idx[i]);
  return out;
}

std::vector<std::vector<double>> pick_entries(const std::vector<std::vector<double>>& vs, const std::vector<size_t>& idx) {
  std::vector<std::vector<double>> out;
  for (const std::vector<double>& v : vs) out.push_back(pick_entries(v, idx));
  return out;
}

EstimateScores score_estimates(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g,
                               const std::vector<std::pair<std::string, std::vector<size_t>>>& groups,
                               const std::vector<size_t>& recurrent, bool stochastic) {
  EstimateScores scores;
  scores.total = compare_gradients(estimates, g, stochastic);
  scores.recurrent = compare_gradients(pick_entries(estimates, recurrent), pick_entries(g, recurrent), stochastic);
  for (const auto& [name, idx] : groups)
    scores.groups[name] = compare_gradients(pick_entries(estimates, idx), pick_entries(g, idx), stochastic);
  return scores;
}

}  // namespace tca
