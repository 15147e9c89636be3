#include "core/paired_tests.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace tca {

namespace {

// The nonzero differences and their ranks by magnitude, doubled so that shared (mean) ranks of
// ties stay integers. Throws on a NaN.
void doubled_ranks(const std::vector<double>& differences, std::vector<double>& nonzero,
                   std::vector<int64_t>& twice_rank) {
  nonzero.clear();
  for (const double d : differences) {
    if (std::isnan(d)) throw std::invalid_argument("wilcoxon_signed_rank_p: a NaN difference");
    if (d != 0) nonzero.push_back(d);
  }
  const size_t m = nonzero.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return std::abs(nonzero[a]) < std::abs(nonzero[b]); });
  twice_rank.assign(m, 0);
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j + 1 < m && std::abs(nonzero[order[j + 1]]) == std::abs(nonzero[order[i]])) ++j;
    for (size_t k = i; k <= j; ++k) twice_rank[order[k]] = static_cast<int64_t>(i + j + 2);  // 2 x mean of i+1..j+1
    i = j + 1;
  }
}

}  // namespace

double signed_rank_sum(const std::vector<double>& differences) {
  std::vector<double> nonzero;
  std::vector<int64_t> twice_rank;
  doubled_ranks(differences, nonzero, twice_rank);
  int64_t sum = 0;
  for (size_t i = 0; i < nonzero.size(); ++i) sum += nonzero[i] > 0 ? twice_rank[i] : -twice_rank[i];
  return static_cast<double>(sum) / 2;
}

double wilcoxon_signed_rank_p(const std::vector<double>& differences) {
  std::vector<double> nonzero;
  std::vector<int64_t> twice_rank;
  doubled_ranks(differences, nonzero, twice_rank);
  const size_t m = nonzero.size();
  if (m == 0) return 1.0;
  const int64_t total = std::accumulate(twice_rank.begin(), twice_rank.end(), int64_t{0});
  int64_t positive = 0;
  for (size_t i = 0; i < m; ++i)
    if (nonzero[i] > 0) positive += twice_rank[i];
  const int64_t observed = std::min(positive, total - positive);
  // Every sign assignment, counted by the sum it gives: count[s] is the number of subsets of the
  // (doubled) ranks summing to s, built one rank at a time. Counts are doubles: exact up to 2^53,
  // and their share of 2^m is what the p-value needs beyond that.
  std::vector<double> count(static_cast<size_t>(total) + 1, 0.0);
  count[0] = 1;
  int64_t reach = 0;
  for (const int64_t r : twice_rank) {
    for (int64_t sum = reach; sum >= 0; --sum) count[static_cast<size_t>(sum + r)] += count[static_cast<size_t>(sum)];
    reach += r;
  }
  double extreme = 0;
  for (int64_t sum = 0; sum <= total; ++sum)
    if (std::min(sum, total - sum) <= observed) extreme += count[static_cast<size_t>(sum)];
  return std::min(1.0, extreme / std::ldexp(1.0, static_cast<int>(m)));
}

std::vector<double> holm_adjusted(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p_values[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

}  // namespace tca
