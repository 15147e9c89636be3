#include "algorithms/lif_rule.h"

#include <stdexcept>

#include "kernels/ops.h"

namespace tca {

LifRule::LifRule(const LifRnnConfig& config, DType dtype, Device device) : Rule(dtype, device), config_(config) {
  config_.validate();
}

void LifRule::reset(const NetworkParams& params, int batch_size, uint64_t noise_seed) {
  const int n = config_.n(), k = config_.k(), o = config_.o;
  if (params.W.shape() != std::vector<int64_t>{n, k} || params.W_outb.shape() != std::vector<int64_t>{o, n + 1})
    throw std::invalid_argument(id() + ": parameters do not match the network's sizes");
  if (batch_size < 1) throw std::invalid_argument(id() + ": batch size must be at least 1");
  const std::vector<double> W = params.W.to_host();
  for (int j = 0; j < n; ++j)
    if (W[static_cast<size_t>(j) * k + j] != 0.0)
      throw std::invalid_argument(id() + ": W_rec has a self-connection (the diagonal must be 0)");
  last_ = nullptr;
  steps_ = 0;
  if (!reg_.defined()) reg_ = Tensor({n}, dtype_, device_);
  if (B_ != batch_size || !ones_.defined()) {
    ones_ = Tensor({batch_size}, dtype_, device_);
    ops::fill(ones_, 1.0);
  }
  start_window(params, batch_size);
  reset_state(batch_size, noise_seed);
}

void LifRule::step(const Network& network) { step(network_as<LifRnn>(network, id()).state()); }

void LifRule::step(const LifStepState& s) {
  if (!params_) throw std::logic_error(id() + ": step() before reset()");
  if (s.steps != steps_ + 1) throw std::logic_error(id() + ": steps must be handed over in order");
  const int o = config_.o, n = config_.n();
  // Exact readout gradient: sum_b e_b [zf_b; 1]^T.
  ops::gemm(true, false, o, n + 1, B_, 1.0, s.e, o, s.zfone, n + 1, 1.0, grad_.W_outb, n + 1);
  accumulate(s);
  last_ = &s;
  ++steps_;
}

void LifRule::finish() {
  if (!last_) throw std::logic_error(id() + ": finish() without a step");
  if (regularised()) rate_regulariser_signal(config_, last_->spike_count, last_->steps, ones_, reg_);
  finish_window(regularised() ? reg_ : Tensor());
  ops::fill_diagonal(grad_.W, 0.0);  // the W_rec block's diagonal: no self-connections
}

}  // namespace tca
