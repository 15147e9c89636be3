// The rate network's forward pass in plain loops (models/rate_rnn.h, MSE readout), the
// independent path the rule tests compare with: per step t, ahat[t] (B x k), dphi[t] (B x n),
// c[t] = W_out^T e_t (B x n) and a[t] (B x n), row-major per sequence; the exact readout
// gradient and each sequence's share of the window's loss. xi, when given, is added to the
// pre-activations (value (t B + b) n + i), as the perturbation rules do.
#pragma once

#include <cmath>
#include <vector>

#include "core/batch.h"
#include "models/rate_rnn.h"

namespace tca {

struct RateForward {
  std::vector<std::vector<double>> ahat, dphi, c, a;  // [t][b * width + i]
  std::vector<double> g_out;                          // o x (n + 1)
  std::vector<double> loss;                           // [B]
};

inline RateForward direct_rate_forward(const RateRnnConfig& rc, const std::vector<double>& W,
                                       const std::vector<double>& W_outb, const Batch& batch,
                                       const std::vector<double>* xi = nullptr) {
  const int n = rc.n, m = rc.m, o = rc.o, k = rc.k(), B = batch.B;
  RateForward f;
  f.g_out.assign(static_cast<size_t>(o) * (n + 1), 0.0);
  f.loss.assign(B, 0.0);
  std::vector<double> a(static_cast<size_t>(B) * n, 0.0);
  for (int t = 0; t < batch.T; ++t) {
    std::vector<double> ahat(static_cast<size_t>(B) * k), dphi(static_cast<size_t>(B) * n),
        c(static_cast<size_t>(B) * n, 0.0);
    for (int b = 0; b < B; ++b) {
      double* ah = &ahat[static_cast<size_t>(b) * k];
      for (int i = 0; i < n; ++i) ah[i] = a[b * n + i];
      for (int i = 0; i < m; ++i) ah[n + i] = batch.input(t, b, i);
      ah[n + m] = 1.0;
      for (int i = 0; i < n; ++i) {
        double h = xi ? (*xi)[(static_cast<size_t>(t) * B + b) * n + i] : 0.0;
        for (int j = 0; j < k; ++j) h += W[i * k + j] * ah[j];
        const double phi = std::tanh(h);
        dphi[b * n + i] = 1 - phi * phi;
        a[b * n + i] = (1 - rc.alpha) * a[b * n + i] + rc.alpha * phi;
      }
      for (int p = 0; p < o; ++p) {
        double y = W_outb[p * (n + 1) + n];
        for (int i = 0; i < n; ++i) y += W_outb[p * (n + 1) + i] * a[b * n + i];
        const double e = batch.mask(t, b) / B * (y - batch.target(t, b, p));
        f.loss[b] += batch.mask(t, b) / B * 0.5 * (y - batch.target(t, b, p)) * (y - batch.target(t, b, p));
        for (int i = 0; i < n; ++i) {
          c[b * n + i] += W_outb[p * (n + 1) + i] * e;
          f.g_out[p * (n + 1) + i] += e * a[b * n + i];
        }
        f.g_out[p * (n + 1) + n] += e;
      }
    }
    f.ahat.push_back(ahat);
    f.dphi.push_back(dphi);
    f.c.push_back(c);
    f.a.push_back(a);
  }
  return f;
}

// Sequence b's row of a per-step value of width `width`.
inline std::vector<double> row_of(const std::vector<double>& v, int b, int width) {
  return std::vector<double>(v.begin() + static_cast<ptrdiff_t>(b) * width,
                             v.begin() + static_cast<ptrdiff_t>(b + 1) * width);
}

}  // namespace tca
