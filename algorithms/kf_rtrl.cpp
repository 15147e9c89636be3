#include "algorithms/kf_rtrl.h"

#include <utility>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/rule_factors.h"

namespace tca {

void KfRtrl::reset_state(int batch_size, uint64_t noise_seed) {
  const int n = config_.n, k = config_.k();
  if (!u_.defined() || u_.dim(0) != batch_size) {
    u_ = Tensor({batch_size, k}, dtype_, device_);
    A_ = Tensor({batch_size, n, n}, dtype_, device_);
    JA_ = Tensor({batch_size, n, n}, dtype_, device_);
    J_ = Tensor({batch_size, n, n}, dtype_, device_);
    signs_ = Tensor({batch_size, 2}, dtype_, device_);
    At_c_ = Tensor({batch_size, n}, dtype_, device_);
  }
  reset_scalars(batch_size, kf_norm_count, kf_factor_count);
  ops::fill(u_, 0.0);  // M_0 = 0 exactly
  ops::fill(A_, 0.0);
  restart_draws(noise_seed);
}

void KfRtrl::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k();
  const double alpha = config_.alpha;
  draw_step_signs(signs_);
  const int64_t nn = int64_t{n} * n;

  // J_t A_{t-1} for every sequence: the Jacobians, then one strided-batched GEMM.
  ops::recurrent_jacobian(J_, params_->W, s.dphi, alpha);
  ops::gemm_strided_batched(false, false, n, n, n, 1.0, J_, n, nn, A_, n, nn, 0.0, JA_, n, nn, B_);

  // The factors of every sequence, from its norms and signs, on the device (a term with a
  // zero factor is dropped; see kf_rtrl.h).
  ops::row_norms(norm(kf_u), u_);
  ops::row_norms(norm(kf_JA), JA_);
  ops::row_norms(norm(kf_dphi), s.dphi);
  ops::row_norms(norm(kf_ahat), s.ahat);
  ops::kf_rtrl_factors(factors_, norms_, signs_, alpha);
  // u_t = c1 p0 u + c2 p1 ahat;  A_t = c1 J A / p0 + c2 diag(D) / p1 (one pass each).
  ops::scale_add_rows(u_, factor(kf_u_scale), factor(kf_ahat_scale), s.ahat);
  ops::scale_add_diagonal_rows(JA_, factor(kf_A_scale), factor(kf_D_scale), s.dphi);

  // gW += sum_b (A_t^T c_t) u_t^T: the rows c_t^T A_t of every sequence, then one GEMM.
  ops::gemm_strided_batched(false, false, 1, n, n, 1.0, s.c, n, n, JA_, n, nn, 0.0, At_c_, n, n, B_);
  ops::gemm(true, false, n, k, B_, 1.0, At_c_, n, u_, k, 1.0, grad_.W, k);
  std::swap(A_, JA_);
}

size_t KfRtrl::state_bytes(int /*T*/) const {
  const size_t n = config_.n, k = config_.k(), B = B_;
  // u, A, J A, the signs, J and A^T c of every sequence; the norms and factors in double.
  return B * (k + 3 * n * n + 2 + n) * dtype_size(dtype_) + scalar_bytes(kf_norm_count, kf_factor_count);
}

double KfRtrl::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return n * n + n          // forming J_t
         + 2 * n * n * n    // J_t A_{t-1}
         + 2 * n * n        // |J A|
         + 2 * n + 1        // |D|
         + 4 * k            // |u|, |ahat|
         + 3 * k            // u update
         + n * n + 2 * n    // A update (scale, diagonal)
         + 2 * n * n        // A^T c
         + 2 * n * k;       // gradient rank-one update
}

}  // namespace tca

namespace tca {

const RuleInfo& kf_rtrl_info() {
  static const RuleInfo info{
      "kf_rtrl",
      "Kronecker-factored RTRL, influence ~ u (x) A with two random signs per step (Mujika et "
      "al. 2018; stochastic, unbiased, O(n^3 + nk) per step)",
      false,
      {}};
  return info;
}

std::unique_ptr<RateRule> make_kf_rtrl(const RateRnnConfig& config, DType dtype, Device device,
                                        const Params&) {
  return std::make_unique<KfRtrl>(config, dtype, device);
}

}  // namespace tca
