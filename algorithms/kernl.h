// KeRNL, kernel RNN learning (Roth, Kanitscheider & Fiete 2019, ICLR, "Kernel RNN learning
// (KeRNL)"), as Marschall et al.'s vanilla-rtrl implements it (learning_algorithms/KeRNL.py):
// the influence of W on the state is approximated by a learned sensitivity matrix A (n x n) times
// eligibility traces that decay with learned per-neuron timescales, and both are learned online
// from the response of the network to small perturbations of its state.
//
// In the notation of models/rate_rnn.h, per sequence, with k_i = clamp(1 - alpha_i, 0, 1) the
// learned decay of neuron i (alpha_i its learned timescale parameter):
//   Beta_t  = diag(k) Beta_{t-1} + alpha D_t ahat_t^T            (eligibility, n x k; D = diag(phi'(h)))
//   gW     += diag(A^T c_t) Beta_t                               (c_t = W_out^T e_t)
// and, while the rule adapts, a perturbed copy of the network runs beside the real one:
//   at~_t   = F(at~_{t-1}) + zeta_t,  zeta_t ~ N(0, sigma^2 I),  delta_t = at~_t - a_t
//   Gamma_t = diag(k) Gamma_{t-1} - Omega_{t-1},   Omega_t = diag(k) Omega_{t-1} + zeta_t
//   err_t   = A Omega_t - delta_t                                (the sensitivity's prediction error)
//   A      -= lr / (B sigma^2) sum_b err_b Omega_b^T
//   alpha_i -= lr / (B sigma^2) sum_b (A^T err_b)_i Gamma_{b,i}
// (gradient descent on |err|^2 / (2 sigma^2): the 1/sigma^2 makes lr independent of the noise
// scale). Omega is the noise filtered by the learned kernel, Gamma its derivative with respect to
// alpha. A starts at I and alpha at alpha_init (vanilla-rtrl: 0.8).
// Differences from vanilla-rtrl: the noise enters a_t itself, so Omega_t and delta_t hold the same
// draws (their code adds it before the next step, one step after its filter counts it); the loss
// of A is scaled by 1/sigma^2; sigma defaults to 1e-3 (theirs 1e-5, in double) so that delta
// stays well above float rounding; the decay is clamped to [0, 1].
//
// The learned A and alpha persist across windows (training adapts them on every window). The
// probe lets the rule adapt for a number of windows at each checkpoint and then freezes them
// (set_adapting(false)) for its estimate, which is then deterministic.
// Exact when W_rec = 0, A = I and alpha = the network's alpha (then Beta is the exact influence).
#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/rate_rule.h"
#include "core/param_table.h"

namespace tca {

struct KernlConfig {
  double sigma = 1e-3;       // perturbation standard deviation
  double lr = 1e-3;          // learning rate of A and the timescales
  double alpha_init = 0.8;   // initial timescale parameter of every neuron (decay 1 - alpha_init)
};
const ParamTable<KernlConfig>& kernl_params();

class Kernl final : public RateRule {
 public:
  Kernl(const RateRnnConfig& config, DType dtype, Device device, const KernlConfig& kernl);
  std::string id() const override { return "kernl"; }
  std::map<std::string, std::string> config() const override;
  bool adapts() const override { return true; }
  void set_adapting(bool adapting) override { adapting_ = adapting; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;
  // The learned sensitivity A (n x n, row-major) and timescale parameters alpha (n); the setter
  // replaces them (from the next step on).
  std::vector<double> sensitivity() const { return A_.to_host(); }
  const std::vector<double>& timescales() const { return alpha_; }
  void set_sensitivity(const std::vector<double>& A, const std::vector<double>& alpha);

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void continue_state(uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;
  void adapt(const StepState& s);
  void refresh_decay();

  KernlConfig kernl_;
  bool adapting_ = true;
  Tensor A_;                  // [n, n]
  std::vector<double> alpha_;  // [n]
  Tensor decay_;              // [B, n] k of every neuron, in every row
  Tensor beta_;               // [B, n, k] eligibility
  Tensor omega_, gamma_, perturbed_, delta_, h_, dphi_, zeta_, err_, err_A_, signal_;  // [B, n]
  uint64_t noise_seed_ = 0, step_ = 0;
};

}  // namespace tca
