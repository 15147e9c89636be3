#include "algorithms/lif_algorithm.h"

#include <stdexcept>

#include "algorithms/window.h"
#include "kernels/ops.h"

namespace tca {

LifAlgorithm::LifAlgorithm(const LifRnnConfig& config, DType dtype, Device device)
    : config_(config), dtype_(dtype), device_(device) {
  config_.validate();
}

void LifAlgorithm::reset(const LifRnnParams& params, int batch_size, uint64_t noise_seed) {
  const int n = config_.n(), k = config_.k(), o = config_.o;
  if (params.W.shape() != std::vector<int64_t>{n, k} || params.W_outb.shape() != std::vector<int64_t>{o, n + 1})
    throw std::invalid_argument(id() + ": parameters do not match the network's sizes");
  if (batch_size < 1) throw std::invalid_argument(id() + ": batch size must be at least 1");
  const std::vector<double> W = params.W.to_host();
  for (int j = 0; j < n; ++j)
    if (W[static_cast<size_t>(j) * k + j] != 0.0)
      throw std::invalid_argument(id() + ": W_rec has a self-connection (the diagonal must be 0)");
  params_ = &params;
  last_ = nullptr;
  steps_ = 0;
  if (!grad_.W.defined()) {
    grad_.W = Tensor(params.W.shape(), dtype_, device_);
    grad_.W_outb = Tensor(params.W_outb.shape(), dtype_, device_);
    reg_ = Tensor({n}, dtype_, device_);
  }
  if (B_ != batch_size || !ones_.defined()) {
    ones_ = Tensor({batch_size}, dtype_, device_);
    ops::fill(ones_, 1.0);
  }
  B_ = batch_size;
  ops::fill(grad_.W, 0.0);
  ops::fill(grad_.W_outb, 0.0);
  reset_state(batch_size, noise_seed);
}

size_t LifAlgorithm::state_bytes_for(int batch_size, int T) {
  const int saved = B_;
  B_ = batch_size;
  const size_t bytes = state_bytes(T);
  B_ = saved;
  return bytes;
}

void LifAlgorithm::step(const LifStepState& s) {
  if (!params_) throw std::logic_error(id() + ": step() before reset()");
  if (s.steps != steps_ + 1) throw std::logic_error(id() + ": steps must be handed over in order");
  const int o = config_.o, n = config_.n();
  // Exact readout gradient: sum_b e_b [zf_b; 1]^T.
  ops::gemm(true, false, o, n + 1, B_, 1.0, s.e, o, s.zfone, n + 1, 1.0, grad_.W_outb, n + 1);
  accumulate(s);
  last_ = &s;
  ++steps_;
}

void LifAlgorithm::finish() {
  if (!last_) throw std::logic_error(id() + ": finish() without a step");
  if (regularised()) rate_regulariser_signal(config_, last_->spike_count, last_->steps, ones_, reg_);
  finish_window(regularised() ? reg_ : Tensor());
  ops::fill_diagonal(grad_.W, 0.0);  // the W_rec block's diagonal: no self-connections
}

void LifAlgorithm::follow_training_step(const std::vector<double>&, const std::vector<double>&, double) {}

double run_lif_window(LifRnn& model, const LifRnnParams& params, const DeviceBatch& batch, LifAlgorithm& algorithm,
                      uint64_t noise_seed, std::vector<double>* outputs) {
  return step_through_window(model, params, batch, &algorithm, noise_seed, outputs);
}

}  // namespace tca
