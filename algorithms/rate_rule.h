// The base of the learning rules on the leaky rate network (models/rate_rnn.h).
//
// A rule sees the forward quantities of each step (StepState) and accumulates an estimate of
// the gradient of the window's summed loss. The output weights' gradient is exact for every
// rule (sum_t e_t [a_t; 1]^T) and is accumulated here; rules differ in how they estimate the
// recurrent part, sum_t c_t^T M_t, in accumulate().
#pragma once

#include <cstdint>
#include <string>

#include "algorithms/rule.h"
#include "models/rate_rnn.h"

namespace tca {

class RateRule : public Rule {
 public:
  void reset(const NetworkParams& params, int batch_size, uint64_t noise_seed) override;
  void step(const Network& network) override;
  // The same, from the rate network's step quantities directly.
  void step(const StepState& s);
  // Rules that compute their gradient from stored steps (BPTT) override this.
  void finish() override {}

 protected:
  RateRule(const RateRnnConfig& config, DType dtype, Device device) : Rule(dtype, device), config_(config) {}
  virtual void reset_state(int batch_size, uint64_t noise_seed) = 0;
  virtual void accumulate(const StepState& s) = 0;

  RateRnnConfig config_;
};

}  // namespace tca
