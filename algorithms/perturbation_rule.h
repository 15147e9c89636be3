// The base of the perturbation rules on the rate network (node_perturbation,
// weight_perturbation, miconi): gradient estimates from the change of the loss under random
// perturbations, the high-variance end of the bias-variance picture (Werfel, Xie & Seung 2005;
// Richards et al. 2019, Fig. 2). They need no derivative of the network: each window they run
// the rule's own copy of the network over the window's batch, perturbed (and unperturbed, or
// perturbed the other way, or against a running baseline), and correlate the loss difference
// with the noise. The window the caller runs gives only the readout's exact gradient
// (algorithms/rate_rule.h).
//
// node_perturbation and weight_perturbation are unbiased in the small-noise limit: the loss
// difference is linear in the noise up to O(sigma^2) terms, and the Gaussian noise's odd moments
// vanish, so the bias is O(sigma^2) relative. In float, sigma must stay well above the loss's
// rounding (about 1e-7 relative): the default 1e-3 does (tests/test_unbiased_rules.cpp measures
// the bias at decreasing sigma in double). miconi is biased by design (algorithms/miconi.h).
//
// Noise: drawn on the host from Philox(noise seed, stream "algorithm", 0), in the order each
// rule's header states.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "algorithms/rate_rule.h"
#include "core/param_table.h"

namespace tca {

struct PerturbationConfig {
  double sigma = 1e-3;   // noise standard deviation
  bool central = false;  // weight perturbation: central difference (L(W + xi) - L(W - xi)) / 2
};

class PerturbationRule : public RateRule {
 public:
  bool stochastic() const override { return true; }
  bool supports_online_updates() const override { return false; }
  std::string window_only_reason() const override { return "correlates its noise with whole windows' losses"; }
  void attach_batch(const DeviceBatch& batch) override { batch_ = &batch; }

 protected:
  PerturbationRule(const RateRnnConfig& config, DType dtype, Device device)
      : RateRule(config, dtype, device), network_(config, dtype, device) {}
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& /*s: the estimate comes from the rule's own passes*/) override {}
  // The attached batch; throws std::logic_error when reset() was not followed by attach_batch().
  const DeviceBatch& batch() const;
  // The rule's copy of the network over the whole batch at `params`, pre-activation noise xi_t
  // (a [B, n] tensor) at step t when noise(t) returns one; each_step(t, state) after every
  // step. Returns each sequence's loss.
  template <class Noise, class EachStep>
  std::vector<double> run_pass(const NetworkParams& params, Noise noise, EachStep each_step) {
    const DeviceBatch& b = batch();
    network_.begin(b.B);
    for (int t = 0; t < b.T; ++t) {
      const Tensor* xi = noise(t);
      if (xi)
        network_.step_perturbed(params, b, t, *xi);
      else
        network_.step(params, b, t);
      each_step(t, network_.state());
    }
    return network_.sequence_losses();
  }
  std::vector<double> run_pass(const NetworkParams& params) {
    return run_pass(params, [](int) -> const Tensor* { return nullptr; }, [](int, const StepState&) {});
  }

  RateRnn network_;
  uint64_t noise_seed_ = 0;

 private:
  const DeviceBatch* batch_ = nullptr;
};

}  // namespace tca
