// What the spiking network's backward-pass rules (lif_bptt, lif_mdgl) keep of a window: per
// step the presynaptic vector [z_{t-1}; x_t], the pseudo-derivative psi_t and the readout signal
// c_t (models/lif_rnn.h), on the rule's device, reused across windows.
#pragma once

#include <vector>

#include "kernels/ops.h"
#include "models/lif_rnn.h"

namespace tca {

struct LifWindowRecord {
  std::vector<Tensor> zhat, psi, c;  // one [B, .] tensor per step
  Tensor beta;                       // the model's [n] adaptation strengths
  int steps = 0;

  // A new window; drops the stored tensors when the batch size changed.
  void begin(int batch_size) {
    if (!zhat.empty() && zhat.front().dim(0) != batch_size) {
      zhat.clear();
      psi.clear();
      c.clear();
    }
    steps = 0;
  }
  void record(const LifStepState& s, DType dtype, Device device) {
    if (steps == static_cast<int>(zhat.size())) {
      zhat.emplace_back(s.zhat.shape(), dtype, device);
      psi.emplace_back(s.psi.shape(), dtype, device);
      c.emplace_back(s.c.shape(), dtype, device);
    }
    ops::copy(zhat[steps], s.zhat);
    ops::copy(psi[steps], s.psi);
    ops::copy(c[steps], s.c);
    beta = s.beta;
    ++steps;
  }
  // Values stored for T steps of B sequences (for state_bytes).
  static size_t values(int T, int B, int n, int k) { return static_cast<size_t>(T) * B * (k + 2 * n); }
};

}  // namespace tca
