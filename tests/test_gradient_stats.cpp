// The probe's statistics on synthetic estimates whose bias and variance are known.
#include <gtest/gtest.h>

#include <cmath>

#include "bench/experiments/gradient_stats.h"
#include "kernels/philox.h"

namespace tca {
namespace {

// K estimates g + bias + sigma * N(0, I), from a fixed seed.
std::vector<std::vector<double>> synthetic(const std::vector<double>& g, const std::vector<double>& bias,
                                           double sigma, int K, uint64_t seed) {
  Philox rng(seed, 77u, 0);
  std::vector<std::vector<double>> out(K, g);
  for (auto& e : out)
    for (size_t i = 0; i < g.size(); ++i) e[i] += bias[i] + sigma * rng.normal();
  return out;
}

// The statistics of a stochastic rule's estimates.
GradientStats compare_gradients_of(const std::vector<std::vector<double>>& estimates, const std::vector<double>& g) {
  return compare_gradients(estimates, g, /*stochastic=*/true);
}

std::vector<double> reference(size_t d) {
  std::vector<double> g(d);
  for (size_t i = 0; i < d; ++i) g[i] = std::sin(1.0 + static_cast<double>(i));
  return g;
}

TEST(GradientStats, ExactEstimatesHaveZeroBiasAndVarianceAndNoInterval) {
  const std::vector<double> g = reference(10);
  const GradientStats s = compare_gradients_of({g, g, g}, g);
  EXPECT_LT(s.rel_bias, 1e-15);  // the mean of three copies rounds
  EXPECT_EQ(s.rel_bias_debiased, s.rel_bias);
  EXPECT_EQ(s.rel_variance, 0.0);
  EXPECT_NEAR(s.cosine_of_mean, 1.0, 1e-15);
  EXPECT_NEAR(s.norm_ratio, 1.0, 1e-15);
  // No spread: an interval would collapse onto the rounding of the mean, so there is none, and
  // the flag is null (not "false") with the reason.
  EXPECT_TRUE(s.identical_estimates);
  EXPECT_FALSE(s.has_intervals);
  EXPECT_FALSE(s.bias_interval_contains_zero().has_value());
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_NE(s.notes[0].find("all equal"), std::string::npos);
}

TEST(GradientStats, OneSampleOfAStochasticRuleLeavesItsVarianceUndefined) {
  const std::vector<double> g = reference(10);
  const auto one = synthetic(g, std::vector<double>(10, 0.0), 0.5, 1, 5);
  const GradientStats s = compare_gradients(one, g, /*stochastic=*/true);
  EXPECT_TRUE(std::isnan(s.rel_variance));  // not 0: one sample says nothing about the noise
  EXPECT_TRUE(std::isnan(s.rel_bias_debiased));
  EXPECT_GT(s.rel_bias, 0.0);  // the plug-in value, noise included
  EXPECT_EQ(s.reported_bias(), s.rel_bias);
  EXPECT_FALSE(s.bias_interval_contains_zero().has_value());
  EXPECT_EQ(s.notes.size(), 1u);
  // A deterministic rule's single estimate has variance 0 and an exact bias.
  const GradientStats d = compare_gradients(one, g, /*stochastic=*/false);
  EXPECT_EQ(d.rel_variance, 0.0);
  EXPECT_EQ(d.reported_bias(), d.rel_bias);
  EXPECT_FALSE(d.bias_interval_contains_zero().has_value());
}

TEST(GradientStats, AZeroReferenceLeavesTheRelativeQuantitiesUndefined) {
  const std::vector<double> zero(6, 0.0);
  const GradientStats s = compare_gradients(synthetic(zero, zero, 0.5, 8, 3), zero, /*stochastic=*/true);
  EXPECT_EQ(s.reference_norm, 0.0);
  for (const double v : {s.rel_bias, s.rel_bias_debiased, s.rel_variance, s.cosine_of_mean, s.mean_cosine,
                         s.norm_ratio})
    EXPECT_TRUE(std::isnan(v));  // not silently absolute values
  EXPECT_FALSE(s.has_intervals);
  EXPECT_FALSE(s.bias_interval_contains_zero().has_value());
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_NE(s.notes[0].find("zero"), std::string::npos);
}

TEST(GradientStats, UnbiasedNoiseGivesAnIntervalContainingZeroAboutNineteenTimesInTwenty) {
  const std::vector<double> g = reference(50);
  const std::vector<double> zero(50, 0.0);
  int contains = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    const GradientStats s = compare_gradients_of(synthetic(g, zero, 0.5, 64, 1000 + t), g);
    contains += s.bias_interval_contains_zero().value();
    // The plug-in bias is inflated by the noise of the mean: sqrt(d sigma^2 / K) / |g|.
    EXPECT_GT(s.rel_bias, s.rel_bias_debiased);
  }
  // Binomial(200, 0.95) lies in [178, 200] with probability > 0.999 (a fixed seed: no flake).
  EXPECT_GE(contains, 178);
}

TEST(GradientStats, BiasBeyondTheNoiseIsDetectedAndMeasured) {
  const std::vector<double> g = reference(50);
  std::vector<double> bias(50, 0.0);
  bias[3] = 1.5;  // |bias| = 1.5
  const GradientStats s = compare_gradients_of(synthetic(g, bias, 0.5, 256, 7), g);
  EXPECT_FALSE(s.bias_interval_contains_zero().value());
  const double truth = 1.5 / s.reference_norm;
  EXPECT_LE(s.rel_bias_ci95.lo, truth);
  EXPECT_GE(s.rel_bias_ci95.hi, truth);
  EXPECT_NEAR(s.rel_bias_debiased, truth, 0.2 * truth);
}

TEST(GradientStats, VarianceIntervalCoversTheTrueVariance) {
  const std::vector<double> g = reference(40);
  const GradientStats s = compare_gradients_of(synthetic(g, std::vector<double>(40, 0.0), 0.3, 400, 9), g);
  const double truth = 40 * 0.09 / (s.reference_norm * s.reference_norm);
  EXPECT_LE(s.rel_variance_ci95.lo, truth);
  EXPECT_GE(s.rel_variance_ci95.hi, truth);
  EXPECT_LE(s.mean_cosine_ci95.lo, s.mean_cosine);
  EXPECT_GE(s.mean_cosine_ci95.hi, s.mean_cosine);
}

TEST(GradientStats, TwoSamplesGiveTheUnbiasedBiasButNoInterval) {
  // estimates (3, 1) and (1, 1), g = (0, 1): mean - g = (2, 0), tr(S) = 2, theta = 4 - 2/2 = 3.
  const GradientStats s = compare_gradients_of({{3.0, 1.0}, {1.0, 1.0}}, {0.0, 1.0});
  EXPECT_DOUBLE_EQ(s.rel_bias, 2.0);
  EXPECT_DOUBLE_EQ(s.rel_bias_debiased, std::sqrt(3.0));
  EXPECT_FALSE(s.has_intervals);
  EXPECT_FALSE(s.bias_interval_contains_zero().has_value());  // no evidence either way: null, not false
}

TEST(GradientStats, TinySpreadKeepsFullPrecision) {
  // A spread of 1e-9 relative to |g| must still be measured (a one-pass sum of squares
  // would cancel to 0).
  const std::vector<double> g = reference(100);
  const GradientStats s = compare_gradients_of(synthetic(g, std::vector<double>(100, 0.0), 1e-9, 64, 3), g);
  const double truth = 100 * 1e-18 / (s.reference_norm * s.reference_norm);
  EXPECT_NEAR(s.rel_variance, truth, 0.3 * truth);
  EXPECT_LE(s.rel_bias_ci95.hi, 3 * s.rel_bias);  // the interval is not inflated by rounding
}

TEST(GradientStats, ClosedFormLeaveOneOutMatchesRecomputation) {
  // The jackknife interval of the variance from the closed form equals the one from K explicit
  // leave-one-out recomputations.
  const std::vector<double> g = reference(7);
  const auto est = synthetic(g, std::vector<double>(7, 0.1), 0.4, 9, 11);
  const GradientStats s = compare_gradients_of(est, g);
  std::vector<double> loo;
  for (size_t j = 0; j < est.size(); ++j) {
    std::vector<std::vector<double>> rest = est;
    rest.erase(rest.begin() + static_cast<ptrdiff_t>(j));
    loo.push_back(compare_gradients_of(rest, g).rel_variance);
  }
  double mean = 0, ss = 0;
  for (double v : loo) mean += v / loo.size();
  for (double v : loo) ss += (v - mean) * (v - mean);
  const double se = std::sqrt((loo.size() - 1.0) / loo.size() * ss);
  EXPECT_NEAR(s.rel_variance_ci95.hi, s.rel_variance + 1.959963984540054 * se, 1e-12);
}

TEST(GradientStats, BadInputThrows) {
  EXPECT_THROW(compare_gradients({}, {1.0}, true), std::invalid_argument);
  EXPECT_THROW(compare_gradients({{1.0, 2.0}}, {1.0}, true), std::invalid_argument);
}

}  // namespace
}  // namespace tca
