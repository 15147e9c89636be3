// The interface every learning rule implements, and the registry of rules.
//
// A rule sees the forward quantities of each step (models/rate_rnn.h: StepState) and
// accumulates an estimate of the gradient of the window's summed loss. The output weights'
// gradient is exact for every rule (sum_t e_t [a_t; 1]^T) and is accumulated here, in the base
// class; rules differ in how they estimate the recurrent part, sum_t c_t^T M_t.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/rate_rnn.h"
#include "tasks/params.h"

namespace tca {

// Accumulated gradient, shaped like the parameters.
struct Gradients {
  Tensor W;       // n x k
  Tensor W_outb;  // o x (n + 1)
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual std::string id() const = 0;
  // True when the estimate depends on random draws (the probe then takes K samples).
  virtual bool stochastic() const { return false; }
  // Effective hyperparameters (documented defaults overridden by what was given), for reports.
  virtual std::map<std::string, std::string> config() const { return {}; }

  // Starts a window of B sequences at parameters `params` (frozen during the window). Random
  // draws of stochastic rules are keyed by noise_seed. Zeroes the accumulated gradient.
  void reset(const RateRnnParams& params, int batch_size, uint64_t noise_seed);
  // Consumes step t's forward quantities.
  void step(const StepState& s);
  // Ends the window (BPTT runs its backward pass here). gradient() is final afterwards.
  virtual void finish() {}
  const Gradients& gradient() const { return grad_; }
  // Zeroes the accumulated gradient without touching the rule's state (traces, influence
  // matrices): online training applies the estimate after a step and goes on accumulating.
  void zero_gradient();
  // True when the estimate is complete after every step (forward-in-time rules), so the
  // parameters may change between steps of a window (online updates). BPTT-style rules
  // compute their gradient in finish() from stored steps and need frozen parameters.
  virtual bool supports_online_updates() const { return true; }

  // Bytes of learning-rule state (traces, stored activations), excluding parameters, for the
  // batch size of the last reset().
  virtual size_t state_bytes(int T) const = 0;
  // The same for a given batch size, before any allocation (to refuse what cannot fit).
  size_t state_bytes_for(int batch_size, int T);
  // Floating-point operations per step per sequence, for the recurrent-part estimate.
  virtual double flops_per_step() const = 0;

 protected:
  Algorithm(const RateRnnConfig& config, DType dtype, Device device)
      : config_(config), dtype_(dtype), device_(device) {}
  virtual void reset_state(int batch_size, uint64_t noise_seed) = 0;
  virtual void accumulate(const StepState& s) = 0;

  RateRnnConfig config_;
  DType dtype_;
  Device device_;
  const RateRnnParams* params_ = nullptr;  // set by reset(), valid for the window
  int B_ = 0;
  Gradients grad_;
};

struct AlgorithmInfo {
  std::string id;
  std::string summary;
  bool exact;
  std::vector<ParamDoc> params;  // hyperparameters with defaults
};

const std::vector<AlgorithmInfo>& algorithm_registry();
// Builds a rule by id with hyperparameter overrides (name -> value as text). Throws
// std::invalid_argument listing the valid ids (unknown id) or the rule's parameters (unknown
// parameter), or naming the parameter and its valid range (bad value).
std::unique_ptr<Algorithm> make_algorithm(const std::string& id, const RateRnnConfig& config,
                                          DType dtype, Device device,
                                          const std::map<std::string, std::string>& params = {});

// Runs the network over a whole batch with the rule attached; returns the window's loss and,
// when outputs != nullptr, fills it with y as [T, B, o] host doubles.
double run_window(RateRnn& model, const RateRnnParams& params, const DeviceBatch& batch,
                  Algorithm& algorithm, uint64_t noise_seed, std::vector<double>* outputs = nullptr);

}  // namespace tca
