// The recurrent spiking network of e-prop (Bellec et al. 2020, Nat Commun 11:3625, Methods):
// n = n_lif + n_alif leaky integrate-and-fire neurons (LIF first, then ALIF), batched over B
// sequences, in discrete time with step dt (1 ms by default). Per neuron j, from zero state:
//   I_t = W_rec z_{t-1} + W_in x_t                       (inputs enter as currents, no (1 - alpha))
//   v_t = alpha v_{t-1} + I_t - v_th z_{t-1}             (reset by subtraction, one step after the spike)
//   a_t = rho a_{t-1} + z_{t-1},   A_t = v_th + beta_j a_t   (beta_j = 0 for LIF neurons)
//   z_t = H(v_t - A_t)  unless refractory, then z_t = 0
//   psi_t = (gamma / v_th) max(0, 1 - |(v_t - A_t) / v_th|)  unless refractory, then psi_t = 0
//   zf_t = kappa zf_{t-1} + g z_t,   y_t = W_out zf_t + b_out
// with alpha = exp(-dt/tau_v), rho = exp(-dt/tau_a), kappa = exp(-dt/tau_out) (0 when tau_out = 0)
// and the filter's input gain g = 1 (readout_filter=sum) or 1 - kappa (average, Bellec et al.'s
// code's exp_convolve). So y_t = kappa y_{t-1} + g W_out z_t + (1 - kappa) b_out: Bellec's leaky
// readout, with a constant bias added after the filter. H(0) = 0. W_rec has no diagonal (no
// self-connections).
// Refractory period: after a spike at t the neuron cannot spike before t + refractory
// (refractory = 1: no refractory period); while refractory z = 0 and psi = 0 (no gradient
// through the spike function), as in Bellec et al.'s code; v and a keep integrating.
// Gradients treat dz_t/dv_t := psi_t and dz_t/da_t := -beta psi_t, the refractory state as
// a constant.
//
// Objective of a window: the task loss L = (1/B) sum_b sum_t mask[t,b] l(y[t,b], target[t,b])
// (MSE or cross-entropy as in models/rate_rnn.h) plus the firing-rate regulariser
//   R = c_reg sum_j (f_j - f0)^2,   f_j = sum_{t,b} z_j^{t,b} / (T B dt)   (spikes per ms),
// f0 = rate_target (Hz) / 1000, the form Bellec et al.'s code uses. dR/dz_j^{t,b} =
// 2 c_reg (f_j - f0) / (T B dt), the same for every t and b.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernels/loss_kind.h"
#include "kernels/ops.h"
#include "kernels/tensor.h"
#include "core/param_table.h"
#include "models/network.h"

namespace tca {

struct LifRnnConfig {
  int n_lif = 50;
  int n_alif = 50;
  int m = 1;                   // inputs
  int o = 1;                   // outputs
  double dt = 1.0;             // ms per step
  double tau_v = 20.0;         // membrane time constant (ms)
  double tau_a = 2000.0;       // threshold adaptation time constant (ms)
  double tau_out = 20.0;       // readout time constant (ms); 0: no readout filter
  double v_th = 0.6;           // base threshold
  double beta = default_beta(1.0, 20.0, 2000.0);  // ALIF adaptation strength
  int refractory = 5;          // steps from a spike to the next possible one (1: none)
  double gamma = 0.3;          // pseudo-derivative height
  double rate_reg = 1.0;       // c_reg of the firing-rate regulariser (0: off)
  double rate_target = 10.0;   // f0 in Hz
  double init_in_scale = 1.0;  // W_in ~ N(0, init_in_scale^2 / m)
  double init_rec_scale = 1.0; // W_rec ~ N(0, init_rec_scale^2 / n) off the diagonal
  bool readout_average = false;  // readout_filter=average: zf_t = kappa zf_{t-1} + (1 - kappa) z_t
  double inhibitory_fraction = 0;  // the first round(fraction n) neurons are inhibitory (cell type 1), the rest
                                   // excitatory (0)
  bool dale = false;           // Dale's law: W_rec's column p has the sign of neuron p's type
  LossKind loss = LossKind::mse;

