#include "algorithms/rtrl.h"

#include <stdexcept>
#include <utility>

#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

void Rtrl::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  const int n = config_.n, nk = config_.n * config_.k();
  if (!M_.defined() || M_.dim(0) != batch_size) {
    M_ = Tensor({batch_size, n + 1, nk}, dtype_, device_);
    M_next_ = Tensor({batch_size, n + 1, nk}, dtype_, device_);
    J_aug_ = Tensor({batch_size, n + 1, n}, dtype_, device_);
    c_dphi_ = Tensor({batch_size, n}, dtype_, device_);
    ones_ = Tensor({batch_size}, dtype_, device_);
    ops::fill(ones_, 1.0);
  }
  ops::fill(M_, 0.0);
}

void Rtrl::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k(), nk = n * k, B = B_;
  const double alpha = config_.alpha;
  const int64_t j_stride = int64_t{n + 1} * n, m_stride = int64_t{n + 1} * nk;
  // Views that start at row n of the first sequence's block: the scratch rows.
  Tensor cJ = J_aug_.reshape({int64_t{B} * (n + 1), n}).narrow(n, int64_t{B} * (n + 1) - n);
  Tensor gradient_rows = M_next_.reshape({int64_t{B} * (n + 1), nk}).narrow(n, int64_t{B} * (n + 1) - n);

  ops::recurrent_jacobian(J_aug_, params_->W, s.dphi, alpha);  // rows 0..n-1: J_t of every sequence
  // Row n: c_t^T J_t, for every sequence.
  ops::gemm_strided_batched(false, false, 1, n, n, 1.0, s.c, n, n, J_aug_, n, j_stride, 0.0, cJ, n, j_stride, B);
  // One batched GEMM: rows 0..n-1 = J_t M_{t-1}, row n = c_t^T J_t M_{t-1}.
  ops::gemm_strided_batched(false, false, n + 1, nk, n, 1.0, J_aug_, n, j_stride, M_, nk, m_stride, 0.0, M_next_, nk,
                            m_stride, B, influence_product_);
  // gW += sum_b c_t^T J_t M_{t-1} (the scratch rows, m_stride apart).
  Tensor gW = grad_.W.reshape({nk});
  ops::gemv(true, B, nk, 1.0, gradient_rows, m_stride, ones_, 1.0, gW);
  std::swap(M_, M_next_);
  ops::add_immediate_influence(M_, s.dphi, s.ahat, alpha);  // M_t = J_t M_{t-1} + Mbar_t
  // gW += c_t^T Mbar_t = sum_b alpha (c_b * dphi_b) ahat_b^T.
  ops::mul(c_dphi_, s.c, s.dphi, alpha);
  ops::gemm(true, false, n, k, B, 1.0, c_dphi_, n, s.ahat, k, 1.0, grad_.W, k);
}

std::map<std::string, std::string> Rtrl::config() const { return rtrl_params().text({influence_product_}); }

size_t Rtrl::state_bytes(int /*T*/) const {
  const size_t n = config_.n, nk = n * config_.k(), B = static_cast<size_t>(B_);
  // The CPU's TF32 emulation copies the product's inputs, M_{t-1} and [J_t; c_t^T J_t], each step.
  const size_t emulation =
      influence_product_ == ops::MatmulPrecision::tf32 && device_ == Device::cpu ? B * (n + 1) * (nk + n) : 0;
  return (2 * B * (n + 1) * nk + B * (n + 1) * n + 2 * B * n + emulation) * dtype_size(dtype_);
}

double Rtrl::flops_per_step() const {
  const double n = config_.n, k = config_.k(), nk = n * k;
  return 2 * (n + 1) * n * nk  // [J_t; c_t^T J_t] M_{t-1}
         + 2 * n * n           // forming J_t
         + 2 * n * n           // c_t^T J_t
         + 3 * nk              // immediate influence and the gradient row
         + 3 * n + 2 * nk;     // c^T Mbar_t
}

}  // namespace tca

namespace tca {

const ParamTable<RtrlConfig>& rtrl_params() {
  static const auto table = ParamTable<RtrlConfig>().choice(
      "influence_product", &RtrlConfig::influence_product,
      {{"full", ops::MatmulPrecision::full}, {"tf32", ops::MatmulPrecision::tf32}},
      "precision of the inputs of the O(n^4) product J_t M_{t-1}: full (exact) or tf32 (float runs only: "
      "10 mantissa bits, the GPU's tensor cores; emulated by truncation on the CPU; no longer exact)");
  return table;
}

const RuleInfo& rtrl_info() {
  static const RuleInfo info{"rtrl",
                             "real-time recurrent learning, full influence matrix (exact, O(n^4) per step)", true,
                             rtrl_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_rtrl(const RateRnnConfig& config, DType dtype, Device device, const Params& params) {
  const RtrlConfig rtrl = rtrl_params().read(params);
  if (rtrl.influence_product == ops::MatmulPrecision::tf32 && dtype != DType::f32)
    throw std::invalid_argument("rtrl: influence_product=tf32 needs --precision float (TF32 rounds float inputs)");
  return std::make_unique<Rtrl>(config, dtype, device, rtrl);
}

}  // namespace tca
