#include "algorithms/rtrl.h"

#include <utility>

#include "algorithms/rules.h"
#include "kernels/ops.h"

namespace tca {

void Rtrl::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  const int n = config_.n, nk = config_.n * config_.k();
  if (!M_.defined() || M_.dim(0) != batch_size) {
    M_ = Tensor({batch_size, n, nk}, dtype_, device_);
    M_next_ = Tensor({batch_size, n, nk}, dtype_, device_);
    J_ = Tensor({n, n}, dtype_, device_);
  }
  ops::fill(M_, 0.0);
}

void Rtrl::accumulate(const StepState& s) {
  const int n = config_.n, nk = config_.n * config_.k();
  Tensor gW = grad_.W.reshape({nk});
  for (int b = 0; b < B_; ++b) {
    ops::recurrent_jacobian(J_, params_->W, s.dphi.slice(b), config_.alpha);
    Tensor next = M_next_.slice(b);
    ops::gemm(false, false, n, nk, n, 1.0, J_, n, M_.slice(b), nk, 0.0, next, nk);  // J_t M_{t-1}
  }
  std::swap(M_, M_next_);
  ops::add_immediate_influence(M_, s.dphi, s.ahat, config_.alpha);  // + Mbar_t
  for (int b = 0; b < B_; ++b)
    ops::gemv(true, n, nk, 1.0, M_.slice(b), nk, s.c.slice(b), 1.0, gW);  // gW += c_t^T M_t
}

size_t Rtrl::state_bytes(int /*T*/) const {
  const size_t n = config_.n, nk = n * config_.k();
  return (2 * static_cast<size_t>(B_) * n * nk + n * n) * dtype_size(dtype_);
}

double Rtrl::flops_per_step() const {
  const double n = config_.n, nk = n * config_.k();
  return 2 * n * n * nk   // J_t M_{t-1}
         + 2 * n * nk     // c_t^T M_t
         + 2 * nk         // immediate influence
         + 2 * n * n;     // forming J_t
}

}  // namespace tca

namespace tca {

const AlgorithmInfo& rtrl_info() {
  static const AlgorithmInfo info{
      "rtrl", "real-time recurrent learning, full influence matrix (exact, O(n^4) per step)", true, {}};
  return info;
}

std::unique_ptr<Algorithm> make_rtrl(const RateRnnConfig& config, DType dtype, Device device, const Params&) {
  return std::make_unique<Rtrl>(config, dtype, device);
}

}  // namespace tca
