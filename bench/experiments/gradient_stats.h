// How K gradient estimates ghat_1..ghat_K compare with the exact gradient g (docs/design.md,
// "Bias, variance and alignment"), with 95% confidence intervals from the measured spread.
//
// Bias. The plug-in |mean ghat - g| is biased upwards by the noise of the mean: its square
// has expectation |bias|^2 + tr(Cov)/K. The estimate theta = |mean ghat - g|^2 - tr(S)/K, with
// S the sample covariance, is unbiased for |bias|^2 (it is the U-statistic
// sum_{i != j} (ghat_i - g).(ghat_j - g) / (K (K - 1))). Its standard error comes from the
// jackknife; the interval theta +- 1.96 se, clipped at 0 and square-rooted, bounds |bias|/|g|.
// An unbiased rule's interval contains 0 (lower end 0) in about 95% of probes.
// Variance and cosine of the mean get jackknife intervals too; the mean cosine a normal one.
// Intervals need K >= 3 samples (has_intervals); with fewer there is no evidence either way,
// and for K = 1 (a deterministic rule) the bias is simply the plug-in value.
#pragma once

#include <vector>

namespace tca {

struct Interval {
  double lo = 0, hi = 0;
};

struct GradientStats {
  int samples = 0;
  bool has_intervals = false;    // K >= 3: the *_ci95 fields are set
  double rel_bias = 0;           // plug-in |mean ghat - g| / |g|
  double rel_bias_debiased = 0;  // sqrt(max(theta, 0)) / |g| (K >= 2; the plug-in value for K = 1)
  Interval rel_bias_ci95;        // 95% interval of |bias| / |g|
  double rel_variance = 0;       // tr(S) / |g|^2 = sum_k |ghat_k - mean|^2 / ((K - 1) |g|^2)
  Interval rel_variance_ci95;
  double cosine_of_mean = 0;     // cos(mean ghat, g)
  Interval cosine_of_mean_ci95;
  double mean_cosine = 0;        // mean_k cos(ghat_k, g)
  Interval mean_cosine_ci95;
  double norm_ratio = 0;         // |mean ghat| / |g|
  double reference_norm = 0;     // |g|
  // Consistent with an unbiased estimator (needs has_intervals).
  bool bias_interval_contains_zero() const { return has_intervals && rel_bias_ci95.lo <= 0.0; }
};

// estimates: K vectors of the same length as g. A zero g makes the relative quantities
// absolute (divided by 1).
GradientStats compare_gradients(const std::vector<std::vector<double>>& estimates,
                                const std::vector<double>& g);

}  // namespace tca
