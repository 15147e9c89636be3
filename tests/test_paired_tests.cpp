// Paired comparisons over seeds (core/paired_tests.h): the exact Wilcoxon signed-rank p-values
// against SciPy 1.10's (scipy.stats.wilcoxon, method="exact", zero_method="wilcox",
// two-sided), computed once and written here; the tied and degenerate cases by counting; Holm's
// adjustment against a worked example.
#include <gtest/gtest.h>

#include <cmath>

#include <limits>
#include <stdexcept>
#include <vector>

#include "core/paired_tests.h"

namespace tca {
namespace {

TEST(PairedTests, WilcoxonMatchesScipysExactPValues) {
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({1, 2, 3, 4, 5}), 0.0625);  // five seeds: the smallest p
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({0.5, -1.2, 2.3, 3.1, -0.4, 1.7}), 0.21875);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({1.1, 2.2, -3.3, 4.4, 5.5, 6.6, -7.7, 8.8, 9.9, 10.1}), 0.083984375);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({-0.1, -0.2, -0.3, -0.4, -0.5, -0.6}), 0.03125);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({3.0, -1.0, 2.0, -4.0, 5.0, 6.0, 7.0}), 0.15625);
}

TEST(PairedTests, WilcoxonTiesZerosAndLimits) {
  // Five equal positive differences: only the all-positive and all-negative assignments are as
  // extreme (2 of 32).
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({1, 1, 1, 1, 1}), 0.0625);
  // One up, one down by the same amount: every assignment is as extreme.
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({1, -1}), 1.0);
  // Zeros are dropped: the same p as without them; none left: p = 1.
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({0, 1, 2, 0, 3, 4, 5}), 0.0625);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({0, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({}), 1.0);
  // The sign of every difference flipped: the same two-sided p.
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p({-0.5, 1.2, -2.3, -3.1, 0.4, -1.7}), 0.21875);
  EXPECT_THROW(wilcoxon_signed_rank_p({1, std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
  // More seeds than a bit mask of sign assignments could count: 40 differences, one negative
  // (SciPy 1.10: wilcoxon(d, method='exact').pvalue = 3.637978807091713e-12, i.e. 2 * 2 / 2^40).
  std::vector<double> many(40);
  for (int i = 0; i < 40; ++i) many[i] = i + 1;
  many[0] = -1;
  EXPECT_NEAR(wilcoxon_signed_rank_p(many), 3.637978807091713e-12, 1e-24);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank_p(std::vector<double>(60, 1.0)), std::ldexp(2.0, -60));
}

TEST(PairedTests, SignedRankSumSaysWhichWayTheDifferenceGoes) {
  EXPECT_DOUBLE_EQ(signed_rank_sum({1, 2, 3, 4, 5}), 15.0);
  EXPECT_DOUBLE_EQ(signed_rank_sum({-1, -2, -3, -4, -5}), -15.0);
  EXPECT_DOUBLE_EQ(signed_rank_sum({3.0, -1.0, 2.0, -4.0, 5.0, 6.0, 7.0}), 28 - 2 * 5.0);  // W+ 23, W- 5
  EXPECT_DOUBLE_EQ(signed_rank_sum({1, -1, 0}), 0.0);  // tied ranks 1.5 each; the zero dropped
}

TEST(PairedTests, HolmStepDown) {
  // Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06 (monotone).
  const std::vector<double> adjusted = holm_adjusted({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.03);
  EXPECT_DOUBLE_EQ(adjusted[1], 0.06);
  EXPECT_DOUBLE_EQ(adjusted[2], 0.06);
  EXPECT_DOUBLE_EQ(adjusted[3], 0.02);
  EXPECT_EQ(holm_adjusted({0.5, 0.9}), (std::vector<double>{1.0, 1.0}));  // capped at 1
  EXPECT_TRUE(holm_adjusted({}).empty());
}

}  // namespace
}  // namespace tca
