// The random-gradient baseline: the chance level of alignment. Per window the recurrent
// parameters get a direction drawn uniformly on the sphere, scaled to the exact gradient's norm;
// the readout gets its exact gradient:
//   g = the exact window gradient (BPTT),   xi ~ N(0, I) over W's parameters,
//   gW = |g_W| xi / |xi|,   gW_outb = g_W_outb.
// Its cosine with g is 0 in expectation (spread about 1/sqrt(number of parameters)), its
// relative bias 1, its relative variance 1. Each window draws afresh from its noise seed
// (Philox stream "algorithm"). On the spiking network the diagonal of W_rec, which is no
// parameter, gets no draw. Computes BPTT to know the norm: its cost and state are BPTT's.
#pragma once

#include "algorithms/bptt.h"
#include "algorithms/lif_bptt.h"

namespace tca {

class RandomGradient final : public RateRule {
 public:
  RandomGradient(const RateRnnConfig& config, DType dtype, Device device)
      : RateRule(config, dtype, device), exact_(config, dtype, device) {}
  std::string id() const override { return "random_gradient"; }
  bool stochastic() const override { return true; }
  void finish() override;
  bool supports_online_updates() const override { return false; }
  std::string window_only_reason() const override { return "needs the exact gradient of the whole window"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override { return exact_.flops_per_step(); }

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override { exact_.step(s); }

  mutable Bptt exact_;  // mutable: state_bytes() asks it for this rule's batch size
  uint64_t noise_seed_ = 0;
};

class LifRandomGradient final : public LifRule {
 public:
  LifRandomGradient(const LifRnnConfig& config, DType dtype, Device device)
      : LifRule(config, dtype, device), exact_(config, dtype, device, LifBpttConfig{}) {}
  std::string id() const override { return "random_gradient"; }
  bool stochastic() const override { return true; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override { return exact_.flops_per_step(); }

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const LifStepState& s) override { exact_.step(s); }
  void finish_window(const Tensor& reg) override;

  mutable LifBptt exact_;
  uint64_t noise_seed_ = 0;
};

// gW := |exact_W| xi / |xi| with xi ~ N(0, I) from Philox(noise_seed, algorithm stream), over
// the entries of the n x k matrix that are parameters (skip_diagonal: not W_rec's diagonal,
// which gets 0). Host-side: a baseline, not a kernel.
void random_direction_of_norm(Tensor& gW, const Tensor& exact_W, int n, bool skip_diagonal, uint64_t noise_seed);

}  // namespace tca
