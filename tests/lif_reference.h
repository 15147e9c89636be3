// An independent reference for the spiking network's gradients (tests only): the network of
// models/lif_rnn.h written as scalar code on a small reverse-mode tape, so the gradient comes
// from the forward equations by the chain rule, not from hand-derived adjoint equations. The
// spike function's local derivative is psi with respect to v - A (so -beta psi with respect to
// a); a refractory neuron's spike is a constant 0. With stop_recurrent, z_{t-1} enters the
// recurrent input and the reset as a constant (the adaptation keeps it). Also a plain-loop
// e-prop from Bellec et al.'s equations with any feedback matrix.
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "models/lif_rnn.h"
#include "tasks/task.h"

namespace tca::test {

// Reverse-mode automatic differentiation on scalars.
class Tape {
 public:
  int leaf(double value) { return node(value, {}); }
  int node(double value, std::vector<std::pair<int, double>> parents) {
    values_.push_back(value);
    parents_.push_back(std::move(parents));
    return static_cast<int>(values_.size()) - 1;
  }
  double value(int i) const { return values_[i]; }
  // sum_i c_i x_i + constant
  int linear(const std::vector<std::pair<int, double>>& terms, double constant = 0.0) {
    double v = constant;
    for (const auto& [i, c] : terms) v += c * values_[i];
    return node(v, terms);
  }
  // d out / d node for every node.
  std::vector<double> gradient(int out) const {
    std::vector<double> g(values_.size(), 0.0);
    g[out] = 1.0;
    for (int i = out; i >= 0; --i)
      if (g[i] != 0.0)
        for (const auto& [p, d] : parents_[i]) g[p] += g[i] * d;
    return g;
  }

