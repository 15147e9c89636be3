#include "algorithms/rate_rule.h"

#include <stdexcept>

#include "kernels/ops.h"

namespace tca {

void RateRule::reset(const NetworkParams& params, int batch_size, uint64_t noise_seed) {
  if (params.W.shape() != std::vector<int64_t>{config_.n, config_.k()} ||
      params.W_outb.shape() != std::vector<int64_t>{config_.o, config_.n + 1})
    throw std::invalid_argument(id() + ": parameters do not match the network's sizes");
  start_window(params, batch_size);
  reset_state(batch_size, noise_seed);
}

void RateRule::step(const Network& network) { step(network_as<RateRnn>(network, id()).state()); }

void RateRule::step(const StepState& s) {
  if (!params_) throw std::logic_error(id() + ": step() before reset()");
  // Exact readout gradient: sum_b e_b [a_b; 1]^T = e^T aone.
  const int o = config_.o, n = config_.n;
  ops::gemm(true, false, o, n + 1, B_, 1.0, s.e, o, s.aone, n + 1, 1.0, grad_.W_outb, n + 1);
  accumulate(s);
}

}  // namespace tca
