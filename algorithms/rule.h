// The interface every learning rule implements, on any network (models/network.h).
//
// A rule is reset at the start of a window with the parameters (frozen for the window unless
// the caller applies online updates), consumes each step's forward quantities from the network
// it is attached to, and accumulates an estimate of the gradient of the window's objective with
// respect to W and W_outb. The readout's gradient is exact for every rule; rules differ in how
// they estimate the recurrent part. Rules of the rate network derive from RateRule
// (algorithms/rate_rule.h), those of the spiking network from LifRule (algorithms/lif_rule.h);
// the registry (algorithms/registry.h) is keyed by (network, rule id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/batch.h"
#include "kernels/tensor.h"
#include "models/network.h"

namespace tca {

// Accumulated gradient, shaped like the parameters.
struct Gradients {
  Tensor W;       // n x k
  Tensor W_outb;  // o x (n + 1)
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string id() const = 0;
  // True when the estimate depends on random draws (the probe then takes K samples).
  virtual bool stochastic() const { return false; }
  // Effective hyperparameters (documented defaults overridden by what was given), for reports.
  virtual std::map<std::string, std::string> config() const { return {}; }

  // Starts a window of B sequences at `params`. Random draws of stochastic rules are keyed by
  // noise_seed. Zeroes the accumulated gradient.
  virtual void reset(const NetworkParams& params, int batch_size, uint64_t noise_seed) = 0;
  // Starts the next window of the same B streams (the online regime, where the network's state
  // carries over too): the rule's state (traces, influence matrices) carries over from the end
  // of the last window, the accumulated gradient is zeroed, and random draws go on from
  // noise_seed. Only rules that update online continue streams; others throw std::logic_error.
  void resume(const NetworkParams& params, uint64_t noise_seed);
  // The window's batch, handed over after reset() or resume() (and before every online step);
  // it must outlive finish(). Rules that run forward passes of their own (the perturbation
  // rules) or read the targets (dni) keep it; the others need only the steps.
  virtual void attach_batch(const DeviceBatch& /*batch*/) {}
  // Consumes the step the network has just taken (steps in order).
  virtual void step(const Network& network) = 0;
  // Ends the window. gradient() is final afterwards.
  virtual void finish() = 0;
  const Gradients& gradient() const { return grad_; }
  // Zeroes the accumulated gradient without touching the rule's state (traces, influence
  // matrices): online training applies the estimate after a step and goes on accumulating.
  void zero_gradient();

  // True when the estimate is complete after every step (forward-in-time rules), so the
  // parameters may change between steps of a window (online updates).
  virtual bool supports_online_updates() const { return true; }
  // Why it is not, in words, for the error message ("computes its gradient at the end of ...").
  virtual std::string window_only_reason() const { return "computes its gradient at the end of the window"; }

  // Bytes of learning-rule state (traces, stored activations), excluding parameters, for the
  // batch size of the last reset().
  virtual size_t state_bytes(int T) const = 0;
  // The same for a given batch size, before any allocation (to refuse what cannot fit).
  size_t state_bytes_for(int batch_size, int T);
  // Floating-point operations per step per sequence, for the recurrent-part estimate.
  virtual double flops_per_step() const = 0;

  // True for rules whose state follows training (Kolen-Pollack feedback): the training loop
  // then calls follow_training_step after every update with W_outb = [W_out | b_out] before
  // and after it (host doubles, o x (n + 1)) and the decoupled weight decay d it applied
  // (after = before - step - d before).
  virtual bool follows_training() const { return false; }
  // True for rules that learn parameters of their own from the windows they see (KeRNL's
  // sensitivity matrix and timescales); they learn on every window unless set_adapting(false)
  // froze them, as the probe does for its estimates after letting them adapt.
  virtual bool adapts() const { return false; }
  virtual void set_adapting(bool /*adapting*/) {}
  virtual void follow_training_step(const std::vector<double>& /*W_outb_before*/,
                                    const std::vector<double>& /*W_outb_after*/, double /*weight_decay*/) {}

 protected:
  Rule(DType dtype, Device device) : dtype_(dtype), device_(device) {}
  // What every reset does: records the window's parameters and batch size, allocates the
  // gradient at the first window and zeroes it.
  void start_window(const NetworkParams& params, int batch_size);
  // What resume() changes in the rule's own state besides the gradient: stochastic rules move
  // their draws to the new noise seed; traces are left as they are.
  virtual void continue_state(uint64_t /*noise_seed*/) {}

  DType dtype_;
  Device device_;
  const NetworkParams* params_ = nullptr;  // set by reset(), valid for the window
  int B_ = 0;
  Gradients grad_;
};

// Runs `network` over a whole batch at `params`; a non-null `rule` is reset with noise_seed,
// fed every step and finished. Returns the window's objective and, when outputs != nullptr,
// fills it with y as [T, B, o] host doubles. resume: the window continues the network's
// sequences (Network::resume, and Rule::resume for a rule) instead of starting from zero state.
double run_window(Network& network, const NetworkParams& params, const DeviceBatch& batch, Rule* rule,
                  uint64_t noise_seed, std::vector<double>* outputs = nullptr, bool resume = false);
inline double run_window(Network& network, const NetworkParams& params, const DeviceBatch& batch, Rule& rule,
                         uint64_t noise_seed, std::vector<double>* outputs = nullptr) {
  return run_window(network, params, batch, &rule, noise_seed, outputs);
}

}  // namespace tca
