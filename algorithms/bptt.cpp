#include "algorithms/bptt.h"

#include <algorithm>

#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

void Bptt::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  if (!delta_.defined() || delta_.dim(0) != batch_size) {
    ahat_.clear();
    dphi_.clear();
    c_.clear();
    delta_ = Tensor({batch_size, config_.n}, dtype_, device_);
    scaled_delta_ = Tensor({batch_size, config_.n}, dtype_, device_);
  }
  steps_ = 0;
}

void Bptt::accumulate(const StepState& s) {
  if (steps_ == static_cast<int>(ahat_.size())) {
    ahat_.push_back(Tensor(s.ahat.shape(), dtype_, device_));
    dphi_.push_back(Tensor(s.dphi.shape(), dtype_, device_));
    c_.push_back(Tensor(s.c.shape(), dtype_, device_));
  }
  ops::copy(ahat_[steps_], s.ahat);
  ops::copy(dphi_[steps_], s.dphi);
  ops::copy(c_[steps_], s.c);
  ++steps_;
  if (steps_ == truncation_) backward();  // end of a tbptt chunk
}

void Bptt::finish() { backward(); }

void Bptt::backward() {
  const int n = config_.n, k = config_.k(), B = B_;
  const double alpha = config_.alpha;
  ops::fill(delta_, 0.0);  // J_{T}^T delta_{T} beyond the window is zero
  for (int t = steps_ - 1; t >= 0; --t) {
    ops::axpy(1.0, c_[t], delta_);                         // delta_t = c_t + J_{t+1}^T delta_{t+1}
    ops::mul(scaled_delta_, dphi_[t], delta_, alpha);      // D_t delta_t
    ops::gemm(true, false, n, k, B, 1.0, scaled_delta_, n, ahat_[t], k, 1.0, grad_.W, k);
    if (t == 0) break;
    // J_t^T delta_t = (1 - alpha) delta_t + W_rec^T D_t delta_t (rows: delta^T J).
    ops::scale(delta_, 1.0 - alpha);
    ops::gemm(false, false, B, n, n, 1.0, scaled_delta_, n, params_->W, k, 1.0, delta_, n);
  }
  steps_ = 0;
}

size_t Bptt::state_bytes(int T) const {
  const size_t per_step = static_cast<size_t>(B_) * (config_.k() + 2 * config_.n);
  const size_t stored = truncation_ > 0 ? std::min(T, truncation_) : T;
  return (per_step * stored + 2 * static_cast<size_t>(B_) * config_.n) * dtype_size(dtype_);
}

double Bptt::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return 2 * n * k      // outer product (D delta) ahat^T
         + 2 * n * n    // W_rec^T (D delta)
         + 4 * n;       // c add, D scale, leak
}

}  // namespace tca

namespace tca {

const RuleInfo& bptt_info() {
  static const RuleInfo info{"bptt", "backpropagation through time (exact reference)", true, {}};
  return info;
}

std::unique_ptr<RateRule> make_bptt(const RateRnnConfig& config, DType dtype, Device device, const Params&) {
  return std::make_unique<Bptt>(config, dtype, device);
}

}  // namespace tca
