// The readout-only baseline: the recurrent parameters get no gradient, the readout its exact one.
//
// Training with it fits W_out and b_out to whatever the network's fixed random dynamics carry
// (a reservoir, or echo-state network). A rule that does not beat it on a task has assigned no
// temporal credit there. Marschall, Cho & Savin 2020 compare with it ("Only_Output_Weights").
//   gW = 0,   gW_outb = sum_t e_t [r_t; 1]^T   (r = a on the rate network, zf on the spiking one)
// On the spiking network the firing-rate regulariser's part, which concerns W, is dropped too.
// Deterministic; no state; online updates.
#pragma once

#include "algorithms/lif_rule.h"
#include "algorithms/rate_rule.h"

namespace tca {

class ReadoutOnly final : public RateRule {
 public:
  ReadoutOnly(const RateRnnConfig& config, DType dtype, Device device) : RateRule(config, dtype, device) {}
  std::string id() const override { return "readout_only"; }
  size_t state_bytes(int /*T*/) const override { return 0; }
  double flops_per_step() const override { return 0; }

 private:
  void reset_state(int /*batch_size*/, uint64_t /*noise_seed*/) override {}
  void accumulate(const StepState& /*s*/) override {}
};

class LifReadoutOnly final : public LifRule {
 public:
  LifReadoutOnly(const LifRnnConfig& config, DType dtype, Device device) : LifRule(config, dtype, device) {}
  std::string id() const override { return "readout_only"; }
  size_t state_bytes(int /*T*/) const override { return 0; }
  double flops_per_step() const override { return 0; }

 private:
  void reset_state(int /*batch_size*/, uint64_t /*noise_seed*/) override {}
  void accumulate(const LifStepState& /*s*/) override {}
  void finish_window(const Tensor& /*reg*/) override {}
};

}  // namespace tca
