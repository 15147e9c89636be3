#include "algorithms/future_tbptt.h"

#include <algorithm>

#include "algorithms/tbptt.h"
#include "kernels/ops.h"

namespace tca {

std::map<std::string, std::string> FutureFacingTbptt::config() const {
  return tbptt_params().text({h_, TbpttMode::future});
}

void FutureFacingTbptt::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  const int n = config_.n, k = config_.k();
  if (!delta_.defined() || delta_.dim(0) != batch_size) {
    ahat_.clear();
    dphi_.clear();
    q_.clear();
    for (int i = 0; i < h_; ++i) {
      ahat_.emplace_back(std::vector<int64_t>{batch_size, k}, dtype_, device_);
      dphi_.emplace_back(std::vector<int64_t>{batch_size, n}, dtype_, device_);
      q_.emplace_back(std::vector<int64_t>{batch_size, n}, dtype_, device_);
    }
    delta_ = Tensor({batch_size, n}, dtype_, device_);
    scaled_ = Tensor({batch_size, n}, dtype_, device_);
  }
  oldest_ = 0;
  count_ = 0;
}

void FutureFacingTbptt::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k(), B = B_;
  const double alpha = config_.alpha;
  const int newest = count_;
  ++count_;
  ops::copy(stored(ahat_, newest), s.ahat);
  ops::copy(stored(dphi_, newest), s.dphi);
  ops::copy(stored(q_, newest), s.c);  // q_t starts with the step's own loss
  // c_t back through the stored steps: delta_s = J_{s+1}^T delta_{s+1}, q_s += delta_s, with
  // J^T delta = (1 - alpha) delta + W_rec^T D delta (rows: delta^T J).
  if (newest > 0) ops::copy(delta_, s.c);
  for (int age = newest; age > 0; --age) {
    ops::mul(scaled_, stored(dphi_, age), delta_, alpha);
    ops::scale(delta_, 1.0 - alpha);
    ops::gemm(false, false, B, n, n, 1.0, scaled_, n, params_->W, k, 1.0, delta_, n);
    ops::axpy(1.0, delta_, stored(q_, age - 1));
  }
  if (count_ == h_) hand_out_oldest();  // its h losses are in
}

void FutureFacingTbptt::hand_out_oldest() {
  const int n = config_.n, k = config_.k(), B = B_;
  ops::mul(scaled_, stored(dphi_, 0), stored(q_, 0), config_.alpha);  // D_s q_s
  ops::gemm(true, false, n, k, B, 1.0, scaled_, n, stored(ahat_, 0), k, 1.0, grad_.W, k);
  oldest_ = (oldest_ + 1) % h_;
  --count_;
}

void FutureFacingTbptt::finish() {
  while (count_ > 0) hand_out_oldest();
}

size_t FutureFacingTbptt::state_bytes(int /*T*/) const {
  const size_t per_step = static_cast<size_t>(B_) * (config_.k() + 2 * config_.n);
  return (per_step * h_ + 2 * static_cast<size_t>(B_) * config_.n) * dtype_size(dtype_);
}

double FutureFacingTbptt::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return (h_ - 1) * (2 * n * n + 4 * n)  // c_t back through the stored steps
         + 2 * n * k + 2 * n;             // the oldest step's outer product (D q) ahat^T
}

}  // namespace tca
