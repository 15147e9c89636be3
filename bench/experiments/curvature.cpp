#include "bench/experiments/curvature.h"

#include <cmath>

#include "kernels/philox.h"

namespace tca {

namespace {

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// The exact window gradient at theta + step v.
std::vector<double> gradient_at(Learner& exact, const std::vector<double>& theta, const std::vector<double>& v,
                                double step, const DeviceBatch& batch) {
  std::vector<double> point(theta.size());
  for (size_t i = 0; i < theta.size(); ++i) point[i] = theta[i] + step * v[i];
  exact.set_params(point);
  exact.window(batch, 0);
  return exact.flat_gradient();
}

}  // namespace

Curvature top_hessian_eigenvalue(Learner& exact, const std::vector<double>& theta, const Batch& batch, uint64_t seed,
                                 int max_iterations, double tolerance) {
  const DeviceBatch device_batch = to_device(batch, DType::f64, Device::cpu);
  const double eps = 1e-4 * (1.0 + norm(theta) / std::sqrt(static_cast<double>(theta.size())));
  // Only parameters move: an entry in no group (the spiking network's W_rec diagonal) stays 0.
  std::vector<char> is_parameter(theta.size(), 0);
  for (const auto& group : exact.group_indices())
    for (const size_t i : group.second) is_parameter[i] = 1;
  std::vector<double> v(theta.size(), 0.0);
  Philox rng(seed, RandomStream::algorithm, 0);
  for (size_t i = 0; i < v.size(); ++i)
    if (is_parameter[i]) v[i] = rng.normal();
  const double v0 = norm(v);
  for (double& x : v) x /= v0;

  Curvature c;
  double previous = 0;
  for (c.iterations = 1; c.iterations <= max_iterations; ++c.iterations) {
    const std::vector<double> plus = gradient_at(exact, theta, v, eps, device_batch);
    const std::vector<double> minus = gradient_at(exact, theta, v, -eps, device_batch);
    std::vector<double> Hv(v.size());
    double quotient = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      Hv[i] = is_parameter[i] ? (plus[i] - minus[i]) / (2 * eps) : 0.0;
      quotient += v[i] * Hv[i];
    }
    c.top_eigenvalue = quotient;
    const double length = norm(Hv);
    if (!(length > 0) || !std::isfinite(length)) break;  // H v = 0 (a flat loss) or not finite
    for (size_t i = 0; i < v.size(); ++i) v[i] = Hv[i] / length;
    if (c.iterations > 1 && std::abs(quotient - previous) <= tolerance * std::abs(quotient)) {
      c.converged = true;
      break;
    }
    previous = quotient;
  }
  if (c.iterations > max_iterations) c.iterations = max_iterations;
  exact.set_params(theta);
  return c;
}

}  // namespace tca
