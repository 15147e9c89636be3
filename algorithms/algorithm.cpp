#include "algorithms/algorithm.h"

#include <stdexcept>

#include "algorithms/window.h"
#include "kernels/ops.h"

namespace tca {

void Algorithm::reset(const RateRnnParams& params, int batch_size, uint64_t noise_seed) {
  if (params.W.shape() != std::vector<int64_t>{config_.n, config_.k()} ||
      params.W_outb.shape() != std::vector<int64_t>{config_.o, config_.n + 1})
    throw std::invalid_argument(id() + ": parameters do not match the network's sizes");
  if (batch_size < 1) throw std::invalid_argument(id() + ": batch size must be at least 1");
  params_ = &params;
  B_ = batch_size;
  if (!grad_.W.defined()) {
    grad_.W = Tensor(params.W.shape(), dtype_, device_);
    grad_.W_outb = Tensor(params.W_outb.shape(), dtype_, device_);
  }
  zero_gradient();
  reset_state(batch_size, noise_seed);
}

void Algorithm::zero_gradient() {
  ops::fill(grad_.W, 0.0);
  ops::fill(grad_.W_outb, 0.0);
}

size_t Algorithm::state_bytes_for(int batch_size, int T) {
  const int saved = B_;
  B_ = batch_size;  // every rule's state_bytes() scales with B_
  const size_t bytes = state_bytes(T);
  B_ = saved;
  return bytes;
}

void Algorithm::step(const StepState& s) {
  if (!params_) throw std::logic_error(id() + ": step() before reset()");
  // Exact readout gradient: sum_b e_b [a_b; 1]^T = e^T aone.
  const int o = config_.o, n = config_.n;
  ops::gemm(true, false, o, n + 1, B_, 1.0, s.e, o, s.aone, n + 1, 1.0, grad_.W_outb, n + 1);
  accumulate(s);
}

double run_window(RateRnn& model, const RateRnnParams& params, const DeviceBatch& batch,
                  Algorithm& algorithm, uint64_t noise_seed, std::vector<double>* outputs) {
  return step_through_window(model, params, batch, &algorithm, noise_seed, outputs);
}

}  // namespace tca
