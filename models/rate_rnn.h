// The leaky rate RNN of DESIGN.md (Marschall, Cho & Savin 2020), batched over B sequences:
//   h_t = W_rec a_{t-1} + W_in x_t + b = W ahat_t,   ahat_t = [a_{t-1}; x_t; 1]
//   a_t = (1 - alpha) a_{t-1} + alpha tanh(h_t)
//   y_t = W_out a_t + b_out = W_outb [a_t; 1]
// with an identity readout and MSE, or a softmax readout and cross-entropy. The state is zero
// at t = 0 and is not reset within a sequence.
//
// The loss of a window is L = (1/B) sum_b sum_t mask[t,b] l(y[t,b], target[t,b]): the ground
// truth every learning rule estimates is dL/dW and dL/dW_outb with parameters frozen.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/loss_kind.h"
#include "kernels/tensor.h"

namespace tca {

struct Batch;

struct RateRnnConfig {
  int n = 32;          // hidden units
  int m = 1;           // inputs
  int o = 1;           // outputs
  double alpha = 1.0;  // leak: 1 = vanilla RNN, small = slow units
  LossKind loss = LossKind::mse;
  int k() const { return n + m + 1; }
};

// Parameters: W = [W_rec | W_in | b] (n x k) and W_outb = [W_out | b_out] (o x (n + 1)).
struct RateRnnParams {
  Tensor W;
  Tensor W_outb;
};

// Initialisation (documented in the README): W_rec ~ N(0, gain^2 / n), W_in ~ N(0, 1 / m),
// W_out ~ N(0, 1 / n), biases ~ N(0, bias_scale^2). Drawn in double from the Philox stream
// "parameters" keyed by seed, then rounded to dtype, so float and double runs start from the
// same point.
struct InitOptions {
  double gain = 1.0;
  double bias_scale = 0.0;
};
RateRnnParams init_params(const RateRnnConfig& config, uint64_t seed, DType dtype, Device device,
                          const InitOptions& options = {});

// Parameter groups as reported by the probe: views into W and W_outb need column ranges,
// so groups are described by (matrix, first column, column count).
struct ParamGroup {
  const char* name;
  bool output;  // false: a block of W; true: a block of W_outb
  int first_col;
  int cols;
};
std::vector<ParamGroup> param_groups(const RateRnnConfig& config);

// A task batch copied to the run's backend: inputs [T,B,m], targets [T,B,o], mask [T,B].
struct DeviceBatch {
  int T = 0, B = 0;
  Tensor inputs, targets, mask;
};
DeviceBatch to_device(const Batch& batch, DType dtype, Device device);

// The forward quantities of one step, for the whole batch, handed to the learning rules.
struct StepState {
  Tensor ahat;  // [B, k] presynaptic vector [a_{t-1}; x_t; 1]
  Tensor h;     // [B, n] pre-activation
  Tensor dphi;  // [B, n] phi'(h_t)
  Tensor a;     // [B, n] a_t (the running state)
  Tensor aone;  // [B, n + 1] [a_t; 1], the readout's presynaptic vector
  Tensor y;     // [B, o] outputs (logits for cross-entropy)
  Tensor e;     // [B, o] dL_t/dy_t, mask and 1/B included
  Tensor c;     // [B, n] dL_t/da_t = e W_out (direct error on the hidden state)
};

// Runs the network one step at a time; holds the state of the current window.
class RateRnn {
 public:
  RateRnn(const RateRnnConfig& config, DType dtype, Device device);
  const RateRnnConfig& config() const { return config_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }

  // Zero state for a window of B sequences.
  void begin(int batch_size);
  // Advances the state by step t of the batch and fills state() with the step's quantities.
  void step(const RateRnnParams& params, const DeviceBatch& batch, int t);
  const StepState& state() const { return state_; }
  // L of the steps taken since begin() (the loss accumulates on the device: this is the one
  // transfer to the host).
  double window_loss() const;

 private:
  RateRnnConfig config_;
  DType dtype_;
  Device device_;
  int B_ = 0;
  StepState state_;
  Tensor no_input_;  // [B, 0]: builds [a_t; 1] with build_presynaptic
  Tensor loss_sum_;  // [B] in double: each sequence's share of L so far
};

}  // namespace tca
