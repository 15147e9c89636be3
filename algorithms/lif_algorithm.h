// The interface of the learning rules on the spiking network (models/lif_rnn.h), and their
// registry (`tcabench algos`, `tcabench probe --model lif --algo ...`).
//
// As for the rate network (algorithms/algorithm.h), a rule sees each step's forward quantities
// (LifStepState) and accumulates an estimate of the gradient of the window's objective L + R
// with respect to W = [W_rec | W_in] and W_outb = [W_out | b_out], parameters frozen. The readout
// gradient is exact for every rule, sum_t e_t [zf_t; 1]^T, accumulated here; the diagonal of the
// W_rec block is no parameter and is set to 0 in every rule's gradient. Rules differ in how they
// estimate the rest: sum_t c_t^T dzf_t/dW (task loss) plus sum_{t,b} reg^T dz_t/dW (regulariser),
// where c_t = W_out^T e_t and reg = dR/dz (models/lif_rnn.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/algorithm.h"
#include "models/lif_rnn.h"

namespace tca {

class LifAlgorithm {
 public:
  virtual ~LifAlgorithm() = default;
  virtual std::string id() const = 0;
  virtual bool stochastic() const { return false; }
  virtual std::map<std::string, std::string> config() const { return {}; }

  // Starts a window of B sequences at `params` (frozen during the window; W_rec's diagonal must
  // be 0). Zeroes the accumulated gradient.
  void reset(const LifRnnParams& params, int batch_size, uint64_t noise_seed);
  // Consumes step t's forward quantities (steps in order).
  void step(const LifStepState& s);
  // Ends the window: adds the regulariser's part and whatever the rule computes at the end.
  void finish();
  const Gradients& gradient() const { return grad_; }

  virtual size_t state_bytes(int T) const = 0;
  size_t state_bytes_for(int batch_size, int T);
  virtual double flops_per_step() const = 0;  // per sequence

  // Called by a training loop after each parameter update with W_outb = [W_out | b_out] before
  // and after it (host doubles, o x (n + 1)) and the decoupled weight decay d the update applied
  // (after = before - step - d before). Only rules whose state follows training use it
  // (eprop_adaptive); the others ignore it.
  virtual void follow_training_step(const std::vector<double>& W_outb_before,
                                    const std::vector<double>& W_outb_after, double weight_decay);

 protected:
  LifAlgorithm(const LifRnnConfig& config, DType dtype, Device device);
  virtual void reset_state(int batch_size, uint64_t noise_seed) = 0;
  virtual void accumulate(const LifStepState& s) = 0;
  // The end of the window. reg: [n] the regulariser's learning signal dR/dz_j^{t,b} (the same
  // for every t and b), or an undefined tensor when rate_reg = 0.
  virtual void finish_window(const Tensor& reg) = 0;
  bool regularised() const { return config_.rate_reg > 0; }

  LifRnnConfig config_;
  DType dtype_;
  Device device_;
  const LifRnnParams* params_ = nullptr;  // valid for the window
  int B_ = 0;
  Gradients grad_;

 private:
  const LifStepState* last_ = nullptr;  // the model's state, valid for the window
  int steps_ = 0;
  Tensor ones_;  // [B] of 1
  Tensor reg_;   // [n]
};

const std::vector<AlgorithmInfo>& lif_algorithm_registry();
// Builds a rule on the spiking network by id; errors as make_algorithm().
std::unique_ptr<LifAlgorithm> make_lif_algorithm(const std::string& id, const LifRnnConfig& config, DType dtype,
                                                 Device device,
                                                 const std::map<std::string, std::string>& params = {});

// Runs the network over a whole batch with the rule attached; returns the window's L + R and,
// when outputs != nullptr, fills it with y as [T, B, o] host doubles.
double run_lif_window(LifRnn& model, const LifRnnParams& params, const DeviceBatch& batch, LifAlgorithm& algorithm,
                      uint64_t noise_seed, std::vector<double>* outputs = nullptr);

}  // namespace tca
