#include "bench/gradient_stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tca {

namespace {

constexpr double kZ95 = 1.959963984540054;

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  const double d = std::sqrt(dot(a, a) * dot(b, b));
  return d > 0 ? dot(a, b) / d : 0.0;
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

// Everything the statistics need of one set of samples, from its sums.
struct Moments {
  std::vector<double> mean;
  double trace_cov = 0;  // tr(S), sample covariance with K - 1 denominator
};

Moments moments(const std::vector<double>& sum, double sum_sq, double K) {
  Moments m;
  m.mean.resize(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) m.mean[i] = sum[i] / K;
  m.trace_cov = K > 1 ? std::max(0.0, (sum_sq - K * dot(m.mean, m.mean)) / (K - 1)) : 0.0;
  return m;
}

double bias_theta(const Moments& m, const std::vector<double>& g, double K) {
  double s = 0;
  for (size_t i = 0; i < g.size(); ++i) s += (m.mean[i] - g[i]) * (m.mean[i] - g[i]);
  return s - m.trace_cov / K;
}

}  // namespace

GradientStats compare_gradients(const std::vector<std::vector<double>>& estimates,
                                const std::vector<double>& g) {
  if (estimates.empty()) throw std::invalid_argument("compare_gradients: no estimates");
  for (const auto& e : estimates)
    if (e.size() != g.size()) throw std::invalid_argument("compare_gradients: sizes differ");
  const size_t K = estimates.size(), d = g.size();
  const double Kd = static_cast<double>(K);

  std::vector<double> sum(d, 0.0);
  double sum_sq = 0;
  std::vector<double> cosines(K);
  for (size_t k = 0; k < K; ++k) {
    for (size_t i = 0; i < d; ++i) sum[i] += estimates[k][i];
    sum_sq += dot(estimates[k], estimates[k]);
    cosines[k] = cosine(estimates[k], g);
  }
  const Moments all = moments(sum, sum_sq, Kd);

  GradientStats s;
  s.samples = static_cast<int>(K);
  s.reference_norm = std::sqrt(dot(g, g));
  const double ref = s.reference_norm > 0 ? s.reference_norm : 1.0;
  const double ref2 = ref * ref;
  double plug_in = 0;
  for (size_t i = 0; i < d; ++i) plug_in += (all.mean[i] - g[i]) * (all.mean[i] - g[i]);
  s.rel_bias = std::sqrt(plug_in) / ref;
  s.rel_variance = all.trace_cov / ref2;
  s.cosine_of_mean = cosine(all.mean, g);
  s.norm_ratio = std::sqrt(dot(all.mean, all.mean)) / ref;
  for (double c : cosines) s.mean_cosine += c / Kd;

  if (K < 3) {  // no spread to measure: point values only
    s.rel_bias_debiased = s.rel_bias;
    s.rel_bias_ci95 = {s.rel_bias, s.rel_bias};
    s.rel_variance_ci95 = {s.rel_variance, s.rel_variance};
    s.cosine_of_mean_ci95 = {s.cosine_of_mean, s.cosine_of_mean};
    s.mean_cosine_ci95 = {s.mean_cosine, s.mean_cosine};
    return s;
  }

  const double theta = bias_theta(all, g, Kd);
  s.rel_bias_debiased = std::sqrt(std::max(theta, 0.0)) / ref;

  // Leave-one-out values of theta, tr(S) and cos(mean, g).
  std::vector<double> loo_theta(K), loo_trace(K), loo_cos(K), rest(d);
  for (size_t k = 0; k < K; ++k) {
    for (size_t i = 0; i < d; ++i) rest[i] = sum[i] - estimates[k][i];
    const Moments m = moments(rest, sum_sq - dot(estimates[k], estimates[k]), Kd - 1);
    loo_theta[k] = bias_theta(m, g, Kd - 1);
    loo_trace[k] = m.trace_cov;
    loo_cos[k] = cosine(m.mean, g);
  }
  const Interval theta_ci = around(theta, jackknife_se(loo_theta));
  s.rel_bias_ci95 = {std::sqrt(std::max(theta_ci.lo, 0.0)) / ref, std::sqrt(std::max(theta_ci.hi, 0.0)) / ref};
  const Interval trace_ci = around(all.trace_cov, jackknife_se(loo_trace));
  s.rel_variance_ci95 = {std::max(trace_ci.lo, 0.0) / ref2, trace_ci.hi / ref2};
  const Interval cos_ci = around(s.cosine_of_mean, jackknife_se(loo_cos));
  s.cosine_of_mean_ci95 = {std::max(cos_ci.lo, -1.0), std::min(cos_ci.hi, 1.0)};
  double cos_ss = 0;
  for (double c : cosines) cos_ss += (c - s.mean_cosine) * (c - s.mean_cosine);
  const Interval mc = around(s.mean_cosine, std::sqrt(cos_ss / (Kd - 1) / Kd));
  s.mean_cosine_ci95 = {std::max(mc.lo, -1.0), std::min(mc.hi, 1.0)};
  return s;
}

}  // namespace tca