  int n() const { return n_lif + n_alif; }
  int k() const { return n() + m; }  // W = [W_rec | W_in] is n x k
  double alpha() const;
  double rho() const;
  double kappa() const;
  ops::LifConstants constants() const;
  // Bellec et al.'s heuristic adaptation strength 1.7 (1 - rho) / (1 - alpha).
  static double default_beta(double dt, double tau_v, double tau_a);
  int n_inhibitory() const;  // round(inhibitory_fraction n), halves up
  double readout_gain() const;  // g: 1, or 1 - kappa with readout_filter=average
  // The cell type of each neuron: 1 (inhibitory) for j < n_inhibitory(), else 0 (excitatory).
  std::vector<int> cell_types() const;
  // Throws std::invalid_argument naming the first knob out of range.
  void validate() const;
};

// The knobs (`--model-param NAME=VALUE` of tcabench probe --model lif), with the struct's
// initialisers above as defaults, except beta's: "auto", Bellec et al.'s heuristic for the
// given dt, tau_v and tau_a. m, o and loss come from the task.
const ParamTable<LifRnnConfig>& lif_params();
// The configuration the knobs give, n_lif + n_alif checked; throws std::invalid_argument.
LifRnnConfig parse_lif_config(const Params& params);

// Parameters: W = [W_rec | W_in] (n x k, W_rec's diagonal held at zero) and
// W_outb = [W_out | b_out] (o x (n + 1)).
using LifRnnParams = NetworkParams;

// Initialisation: from Philox(seed, "parameters", 0), row by row, W_rec[i, 0..n-1] ~
// N(0, init_rec_scale^2 / n) (the diagonal draw is made and replaced by 0), then W_in[i, :] ~
// N(0, init_in_scale^2 / m); then W_out ~ N(0, 1 / n) row by row; b_out = 0. Drawn in double and
// rounded to dtype, so float and double runs start from the same point.
// With Dale's law the same draws g give W_rec[i, p] = s_p |g| init_rec_scale / sqrt(n), s_p = -1
// for inhibitory p, +1 otherwise, the inhibitory columns scaled by n_E / n_I so that excitation
// and inhibition balance in expectation; then each row is balanced exactly: when it sums to
// S > 0 its inhibitory weights are lowered by S / (their count), when S < 0 its excitatory ones
// raised by |S| / (their count), which keeps every sign. This is Liu et al. 2021's recipe (their
// code's random_sparse_signed_matrix) for a dense matrix, without its rescaling to spectral
// radius 1 (init_rec_scale sets the scale here).
LifRnnParams init_lif_params(const LifRnnConfig& config, uint64_t seed, DType dtype, Device device);

// Parameter groups: W_rec, W_in, W_out, b_out (blocks of W and W_outb; W_rec's diagonal, which
// is no parameter, is left out of its group).
std::vector<ParamGroup> lif_param_groups(const LifRnnConfig& config);

// The forward quantities of one step for the whole batch, handed to the learning rules.
struct LifStepState {
  Tensor zhat;         // [B, k] presynaptic vector [z_{t-1}; x_t]
  Tensor I;            // [B, n] input current
  Tensor v, a, z;      // [B, n] v_t, a_t, z_t
  Tensor psi;          // [B, n] pseudo-derivative psi_t (0 while refractory)
  Tensor refractory;   // [B, n] steps the neuron stays silent after step t
  Tensor zf;           // [B, n] filtered spikes zf_t
  Tensor zfone;        // [B, n + 1] [zf_t; 1], the readout's presynaptic vector
  Tensor y;            // [B, o] outputs (logits for cross-entropy)
  Tensor e;            // [B, o] dL_t/dy_t, mask and 1/B included
  Tensor c;            // [B, n] g e W_out = dL_t/dzf_t times the filter's input gain g: the rules'
                       // readout signal, sum_{t >= s} kappa^(t-s) c_t = dL/dz_s through the readout
  Tensor spike_count;  // [B, n] spikes of each neuron so far in the window
  Tensor beta;         // [n] adaptation strength per neuron (0 for LIF), constant
  int steps = 0;       // steps taken in the window, this one included
};

class LifRnn final : public Network {
 public:
  LifRnn(const LifRnnConfig& config, DType dtype, Device device);
  const LifRnnConfig& config() const { return config_; }
  std::string id() const override { return "lif"; }
  int n() const override { return config_.n(); }
  int m() const override { return config_.m; }
  int o() const override { return config_.o; }
  int k() const override { return config_.k(); }
  DType dtype() const override { return dtype_; }
  Device device() const override { return device_; }
  NetworkParams initial_params(uint64_t seed, DType dtype, Device device) const override {
    return init_lif_params(config_, seed, dtype, device);
  }

  // Zero state for a window of B sequences.
  void begin(int batch_size) override;
  // The next window of the same sequences: membrane potentials, adaptation, refractoriness and
  // the filtered spikes carry over; the window's spike counts (the regulariser's firing rates)
  // and loss start again from 0.
  void resume() override;
  // Advances by step t of the batch (steps in order from 0) and fills state().
  void step(const LifRnnParams& params, const DeviceBatch& batch, int t) override;
  const LifStepState& state() const { return state_; }
  const Tensor& outputs() const override { return state_.y; }
  // L + R of the steps taken since begin() (one transfer to the host).
  double window_loss() const override;
  std::vector<ParamGroup> param_groups() const override { return lif_param_groups(config_); }
  std::vector<int> cell_types() const override { return config_.cell_types(); }
  // With Dale's law, sets every W_rec weight whose sign differs from its presynaptic neuron's
  // type to 0 (the synapse is silent until an update gives it the right sign again).
  void constrain(NetworkParams& params) const override;
  // {"model": "lif", "config": every knob as text}.
  nlohmann::json description() const override;
  double task_loss() const;  // L alone
  double rate_loss() const;  // R alone

 private:
  LifRnnConfig config_;
  DType dtype_;
  Device device_;
  int B_ = 0;
  LifStepState state_;
  Tensor no_input_;  // [B, 0]: builds [zf_t; 1] with build_presynaptic
  Tensor loss_sum_;  // [B] in double
};

// The regulariser's learning signal dR/dz_j (the same for every t and b) for the window so far:
//   out[j] = 2 c_reg (f_j - f0) / (T B dt),  f_j = sum_b spike_count[b, j] / (T B dt),  T = steps.
// spike_count: [B, n]; ones: [B] of 1; out: [n].
void rate_regulariser_signal(const LifRnnConfig& config, const Tensor& spike_count, int steps, const Tensor& ones,
                             Tensor& out);

}  // namespace tca
