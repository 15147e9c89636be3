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
// Intervals need K >= 3 samples that are not all equal.
//
// Undefined quantities are NaN (the reports write null), each with a reason in `notes`:
//   - |g| = 0: every relative quantity and both cosines (nothing to compare against);
//   - K = 1 from a stochastic rule: the variance, the debiased bias and the intervals (one
//     sample says nothing about the noise; its plug-in bias includes the noise);
//   - K >= 2 estimates that are all equal (a group the rule computes exactly, e.g. the readout):
//     no interval, but the variance is 0 and the bias exact: the plug-in value;
//   - K < 3: no interval.
// bias_interval_contains_zero() is empty (null) whenever there is no interval.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tca {

// cos(a, b); 0 when either is the zero vector (a zero estimate has no alignment). Callers that
// compare against g check |g| > 0 themselves, where the cosine is undefined (NaN in reports).
double cosine(const std::vector<double>& a, const std::vector<double>& b);

struct Interval {
  double lo = 0, hi = 0;
};

struct GradientStats {
  int samples = 0;
  bool stochastic = false;           // the estimates come from a rule that draws noise
  bool has_intervals = false;        // the *_ci95 fields are set
  bool identical_estimates = false;  // K >= 2 estimates, all equal: no spread
  double rel_bias = 0;               // plug-in |mean ghat - g| / |g|
  double rel_bias_debiased = 0;      // sqrt(max(theta, 0)) / |g|; the plug-in value when there is no noise
  Interval rel_bias_ci95;            // 95% interval of |bias| / |g|
  double rel_variance = 0;           // tr(S) / |g|^2 = sum_k |ghat_k - mean|^2 / ((K - 1) |g|^2)
  Interval rel_variance_ci95;
  double cosine_of_mean = 0;  // cos(mean ghat, g)
  Interval cosine_of_mean_ci95;
  double mean_cosine = 0;  // mean_k cos(ghat_k, g)
  Interval mean_cosine_ci95;
  double norm_ratio = 0;      // |mean ghat| / |g|
  double reference_norm = 0;  // |g|
  std::vector<std::string> notes;  // why a quantity is undefined or has no interval

  // Whether the bias interval contains 0 (consistent with an unbiased estimator); empty when
  // there is no interval.
  std::optional<bool> bias_interval_contains_zero() const {
    if (!has_intervals) return std::nullopt;
    return rel_bias_ci95.lo <= 0.0;
  }
  // The bias to report: the debiased estimate where it is defined, else the plug-in value.
  double reported_bias() const;
};

// estimates: K vectors of the same length as g; `stochastic`: whether they come from a rule
// that draws noise (a deterministic rule gives K = 1 with variance 0).
GradientStats compare_gradients(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g,
                                bool stochastic);

// The entries idx of v, in order; of each of vs.
std::vector<double> pick_entries(const std::vector<double>& v, const std::vector<size_t>& idx);
std::vector<std::vector<double>> pick_entries(const std::vector<std::vector<double>>& vs, const std::vector<size_t>& idx);

// The probe's comparison of a rule's estimates (flattened [W | W_outb]) with the exact gradient:
// in total, for the recurrent parameters (the flat indices `recurrent`) and per parameter group
// (Learner::group_indices, Learner::recurrent_indices). The probe and tcabench.score in Python
// both call it, so their numbers are the same.
struct EstimateScores {
  GradientStats total;
  GradientStats recurrent;
  std::map<std::string, GradientStats> groups;
};
EstimateScores score_estimates(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g,
                               const std::vector<std::pair<std::string, std::vector<size_t>>>& groups,
                               const std::vector<size_t>& recurrent, bool stochastic);

}  // namespace tca
