#include "algorithms/lif_bptt.h"

#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

std::map<std::string, std::string> LifBptt::config() const {
  return lif_bptt_params().text({stop_recurrent_});
}

void LifBptt::reset_state(int batch_size, uint64_t /*noise_seed: exact rule*/) {
  if (!gv_.defined() || gv_.dim(0) != batch_size)
    for (Tensor* t : {&gv_, &ga_, &gzf_, &gz_rec_}) *t = Tensor({batch_size, config_.n()}, dtype_, device_);
  record_.begin(batch_size);
}

void LifBptt::accumulate(const LifStepState& s) { record_.record(s, dtype_, device_); }

void LifBptt::finish_window(const Tensor& reg) {
  const int n = config_.n(), k = config_.k(), B = B_;
  const double kappa = config_.kappa();
  for (Tensor* t : {&gv_, &ga_, &gzf_}) ops::fill(*t, 0.0);
  for (int t = record_.steps - 1; t >= 0; --t) {
    ops::scale(gzf_, kappa);  // gzf_t = c_t + kappa gzf_{t+1}
    ops::axpy(1.0, record_.c[t], gzf_);
    if (!stop_recurrent_)  // rows: gv_{t+1}^T W_rec
      ops::gemm(false, false, B, n, n, 1.0, gv_, n, params_->W, k, 0.0, gz_rec_, n);
    ops::lif_backward_step(gv_, ga_, gzf_, stop_recurrent_ ? Tensor() : gz_rec_, reg, record_.psi[t], record_.beta,
                           config_.alpha(), config_.rho(), stop_recurrent_ ? 0.0 : config_.v_th);
    ops::gemm(true, false, n, k, B, 1.0, gv_, n, record_.zhat[t], k, 1.0, grad_.W, k);  // gW += gv_t^T zhat_t
  }
  record_.steps = 0;
}

size_t LifBptt::state_bytes(int T) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n(), k = config_.k();
  return (LifWindowRecord::values(T, static_cast<int>(B), static_cast<int>(n), static_cast<int>(k)) + 4 * B * n) *
         dtype_size(dtype_);
}

double LifBptt::flops_per_step() const {
  const double n = config_.n(), k = config_.k();
  return 2 * n * k                           // gW += gv zhat^T
         + (stop_recurrent_ ? 0.0 : 2 * n * n)  // W_rec^T gv
         + 12 * n;                          // the adjoint recursion
}

}  // namespace tca

namespace tca {

const ParamTable<LifBpttConfig>& lif_bptt_params() {
  static const auto table = ParamTable<LifBpttConfig>().choice(
      "stop_gradient", &LifBpttConfig::stop_recurrent, {{"none", false}, {"recurrent", true}},
      "none: the exact gradient; recurrent: z_{t-1} held constant in the recurrent input and the reset (the graph "
      "e-prop differentiates exactly; equals eprop)");
  return table;
}

const RuleInfo& lif_bptt_info() {
  static const RuleInfo info{
      "bptt",
      "backpropagation through time of the spiking network with the pseudo-derivative (exact reference)",
      true, lif_bptt_params().docs()};
  return info;
}

std::unique_ptr<LifRule> make_lif_bptt(const LifRnnConfig& config, DType dtype, Device device,
                                            const Params& params) {
  return std::make_unique<LifBptt>(config, dtype, device, lif_bptt_params().read(params));
}

}  // namespace tca
