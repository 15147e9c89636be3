// Node perturbation on the rate network: the REINFORCE form of Williams 1992 for Gaussian
// exploration, as Fiete & Seung 2006 write it for recurrent networks and Marschall et al.
// 2020's vanilla-rtrl implements it (REINFORCE.py). Each window, independent noise
// xi_t ~ N(0, sigma^2 I) is added to every unit's pre-activation at every step of every
// sequence, h_t = W ahat_t + xi_t (models/rate_rnn.h), and
//   gW = sum_b (L_b(xi) - L_b(0)) / sigma^2 sum_t xi_{t,b} ahat_{t,b}^T,
// with L_b sequence b's share of the window's loss, L_b(0) that of the unperturbed network (the
// baseline that removes the estimate's zero-mean term) and ahat the perturbed run's presynaptic
// vector [a_{t-1}; x_t; 1]. Since h_t = W ahat_t, dL/dW = sum_t dL/dh_t ahat_t^T, and
// E[(L(xi) - L(0)) xi_t] = sigma^2 dL/dh_t + O(sigma^4): unbiased as sigma -> 0.
// Draws: xi_{t,b,i} is normal draw (t B + b) n + i of the window's Philox stream, times sigma.
// Cost: two forward passes; state: the perturbed run's ahat_t and xi_t for the window.
// Miconi 2017's rule (sparse kicks, a supralinear trace of the activity's deviation, a running
// reward baseline) is a training rule built on the same idea, not this estimator.
#pragma once

#include <vector>

#include "algorithms/perturbation_rule.h"

namespace tca {

const ParamTable<PerturbationConfig>& node_perturbation_params();

class NodePerturbation final : public PerturbationRule {
 public:
  NodePerturbation(const RateRnnConfig& config, DType dtype, Device device, const PerturbationConfig& perturbation)
      : PerturbationRule(config, dtype, device), perturbation_(perturbation) {}
  std::string id() const override { return "node_perturbation"; }
  std::map<std::string, std::string> config() const override;
  void finish() override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  PerturbationConfig perturbation_;
  std::vector<std::vector<double>> xi_host_;  // per step, [B, n] draws times sigma
  std::vector<Tensor> xi_, ahat_;              // per step, [B, n] and [B, k], reused across windows
  Tensor weighted_;                            // [B, n] diag(w) xi_t
};

}  // namespace tca
