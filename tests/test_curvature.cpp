// The top Hessian eigenvalue of a window's loss (bench/experiments/curvature.h) against the
// eigenvalues of the whole Hessian, built column by column from exact gradients and diagonalised
// by Jacobi rotations, on a tiny network in double.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "algorithms/learner.h"
#include "bench/experiments/curvature.h"
#include "models/registry.h"
#include "test_util.h"

namespace tca {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
std::vector<double> jacobi_eigenvalues(Matrix a) {
  const size_t n = a.size();
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = p + 1; q < n; ++q) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = p + 1; q < n; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> eig(n);
  for (size_t i = 0; i < n; ++i) eig[i] = a[i][i];
  return eig;
}

TEST(Curvature, PowerIterationFindsTheHessiansLargestEigenvalue) {
  for (const LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    const TaskShape shape{2, 2, loss};
    Learner exact(make_network("rate", sized_knobs("rate", 3), shape, DType::f64, Device::cpu), "bptt");
    const std::vector<double> theta = exact.initial_flat_params(4);
    const Batch batch = test::random_batch(6, 3, shape.m, shape.o, loss, 5);
    const DeviceBatch device_batch = to_device(batch, DType::f64, Device::cpu);

    // The whole Hessian, column j = (g(theta + h e_j) - g(theta - h e_j)) / 2h, symmetrised.
    const size_t P = theta.size();
    const double h = 1e-5;
    Matrix H(P, std::vector<double>(P));
    for (size_t j = 0; j < P; ++j) {
      std::vector<double> point = theta;
      point[j] += h;
      exact.set_params(point);
      exact.window(device_batch, 0);
      const std::vector<double> plus = exact.flat_gradient();
      point[j] -= 2 * h;
      exact.set_params(point);
      exact.window(device_batch, 0);
      const std::vector<double> minus = exact.flat_gradient();
      for (size_t i = 0; i < P; ++i) H[i][j] = (plus[i] - minus[i]) / (2 * h);
    }
    for (size_t i = 0; i < P; ++i)
      for (size_t j = i + 1; j < P; ++j) H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
    const std::vector<double> eig = jacobi_eigenvalues(H);
    const double top = *std::max_element(eig.begin(), eig.end(), [](double a, double b) { return std::abs(a) < std::abs(b); });
    ASSERT_GT(std::abs(top), 1e-3);

    const Curvature c = top_hessian_eigenvalue(exact, theta, batch, 9, 2000, 1e-12);
    EXPECT_TRUE(c.converged) << c.iterations;
    EXPECT_NEAR(c.top_eigenvalue, top, 1e-6 * std::abs(top)) << (loss == LossKind::mse ? "mse" : "ce");
    EXPECT_EQ(exact.flat_params(), theta);  // the learner is left at theta
  }
}

TEST(Curvature, OnlyParametersMoveOnTheSpikingNetwork) {
  const TaskShape shape{3, 2, LossKind::cross_entropy};
  Learner exact(make_network("lif", sized_knobs("lif", 6), shape, DType::f64, Device::cpu), "bptt");
  const std::vector<double> theta = exact.initial_flat_params(2);
  const Batch batch = test::random_batch(15, 2, shape.m, shape.o, shape.loss, 3);
  const Curvature c = top_hessian_eigenvalue(exact, theta, batch, 4);  // W_rec's diagonal would be refused
  EXPECT_TRUE(std::isfinite(c.top_eigenvalue));
  EXPECT_EQ(exact.flat_params(), theta);
}

}  // namespace
}  // namespace tca
