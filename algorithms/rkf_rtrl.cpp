#include "algorithms/rkf_rtrl.h"

#include <utility>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/rule_factors.h"

namespace tca {

void RkfRtrl::reset_state(int batch_size, uint64_t noise_seed) {
  const int n = config_.n, k = config_.k();
  if (!A_.defined() || A_.dim(0) != batch_size) {
    A_ = Tensor({batch_size, n}, dtype_, device_);
    Bf_ = Tensor({batch_size, n, k}, dtype_, device_);
    JB_ = Tensor({batch_size, n, k}, dtype_, device_);
    J_ = Tensor({batch_size, n, n}, dtype_, device_);
    nu_ = Tensor({batch_size, n}, dtype_, device_);
    nu_D_ = Tensor({batch_size, n}, dtype_, device_);
    Bt_c_ = Tensor({batch_size, k}, dtype_, device_);
  }
  reset_scalars(batch_size, rkf_norm_count, rkf_factor_count);
  ops::fill(A_, 0.0);  // M_0 = 0 exactly
  ops::fill(Bf_, 0.0);
  restart_draws(noise_seed);
}

void RkfRtrl::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k();
  const double alpha = config_.alpha;
  draw_step_signs(nu_);
  ops::mul(nu_D_, nu_, s.dphi, alpha);  // nu * D_t

  const int64_t nn = int64_t{n} * n, nk = int64_t{n} * k;

  // J_t B_{t-1} for every sequence: the Jacobians, then one strided-batched GEMM.
  ops::recurrent_jacobian(J_, params_->W, s.dphi, alpha);
  ops::gemm_strided_batched(false, false, n, k, n, 1.0, J_, n, nn, Bf_, k, nk, 0.0, JB_, k, nk, B_);

  // The factors of every sequence, from its norms, on the device (a term with a zero factor is
  // dropped; see rkf_rtrl.h). |(nu*D) ahat^T| = |nu*D| |ahat| (the norm of an outer product).
  ops::row_norms(norm(rkf_A), A_);
  ops::row_norms(norm(rkf_JB), JB_);
  ops::row_norms(norm(rkf_nu_D), nu_D_);
  ops::row_norms(norm(rkf_ahat), s.ahat);
  ops::row_norms(norm(rkf_nu), nu_);
  ops::rkf_rtrl_factors(factors_, norms_);
  // A_t = p0 A + p1 nu;  B_t = J B / p0 + (nu*D) ahat^T / p1 (one pass each).
  ops::scale_add_rows(A_, factor(rkf_p0), factor(rkf_p1), nu_);
  ops::scale_add_outer_rows(JB_, factor(rkf_inv_p0), factor(rkf_inv_p1), nu_D_, s.ahat);

  // gW += sum_b A_t (B_t^T c_t)^T: the rows c_t^T B_t of every sequence, then one GEMM.
  ops::gemm_strided_batched(false, false, 1, k, n, 1.0, s.c, n, n, JB_, k, nk, 0.0, Bt_c_, k, k, B_);
  ops::gemm(true, false, n, k, B_, 1.0, A_, n, Bt_c_, k, 1.0, grad_.W, k);
  std::swap(Bf_, JB_);
}

size_t RkfRtrl::state_bytes(int /*T*/) const {
  const size_t n = config_.n, k = config_.k(), B = B_;
  // B and J B; A, nu and nu * D; J and B^T c of every sequence; the norms and factors in double.
  return B * (2 * n * k + 3 * n + n * n + k) * dtype_size(dtype_) + scalar_bytes(rkf_norm_count, rkf_factor_count);
}

double RkfRtrl::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return 2 * n              // nu * D_t
         + n * n + n        // forming J_t
         + 2 * n * n * k    // J_t B_{t-1}
         + 2 * n * k        // |J B|
         + 6 * n + 2 * k    // |A|, |nu*D|, |nu|, |ahat|
         + 3 * n            // A update
         + 3 * n * k        // B update (scale, rank-one update)
         + 4 * n * k;       // B^T c and the gradient rank-one update
}

}  // namespace tca

namespace tca {

const RuleInfo& rkf_rtrl_info() {
  static const RuleInfo info{
      "rkf_rtrl",
      "reverse Kronecker-factored RTRL, influence ~ A (x) B with n random signs per step "
      "(Marschall et al. 2020; stochastic, unbiased, O(n^2 k) per step)",
      false,
      {}};
  return info;
}

std::unique_ptr<RateRule> make_rkf_rtrl(const RateRnnConfig& config, DType dtype, Device device,
                                         const Params&) {
  return std::make_unique<RkfRtrl>(config, dtype, device);
}

}  // namespace tca
