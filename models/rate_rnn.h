// The leaky rate RNN of docs/design.md (Marschall, Cho & Savin 2020), batched over B sequences:
//   h_t = W_rec a_{t-1} + W_in x_t + b = W ahat_t,   ahat_t = [a_{t-1}; x_t; 1]
//   a_t = (1 - alpha) a_{t-1} + alpha tanh(h_t)
//   y_t = W_out a_t + b_out = W_outb [a_t; 1]
// with an identity readout and MSE, or a softmax readout and cross-entropy. The state is zero
// at t = 0 and is not reset within a sequence.
//
// The loss of a window is L = (1/B) sum_b sum_t mask[t,b] l(y[t,b], target[t,b]): the ground
// truth every learning rule estimates is dL/dW and dL/dW_outb with parameters frozen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/batch.h"
#include "kernels/loss_kind.h"
#include "kernels/tensor.h"
#include "models/network.h"

namespace tca {

struct RateRnnConfig {
  int n = 32;          // hidden units
  int m = 1;           // inputs
  int o = 1;           // outputs
  double alpha = 1.0;  // leak: 1 = vanilla RNN, small = slow units
  LossKind loss = LossKind::mse;
  int k() const { return n + m + 1; }
};

// Parameters: W = [W_rec | W_in | b] (n x k) and W_outb = [W_out | b_out] (o x (n + 1)).
using RateRnnParams = NetworkParams;

// Initialisation (documented in docs/networks.md): W_rec ~ N(0, gain^2 / n), W_in ~ N(0, 1 / m),
// W_out ~ N(0, 1 / n), biases ~ N(0, bias_scale^2). Drawn in double from the Philox stream
// "parameters" keyed by seed, then rounded to dtype, so float and double runs start from the
// same point.
// W_rec: Gaussian, N(0, gain^2 / n) entries, or gain times a uniformly distributed orthogonal
// matrix (the Q of a Gaussian matrix's QR decomposition, R's diagonal positive), as Marschall et
// al. 2020 initialise their networks (all singular values gain). The orthogonal matrix is made
// from the same draws, so the other parameters do not change with the choice.
enum class RecurrentInit { gaussian, orthogonal };
struct InitOptions {
  double gain = 1.0;
  double bias_scale = 0.0;
  RecurrentInit recurrent = RecurrentInit::gaussian;
};
RateRnnParams init_params(const RateRnnConfig& config, uint64_t seed, DType dtype, Device device,
                          const InitOptions& options = {});
// Replaces the n x n block W_rec (the first n columns of the row-major n x k matrix W, host
// doubles) by gain times the Q factor of its entries: the orthogonal initialisation above, also
// used for mimic-v0's teacher.
void orthogonalise_recurrent_block(std::vector<double>& W, int n, int k, double gain);

// Parameter groups: W_rec, W_in, b (blocks of W), W_out, b_out (blocks of W_outb).
std::vector<ParamGroup> param_groups(const RateRnnConfig& config);

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

// Runs the network one step at a time; holds the state of the current window. `init` sets
// the initialisation initial_params() draws (init_params above).
class RateRnn final : public Network {
 public:
  RateRnn(const RateRnnConfig& config, DType dtype, Device device, const InitOptions& init = {});
  const RateRnnConfig& config() const { return config_; }
  std::string id() const override { return "rate"; }
  int n() const override { return config_.n; }
  int m() const override { return config_.m; }
  int o() const override { return config_.o; }
  int k() const override { return config_.k(); }
  DType dtype() const override { return dtype_; }
  Device device() const override { return device_; }
  NetworkParams initial_params(uint64_t seed, DType dtype, Device device) const override;

  // Zero state for a window of B sequences.
  void begin(int batch_size) override;
  // The next window of the same sequences: a_{-1} of the window is the last a_t.
  void resume() override;
  // Advances the state by step t of the batch and fills state() with the step's quantities.
  void step(const RateRnnParams& params, const DeviceBatch& batch, int t) override;
  // The whole window at once (Network::precompute_window): the recurrence of all T steps in
  // one ops::rnn_forward_sequence (one launch on the GPU, W in shared memory), then every
  // step's presynaptic vectors, pre-activations, readout, loss and c_t in one op each over
  // T x B rows: about 10 launches a window where step() takes 7 a step. state() is then a view
  // of step t; the same numbers up to the order of sums. When it runs: WindowForward below;
  // never for a window of no steps.
  bool precompute_window(const RateRnnParams& params, const DeviceBatch& batch) override;
  // automatic (the default): on the GPU, where the one-launch recurrence takes n
  // (rnn_forward_sequence_max_hidden) and the window's buffers take at most
  // kMaxWindowBytes; never on the CPU, where launches cost nothing and the committed results
  // were computed step by step. The choice depends on the configuration only, never on the
  // memory free at the time, so runs give the same numbers however many run side by side.
  // stepwise: never. window: whenever n fits (the tests compare the two paths on the CPU).
  enum class WindowForward { automatic, stepwise, window };
  void set_window_forward(WindowForward mode) { window_forward_ = mode; }
  static constexpr size_t kMaxWindowBytes = size_t{256} << 20;
  // The buffers of a precomputed window of T steps and B sequences.
  static size_t window_bytes(const RateRnnConfig& config, int64_t T, int64_t B, DType dtype);
  // The same with xi [B, n] added to the pre-activation, h_t = W ahat_t + xi (the injected noise
  // of node perturbation).
  void step_perturbed(const RateRnnParams& params, const DeviceBatch& batch, int t, const Tensor& xi);
  const StepState& state() const { return precomputed_ ? view_ : state_; }
  const Tensor& outputs() const override { return state().y; }
  // L of the steps taken since begin() (the loss accumulates on the device: this is the one
  // transfer to the host).
  double window_loss() const override;
  // Each sequence's share of it, [B] host doubles (they sum to window_loss()).
  std::vector<double> sequence_losses() const { return loss_sum_.to_host(); }
  std::vector<ParamGroup> param_groups() const override { return tca::param_groups(config_); }
  // {"model": "rate", "alpha": alpha}.
  nlohmann::json description() const override;

 private:
  RateRnnConfig config_;
  DType dtype_;
  Device device_;
  InitOptions init_;
  int B_ = 0;
  StepState state_;  // step by step: the buffers step() fills
  // A precomputed window: a [T + 1, B, n] (a_{-1} first), the others [T, B, ...] (loss: double
  // [T, B], each step's share; ones: double [T]), and view_, step t of them.
  struct WindowBuffers {
    Tensor a, ahat, h, dphi, aone, y, e, c, loss, ones, no_input;
  };
  WindowBuffers window_;
  StepState view_;
  bool precomputed_ = false;
  const DeviceBatch* window_batch_ = nullptr;
  WindowForward window_forward_ = WindowForward::automatic;
  int64_t max_window_hidden_ = -1;  // rnn_forward_sequence_max_hidden, asked once
  bool window_forward_fits(const DeviceBatch& batch);
  void leave_window();
  Tensor no_input_;  // [B, 0]: builds [a_t; 1] with build_presynaptic
  Tensor loss_sum_;  // [B] in double: each sequence's share of L so far

  void advance(const RateRnnParams& params, const DeviceBatch& batch, int t, const Tensor* xi);
};

}  // namespace tca
