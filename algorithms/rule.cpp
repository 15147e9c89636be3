#include "algorithms/rule.h"

#include <algorithm>
#include <stdexcept>

#include "algorithms/window_progress.h"
#include "core/cancellation.h"
#include "kernels/ops.h"

namespace tca {

void Rule::start_window(const NetworkParams& params, int batch_size) {
  if (batch_size < 1) throw std::invalid_argument(id() + ": batch size must be at least 1");
  params_ = &params;
  B_ = batch_size;
  if (!grad_.W.defined()) {
    grad_.W = Tensor(params.W.shape(), dtype_, device_);
    grad_.W_outb = Tensor(params.W_outb.shape(), dtype_, device_);
  }
  zero_gradient();
}

void Rule::resume(const NetworkParams& params, uint64_t noise_seed) {
  if (!supports_online_updates()) throw std::logic_error(id() + " " + window_only_reason() + ": it cannot continue a stream");
  if (!params_ || B_ < 1) throw std::logic_error(id() + ": resume() before reset()");
  start_window(params, B_);
  continue_state(noise_seed);
}

void Rule::zero_gradient() {
  ops::fill(grad_.W, 0.0);
  ops::fill(grad_.W_outb, 0.0);
}

size_t Rule::state_bytes_for(int batch_size, int T) {
  const int saved = B_;
  B_ = batch_size;  // every rule's state_bytes() scales with B_
  const size_t bytes = state_bytes(T);
  B_ = saved;
  return bytes;
}

double run_window(Network& network, const NetworkParams& params, const DeviceBatch& batch, Rule* rule,
                  uint64_t noise_seed, std::vector<double>* outputs, bool resume) {
  if (resume) {
    network.resume();
    if (rule) rule->resume(params, noise_seed);
  } else {
    network.begin(batch.B);
    if (rule) rule->reset(params, batch.B, noise_seed);
  }
  if (rule) rule->attach_batch(batch);
  network.precompute_window(params, batch);  // the parameters are frozen over the window
  const int o = network.o();
  if (outputs) outputs->assign(static_cast<size_t>(batch.T) * batch.B * o, 0.0);
  WindowClock clock(batch.T);
  if (clock.enabled())
    clock.describe((rule ? rule->id() : std::string("forward pass")) + ", " + std::to_string(batch.B) + " sequences");
  for (int t = 0; t < batch.T; ++t) {
    throw_if_cancelled();
    network.step(params, batch, t);
    if (rule) rule->step(network);
    clock.tick(t + 1);
    if (outputs) {
      const std::vector<double> y = network.outputs().to_host();
      std::copy(y.begin(), y.end(), outputs->begin() + static_cast<ptrdiff_t>(t) * batch.B * o);
    }
  }
  if (rule) rule->finish();
  return network.window_loss();
}

}  // namespace tca
