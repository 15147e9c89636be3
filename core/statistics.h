// Order statistics shared by the experiments, reports and gates.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tca {

// The median of the values: the mean of the two middle ones for an even count, or the upper
// one when it is infinite (a diverged run's +inf loss beside a -inf would otherwise give NaN);
// NaN when there are none.
inline double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const size_t h = values.size() / 2;
  if (values.size() % 2 || std::isinf(values[h])) return values[h];
  return 0.5 * (values[h - 1] + values[h]);
}

}  // namespace tca
