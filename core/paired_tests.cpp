#include "core/paired_tests.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tca {

double wilcoxon_signed_rank_p(const std::vector<double>& differences) {
  std::vector<double> nonzero;
  for (const double d : differences) {
    if (std::isnan(d)) throw std::invalid_argument("wilcoxon_signed_rank_p: a NaN difference");
    if (d != 0) nonzero.push_back(d);
  }
  const size_t m = nonzero.size();
  if (m == 0) return 1.0;
  if (m > 24) throw std::invalid_argument("wilcoxon_signed_rank_p: " + std::to_string(m) + " differences, at most 24");
  // Ranks of |d|, ties sharing their mean rank; doubled, so that they stay integers.
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return std::abs(nonzero[a]) < std::abs(nonzero[b]); });
  std::vector<int64_t> twice_rank(m);
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j + 1 < m && std::abs(nonzero[order[j + 1]]) == std::abs(nonzero[order[i]])) ++j;
    for (size_t k = i; k <= j; ++k) twice_rank[order[k]] = static_cast<int64_t>(i + j + 2);  // 2 x mean of i+1..j+1
    i = j + 1;
  }
  const int64_t total = std::accumulate(twice_rank.begin(), twice_rank.end(), int64_t{0});
  int64_t positive = 0;
  for (size_t i = 0; i < m; ++i)
    if (nonzero[i] > 0) positive += twice_rank[i];
  const int64_t observed = std::min(positive, total - positive);
  // Every sign assignment: subset sums of the ranks, counted by a bit mask.
  uint64_t extreme = 0;
  const uint64_t assignments = uint64_t{1} << m;
  for (uint64_t mask = 0; mask < assignments; ++mask) {
    int64_t sum = 0;
    for (size_t i = 0; i < m; ++i)
      if (mask >> i & 1) sum += twice_rank[i];
    extreme += std::min(sum, total - sum) <= observed;
  }
  return std::min(1.0, static_cast<double>(extreme) / static_cast<double>(assignments));
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