 private:
  std::vector<double> values_;
  std::vector<std::vector<std::pair<int, double>>> parents_;
};

struct ReferenceResult {
  double loss = 0;                // L + R
  std::vector<double> gW;         // n x k, W_rec's diagonal set to 0
  std::vector<double> gW_outb;    // o x (n + 1)
  std::vector<double> spikes;     // [T, B, n]
  int spike_count = 0;
  int refractory_steps = 0;       // neuron-steps spent refractory
  int suppressed_spikes = 0;      // refractory neuron-steps with v above the threshold
  int active_psi = 0;             // neuron-steps with psi > 0
};

inline ReferenceResult reference_gradient(const LifRnnConfig& c, const std::vector<double>& W,
                                          const std::vector<double>& W_outb, const Batch& batch, bool stop_recurrent) {
  const int n = c.n(), m = c.m, o = c.o, k = c.k(), T = batch.T, B = batch.B;
  const double alpha = c.alpha(), rho = c.rho(), kappa = c.kappa(), v_th = c.v_th;
  Tape tape;
  std::vector<int> w(W.size()), wo(W_outb.size());
  for (size_t i = 0; i < W.size(); ++i) w[i] = tape.leaf(W[i]);
  for (size_t i = 0; i < W_outb.size(); ++i) wo[i] = tape.leaf(W_outb[i]);
  ReferenceResult r;
  r.spikes.assign(static_cast<size_t>(T) * B * n, 0.0);
  std::vector<std::pair<int, double>> objective;           // terms of L + R
  std::vector<std::vector<std::pair<int, double>>> rate(n);  // spikes of neuron j, for f_j
  for (int b = 0; b < B; ++b) {
    const int zero = tape.leaf(0.0);
    std::vector<int> v(n, zero), a(n, zero), z(n, zero), zf(n, zero);
    std::vector<int> silent_for(n, 0);
    for (int t = 0; t < T; ++t) {
      std::vector<int> z_prev = z, z_sent = z;
      if (stop_recurrent)
        for (int j = 0; j < n; ++j) z_sent[j] = tape.leaf(tape.value(z[j]));
      for (int j = 0; j < n; ++j) {
        // v_j = alpha v_j + sum_i W_rec[j,i] z_i + sum_i W_in[j,i] x_i - v_th z_j
        std::vector<std::pair<int, double>> terms{{v[j], alpha}, {z_sent[j], -v_th}};
        double current = 0;
        std::vector<std::pair<int, double>> current_parents;
        for (int i = 0; i < n; ++i) {
          current += tape.value(w[j * k + i]) * tape.value(z_sent[i]);
          current_parents.push_back({w[j * k + i], tape.value(z_sent[i])});
          current_parents.push_back({z_sent[i], tape.value(w[j * k + i])});
        }
        for (int i = 0; i < m; ++i) {
          current += tape.value(w[j * k + n + i]) * batch.input(t, b, i);
          current_parents.push_back({w[j * k + n + i], batch.input(t, b, i)});
        }
        const int I = tape.node(current, current_parents);
        terms.push_back({I, 1.0});
        v[j] = tape.linear(terms);
        a[j] = tape.linear({{a[j], rho}, {z_prev[j], 1.0}});
      }
      for (int j = 0; j < n; ++j) {
        const double beta = j >= c.n_lif ? c.beta : 0.0;
        const int u = tape.linear({{v[j], 1.0}, {a[j], -beta}}, -v_th);  // v - A
        if (silent_for[j] > 0) {
          --silent_for[j];
          ++r.refractory_steps;
          if (tape.value(u) > 0) ++r.suppressed_spikes;
          z[j] = tape.leaf(0.0);
        } else {
          const double x = tape.value(u) / v_th;
          const double psi = c.gamma / v_th * std::max(0.0, 1.0 - std::abs(x));
          if (psi > 0) ++r.active_psi;
          const double spike = x > 0 ? 1.0 : 0.0;
          z[j] = tape.node(spike, {{u, psi}});
          if (spike > 0) silent_for[j] = c.refractory - 1;
        }
        r.spikes[(static_cast<size_t>(t) * B + b) * n + j] = tape.value(z[j]);
        r.spike_count += static_cast<int>(tape.value(z[j]));
        rate[j].push_back({z[j], 1.0});
        zf[j] = tape.linear({{zf[j], kappa}, {z[j], c.readout_average ? 1.0 - kappa : 1.0}});
      }
      // y_l = sum_j W_out[l,j] zf_j + b_out[l]
      std::vector<int> y(o);
      for (int l = 0; l < o; ++l) {
        double value = tape.value(wo[l * (n + 1) + n]);
        std::vector<std::pair<int, double>> parents{{wo[l * (n + 1) + n], 1.0}};
        for (int j = 0; j < n; ++j) {
          value += tape.value(wo[l * (n + 1) + j]) * tape.value(zf[j]);
          parents.push_back({wo[l * (n + 1) + j], tape.value(zf[j])});
          parents.push_back({zf[j], tape.value(wo[l * (n + 1) + j])});
        }
        y[l] = tape.node(value, parents);
      }
      const double weight = batch.mask(t, b) / B;
      if (weight == 0) continue;
      double l_value = 0;
      std::vector<std::pair<int, double>> l_parents;
      if (c.loss == LossKind::mse) {
        for (int l = 0; l < o; ++l) {
          const double d = tape.value(y[l]) - batch.target(t, b, l);
          l_value += 0.5 * d * d;
          l_parents.push_back({y[l], d});
        }
      } else {
        double top = -1e300, sum = 0, tsum = 0;
        for (int l = 0; l < o; ++l) top = std::max(top, tape.value(y[l]));
        for (int l = 0; l < o; ++l) sum += std::exp(tape.value(y[l]) - top);
        for (int l = 0; l < o; ++l) tsum += batch.target(t, b, l);
        for (int l = 0; l < o; ++l) {
          const double log_p = tape.value(y[l]) - top - std::log(sum);
          l_value -= batch.target(t, b, l) * log_p;
          l_parents.push_back({y[l], std::exp(log_p) * tsum - batch.target(t, b, l)});
        }
      }
      objective.push_back({tape.node(l_value, l_parents), weight});
    }
  }
  if (c.rate_reg > 0) {
    const double per = 1.0 / (static_cast<double>(T) * B * c.dt), f0 = c.rate_target / 1000.0;
    for (int j = 0; j < n; ++j) {
      std::vector<std::pair<int, double>> terms = rate[j];
      for (auto& term : terms) term.second = per;
      const int f = tape.linear(terms);
      const double d = tape.value(f) - f0;
      objective.push_back({tape.node(d * d, {{f, 2 * d}}), c.rate_reg});
    }
  }
  const int total = tape.linear(objective);
  r.loss = tape.value(total);
  const std::vector<double> g = tape.gradient(total);
  r.gW.resize(W.size());
  r.gW_outb.resize(W_outb.size());
  for (size_t i = 0; i < W.size(); ++i) r.gW[i] = g[w[i]];
  for (size_t i = 0; i < W_outb.size(); ++i) r.gW_outb[i] = g[wo[i]];
  for (int j = 0; j < n; ++j) r.gW[j * k + j] = 0.0;
  return r;
}

// The quantities of Bellec et al.'s equations at every step of every sequence, one synapse at a
// time: e[b][t] the eligibility traces e_ji (n x k, unfiltered), psi[b][t] (n), err[b][t] = dl/dy
// with mask and 1/B (o); spikes[j] the neuron's spikes over the batch (for the regulariser);
// esum the traces summed over t and b.
struct EpropRecord {
  std::vector<std::vector<std::vector<double>>> e, psi, err;
  std::vector<double> spikes, esum;
};

inline EpropRecord record_eprop(const LifRnnConfig& c, const std::vector<double>& W,
                                const std::vector<double>& W_outb, const Batch& batch) {
  const int n = c.n(), m = c.m, o = c.o, k = c.k(), T = batch.T, B = batch.B;
  const double alpha = c.alpha(), rho = c.rho(), kappa = c.kappa(), v_th = c.v_th;
  EpropRecord r;
  r.e.assign(B, std::vector<std::vector<double>>(T));
  r.psi = r.err = r.e;
  r.spikes.assign(n, 0.0);
  r.esum.assign(static_cast<size_t>(n) * k, 0.0);
  for (int b = 0; b < B; ++b) {
    std::vector<double> v(n, 0), a(n, 0), z(n, 0), zf(n, 0), psi(n, 0), zbar(k, 0);
    std::vector<int> silent_for(n, 0);
    std::vector<double> eps_a(static_cast<size_t>(n) * k, 0);
    for (int t = 0; t < T; ++t) {
      std::vector<double> zhat(k), e_t(static_cast<size_t>(n) * k);
      for (int i = 0; i < n; ++i) zhat[i] = z[i];
      for (int i = 0; i < m; ++i) zhat[n + i] = batch.input(t, b, i);
      const std::vector<double> psi_prev = psi, zbar_prev = zbar;
      for (int i = 0; i < k; ++i) zbar[i] = alpha * zbar[i] + zhat[i];
      std::vector<double> z_new(n);
      for (int j = 0; j < n; ++j) {
        double I = 0;
        for (int i = 0; i < k; ++i) I += W[j * k + i] * zhat[i];
        v[j] = alpha * v[j] + I - v_th * z[j];
        a[j] = rho * a[j] + z[j];
        const double beta = j >= c.n_lif ? c.beta : 0.0;
        if (silent_for[j] > 0) {
          --silent_for[j];
          z_new[j] = 0;
          psi[j] = 0;
        } else {
          const double x = (v[j] - v_th - beta * a[j]) / v_th;
          z_new[j] = x > 0 ? 1 : 0;
          psi[j] = c.gamma / v_th * std::max(0.0, 1.0 - std::abs(x));
          if (x > 0) silent_for[j] = c.refractory - 1;
        }
        for (int i = 0; i < k; ++i) {
          double& ea = eps_a[j * k + i];
          ea = psi_prev[j] * zbar_prev[i] + (rho - psi_prev[j] * beta) * ea;
          e_t[j * k + i] = psi[j] * (zbar[i] - beta * ea);
          r.esum[j * k + i] += e_t[j * k + i];
        }
      }
      z = z_new;
      for (int j = 0; j < n; ++j) {
        zf[j] = kappa * zf[j] + (c.readout_average ? 1.0 - kappa : 1.0) * z[j];
        r.spikes[j] += z[j];
      }
      std::vector<double> y(o), e(o);
      for (int l = 0; l < o; ++l) {
        y[l] = W_outb[l * (n + 1) + n];
        for (int j = 0; j < n; ++j) y[l] += W_outb[l * (n + 1) + j] * zf[j];
      }
      const double weight = batch.mask(t, b) / B;
      if (c.loss == LossKind::mse) {
        for (int l = 0; l < o; ++l) e[l] = weight * (y[l] - batch.target(t, b, l));
      } else {
        double top = *std::max_element(y.begin(), y.end()), sum = 0;
        for (int l = 0; l < o; ++l) sum += std::exp(y[l] - top);
        for (int l = 0; l < o; ++l) e[l] = weight * (std::exp(y[l] - top) / sum - batch.target(t, b, l));
      }
      r.e[b][t] = e_t;
      r.psi[b][t] = psi;
      r.err[b][t] = e;
    }
  }
  return r;
}

// The firing-rate regulariser's part, sum_j reg_j sum_{t,b} e_ji, added to g; then W_rec's
// diagonal set to 0.
inline void add_regulariser_and_clear_diagonal(const LifRnnConfig& c, const EpropRecord& r, int T, int B,
                                               std::vector<double>& g) {
  const int n = c.n(), k = c.k();
  if (c.rate_reg > 0) {
    const double per = 1.0 / (static_cast<double>(T) * B * c.dt), f0 = c.rate_target / 1000.0;
    for (int j = 0; j < n; ++j) {
      const double reg = 2 * c.rate_reg * (r.spikes[j] * per - f0) * per;
      for (int i = 0; i < k; ++i) g[j * k + i] += reg * r.esum[j * k + i];
    }
  }
  for (int j = 0; j < n; ++j) g[j * k + j] = 0.0;
}

// e-prop from Bellec et al.'s equations, with feedback matrix Bfb (n x o; W_out^T for symmetric
// feedback): g_ji = sum_t L_j(t) ebar_ji(t), L = Bfb err, ebar the traces through the readout
// filter. Returns the recurrent/input gradient (n x k).
inline std::vector<double> reference_eprop(const LifRnnConfig& c, const std::vector<double>& W,
                                           const std::vector<double>& W_outb, const Batch& batch,
                                           const std::vector<double>& Bfb) {
  const int n = c.n(), o = c.o, k = c.k(), T = batch.T, B = batch.B;
  const EpropRecord r = record_eprop(c, W, W_outb, batch);
  std::vector<double> g(static_cast<size_t>(n) * k, 0.0);
  for (int b = 0; b < B; ++b) {
    std::vector<double> ebar(static_cast<size_t>(n) * k, 0.0);
    for (int t = 0; t < T; ++t) {
      const double gain = c.readout_average ? 1.0 - c.kappa() : 1.0;  // zf = kappa zf + gain z
      for (size_t i = 0; i < ebar.size(); ++i) ebar[i] = c.kappa() * ebar[i] + gain * r.e[b][t][i];
      for (int j = 0; j < n; ++j) {
        double L = 0;
        for (int l = 0; l < o; ++l) L += Bfb[j * o + l] * r.err[b][t][l];
        for (int i = 0; i < k; ++i) g[j * k + i] += L * ebar[j * k + i];
      }
    }
  }
  add_regulariser_and_clear_diagonal(c, r, T, B, g);
  return g;
}

// MDGL as Liu et al. 2021 write it (their code's NP_mode 3, offline): with L_p(t) = dL/dz_p(t)
// through the readout, sum_{t' >= t} kappa^(t'-t) g W_out^T err(t') (g the readout filter's gain),
//   g_pq = sum_t L_p(t) e_pq(t) + sum_{t < T-1} e_pq(t) sum_j Wmod_jp psi_j(t+1) L_j(t+1)
// plus the regulariser's part; Wmod (n x n, row j = postsynaptic) as given.
inline std::vector<double> reference_mdgl(const LifRnnConfig& c, const std::vector<double>& W,
                                          const std::vector<double>& W_outb, const Batch& batch,
                                          const std::vector<double>& Wmod) {
  const int n = c.n(), o = c.o, k = c.k(), T = batch.T, B = batch.B;
  const EpropRecord r = record_eprop(c, W, W_outb, batch);
  std::vector<double> g(static_cast<size_t>(n) * k, 0.0);
  for (int b = 0; b < B; ++b) {
    std::vector<std::vector<double>> L(T, std::vector<double>(n, 0.0));
    for (int t = 0; t < T; ++t)
      for (int t2 = t; t2 < T; ++t2)
        for (int j = 0; j < n; ++j)
          for (int l = 0; l < o; ++l)
            L[t][j] += std::pow(c.kappa(), t2 - t) * (c.readout_average ? 1.0 - c.kappa() : 1.0) *
                       W_outb[l * (n + 1) + j] * r.err[b][t2][l];
    for (int t = 0; t < T; ++t)
      for (int p = 0; p < n; ++p) {
        double signal = L[t][p];
        if (t + 1 < T)
          for (int j = 0; j < n; ++j) signal += Wmod[j * n + p] * r.psi[b][t + 1][j] * L[t + 1][j];
        for (int q = 0; q < k; ++q) g[p * k + q] += signal * r.e[b][t][p * k + q];
      }
  }
  add_regulariser_and_clear_diagonal(c, r, T, B, g);
  return g;
}

}  // namespace tca::test
