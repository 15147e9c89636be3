#include "algorithms/uoro.h"

#include <utility>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/rule_factors.h"

namespace tca {

void Uoro::reset_state(int batch_size, uint64_t noise_seed) {
  const int n = config_.n, k = config_.k();
  if (!atil_.defined() || atil_.dim(0) != batch_size) {
    atil_ = Tensor({batch_size, n}, dtype_, device_);
    ttil_ = Tensor({batch_size, n, k}, dtype_, device_);
    next_atil_ = Tensor({batch_size, n}, dtype_, device_);
    nu_ = Tensor({batch_size, n}, dtype_, device_);
    nu_D_ = Tensor({batch_size, n}, dtype_, device_);
    weights_ = Tensor({batch_size}, DType::f64, device_);
  }
  reset_scalars(batch_size, uoro_norm_count, uoro_factor_count);
  ops::fill(atil_, 0.0);  // M_0 = 0 exactly: the window starts from the zero state
  ops::fill(ttil_, 0.0);
  restart_draws(noise_seed);
}

void Uoro::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k();
  const double alpha = config_.alpha, eps = epsilon_;

  // J_t atil for every sequence without forming J_t: rows atil W_rec^T, scaled by alpha phi'(h),
  // plus the leak (1 - alpha) atil. W_rec is the first n columns of W (leading dimension k).
  ops::gemm(false, true, B_, n, n, 1.0, atil_, n, params_->W, k, 0.0, next_atil_, n);
  ops::mul(next_atil_, s.dphi, next_atil_, alpha);
  ops::axpy(1.0 - alpha, atil_, next_atil_);

  draw_step_signs(nu_);
  ops::mul(nu_D_, nu_, s.dphi, alpha);  // nu * D_t

  // Every sequence's variance-reduction factors, from row norms, computed on the device.
  // |(nu*D) ahat^T| = |nu*D| |ahat| (the norm of an outer product): O(n + k), not O(nk).
  ops::row_norms(norm(uoro_ttil), ttil_);
  ops::row_norms(norm(uoro_J_atil), next_atil_);
  ops::row_norms(norm(uoro_nu_D), nu_D_);
  ops::row_norms(norm(uoro_ahat), s.ahat);
  ops::row_norms(norm(uoro_nu), nu_);
  ops::uoro_factors(factors_, norms_, eps);
  // atil_t = r0 J atil + r1 nu;  ttil_t = ttil / r0 + (nu*D) ahat^T / r1 (one pass each).
  ops::scale_add_rows(next_atil_, factor(uoro_r0), factor(uoro_r1), nu_);
  ops::scale_add_outer_rows(ttil_, factor(uoro_inv_r0), factor(uoro_inv_r1), nu_D_, s.ahat);
  // gW += sum_b (c_t . atil_t) ttil_t: the weights, then one product over the sequences.
  ops::row_dots(weights_, s.c, next_atil_);
  Tensor gW = grad_.W.reshape({int64_t{n} * k});
  ops::add_weighted_rows(gW, weights_, ttil_);
  std::swap(atil_, next_atil_);
}

std::map<std::string, std::string> Uoro::config() const {
  return uoro_params().text({epsilon_});
}

size_t Uoro::state_bytes(int /*T*/) const {
  const size_t n = config_.n, k = config_.k();
  // ttil; atil and three n-vectors of scratch (J atil, nu, nu * D); in double, the gradient
  // weight, the norms and the factors.
  return static_cast<size_t>(B_) * ((n * k + 4 * n) * dtype_size(dtype_) + sizeof(double)) +
         scalar_bytes(uoro_norm_count, uoro_factor_count);
}

double Uoro::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return 2 * n * n + 4 * n    // J_t atil: W_rec product, scale by alpha phi', leak
         + 2 * n              // nu * D_t
         + 2 * n * k          // |ttil|
         + 2 * (3 * n + k)    // |J atil|, |nu*D|, |nu|, |ahat|
         + 3 * n              // atil update
         + 3 * n * k          // ttil update (scale, rank-one update)
         + 2 * n + 2 * n * k; // c . atil, gradient axpy
}

}  // namespace tca

namespace tca {

const ParamTable<UoroConfig>& uoro_params() {
  static const auto table = ParamTable<UoroConfig>().positive(
      "epsilon", &UoroConfig::epsilon, 1.0,
      "stabiliser of the variance-reduction factors: r0 = sqrt((|ttil| + eps) / (|J atil| + eps)), r1 likewise; "
      "any value keeps the estimate unbiased");
  return table;
}

const RuleInfo& uoro_info() {
  static const RuleInfo info{
      "uoro",
      "unbiased online recurrent optimization, rank-one influence estimate (Tallec & Ollivier "
      "2018; stochastic, unbiased, O(n^2 + nk) per step)",
      false, uoro_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_uoro(const RateRnnConfig& config, DType dtype, Device device,
                                     const Params& params) {
  return std::make_unique<Uoro>(config, dtype, device, uoro_params().read(params));
}

}  // namespace tca
