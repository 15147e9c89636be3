// Paired comparisons over seeds, for saying whether one rule's lead over another holds across
// the seeds both ran: the exact Wilcoxon signed-rank test and Holm's step-down correction over a
// family of such tests.
//
// Wilcoxon (1945): drop the zero differences (Wilcoxon's own convention), rank the others by
// magnitude (ties share the mean of their ranks), and W+ = the sum of the ranks of the positive
// ones. Under the null hypothesis (differences symmetric about zero) every assignment of signs
// to the ranks is equally likely; the two-sided p-value is the share of the 2^m assignments whose
// statistic is at least as extreme, min(W+, W-) <= the observed one, counted exactly (the ranks
// as given, ties included) by the distribution of subset sums of the ranks. The smallest p it can give is 2 / 2^m: 0.0625 for five seeds.
// Holm (1979): the k-th smallest of m p-values is multiplied by m - k + 1, and the adjusted
// values are made non-decreasing in that order (capped at 1); rejecting where the adjusted value
// is below alpha controls the family-wise error rate at alpha.
#pragma once

#include <vector>

namespace tca {

// The two-sided exact p-value of the Wilcoxon signed-rank test of paired differences; 1 when no
// difference is nonzero. Throws std::invalid_argument on a NaN difference.
double wilcoxon_signed_rank_p(const std::vector<double>& differences);

// W+ - W-: the rank sum of the positive differences minus that of the negative ones (ranks as
// above); its sign says which way a significant difference goes.
double signed_rank_sum(const std::vector<double>& differences);

// Holm's adjusted p-values, in the order given.
std::vector<double> holm_adjusted(const std::vector<double>& p_values);

}  // namespace tca
