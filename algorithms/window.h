// One window of a network over a batch, with a learning rule attached or none: the loop
// run_window (rate network) and run_lif_window (spiking network) share, and the forward
// pass alone that training evaluates with.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/rate_rnn.h"

namespace tca {

// Steps `model` over every step of `batch` at `params`; a non-null `rule` is reset with
// noise_seed, fed each step's state and finished. Returns the window's loss and, when outputs
// != nullptr, fills it with y as [T, B, o] host doubles.
template <typename Model, typename Params, typename Rule>
double step_through_window(Model& model, const Params& params, const DeviceBatch& batch, Rule* rule,
                           uint64_t noise_seed, std::vector<double>* outputs) {
  model.begin(batch.B);
  if (rule) rule->reset(params, batch.B, noise_seed);
  const int o = model.config().o;
  if (outputs) outputs->assign(static_cast<size_t>(batch.T) * batch.B * o, 0.0);
  for (int t = 0; t < batch.T; ++t) {
    model.step(params, batch, t);
    if (rule) rule->step(model.state());
    if (outputs) {
      const std::vector<double> y = model.state().y.to_host();
      std::copy(y.begin(), y.end(), outputs->begin() + static_cast<ptrdiff_t>(t) * batch.B * o);
    }
  }
  if (rule) rule->finish();
  return model.window_loss();
}

}  // namespace tca
