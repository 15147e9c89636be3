// A batch of task sequences: on the host as the task generates it (double, row-major,
// time-major), and copied to the run's backend and precision for a network to consume.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/loss_kind.h"
#include "kernels/tensor.h"

namespace tca {

// One batch of B sequences of T steps. All arrays are row-major, time-major.
struct Batch {
  int T = 0;  // steps
  int B = 0;  // sequences
  int m = 0;  // input size
  int o = 0;  // output size
  LossKind loss = LossKind::mse;
  std::vector<double> inputs;       // [T, B, m]
  std::vector<double> targets;      // [T, B, o]: MSE targets, or class distributions (one-hot or soft) for cross-entropy
  std::vector<double> loss_mask;    // [T, B]: weight of the loss at (t, b); 0 where no loss
  std::vector<unsigned char> trial_start;  // [T, B]: 1 where a new trial begins

  double input(int t, int b, int i) const { return inputs[(static_cast<size_t>(t) * B + b) * m + i]; }
  double target(int t, int b, int j) const { return targets[(static_cast<size_t>(t) * B + b) * o + j]; }
  double mask(int t, int b) const { return loss_mask[static_cast<size_t>(t) * B + b]; }
};

// A task batch copied to the run's backend: inputs [T,B,m], targets [T,B,o], mask [T,B].
struct DeviceBatch {
  int T = 0, B = 0;
  Tensor inputs, targets, mask;
};
DeviceBatch to_device(const Batch& batch, DType dtype, Device device);

}  // namespace tca
