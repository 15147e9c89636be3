#include "algorithms/lif_rtrl.h"

#include <utility>

#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

void LifRtrl::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  const int n = config_.n(), nk = n * config_.k();
  if (!M_.defined() || M_.dim(0) != batch_size) {
    M_ = Tensor({batch_size, 2 * n, nk}, dtype_, device_);
    M_next_ = Tensor({batch_size, 2 * n, nk}, dtype_, device_);
    J_ = Tensor({batch_size, 2 * n, 2 * n}, dtype_, device_);
    Mz_ = Tensor({batch_size, n, nk}, dtype_, device_);
    psi_prev_ = Tensor({batch_size, n}, dtype_, device_);
    ones_ = Tensor({batch_size, n}, dtype_, device_);
    ops::fill(ones_, 1.0);
  }
  if (regularised() && !Zsum_.defined()) Zsum_ = Tensor({n, nk}, dtype_, device_);
  ops::fill(M_, 0.0);
  ops::fill(Mz_, 0.0);
  ops::fill(psi_prev_, 0.0);
  if (Zsum_.defined()) ops::fill(Zsum_, 0.0);
}

void LifRtrl::accumulate(const LifStepState& s) {
  const int n = config_.n(), nk = n * config_.k(), B = B_;
  const int64_t m_stride = int64_t{2} * n * nk, j_stride = int64_t{4} * n * n;
  ops::lif_jacobian(J_, params_->W, s.beta, psi_prev_, config_.alpha(), config_.rho(), config_.v_th);
  ops::gemm_strided_batched(false, false, 2 * n, nk, 2 * n, 1.0, J_, 2 * n, j_stride, M_, nk, m_stride, 0.0, M_next_,
                            nk, m_stride, B);
  std::swap(M_, M_next_);
  ops::add_immediate_influence(M_, ones_, s.zhat, 1.0);  // v rows: dv_t/dW_ji = zhat_i
  Tensor no_sum;
  ops::spike_influence_step(Mz_, regularised() ? Zsum_ : no_sum, M_, s.psi, s.beta, config_.kappa());
  Tensor gW = grad_.W.reshape({nk});
  ops::gemv(true, int64_t{B} * n, nk, 1.0, Mz_, nk, s.c, 1.0, gW);  // gW += sum_b c_b^T Mz_b
  ops::copy(psi_prev_, s.psi);
}

void LifRtrl::finish_window(const Tensor& reg) {
  if (!reg.defined()) return;
  const int n = config_.n(), nk = n * config_.k();
  Tensor gW = grad_.W.reshape({nk});
  ops::gemv(true, n, nk, 1.0, Zsum_, nk, reg, 1.0, gW);  // gW += reg^T Zsum
}

size_t LifRtrl::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n(), nk = n * config_.k();
  size_t values = 2 * B * 2 * n * nk + B * 4 * n * n + B * n * nk + 2 * B * n;
  if (regularised()) values += n * nk;
  return values * dtype_size(dtype_);
}

double LifRtrl::flops_per_step() const {
  const double n = config_.n(), nk = n * config_.k();
  return 2 * (2 * n) * (2 * n) * nk  // J_t M_{t-1}
         + 4 * n * n * 3              // forming J_t
         + nk                         // immediate influence
         + 5 * n * nk                 // dz and Mz (and Zsum)
         + 2 * n * nk;                // c^T Mz
}

}  // namespace tca

namespace tca {

const RuleInfo& lif_rtrl_info() {
  static const RuleInfo info{
      "rtrl", "real-time recurrent learning of the state (v, a): influence 2n x nk (exact, O(n^4) per step)", true,
      {}};
  return info;
}

std::unique_ptr<LifRule> make_lif_rtrl(const LifRnnConfig& config, DType dtype, Device device, const Params&) {
  return std::make_unique<LifRtrl>(config, dtype, device);
}

}  // namespace tca
