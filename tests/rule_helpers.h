// Rules built from a network's configuration alone, as the rule tests state their cases: thin
// wrappers over the one registry (algorithms/registry.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/lif_rule.h"
#include "algorithms/rate_rule.h"
#include "algorithms/registry.h"
#include "algorithms/rule.h"
#include "core/batch.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"

namespace tca {

inline std::unique_ptr<Rule> make_algorithm(const std::string& id, const RateRnnConfig& config, DType dtype,
                                            Device device, const std::map<std::string, std::string>& params = {}) {
  return make_rule(RateRnn(config, dtype, device), id, params);
}

inline std::unique_ptr<Rule> make_lif_algorithm(const std::string& id, const LifRnnConfig& config, DType dtype,
                                                Device device, const std::map<std::string, std::string>& params = {}) {
  return make_rule(LifRnn(config, dtype, device), id, params);
}

// The tiny rate network of the rule tests that compare with loops of published equations:
// n = 3 units, m = 2 inputs, o = 2 outputs, MSE; W_rec gain 1.2 and biases of scale 0.3, so every
// term of the equations is nonzero.
inline RateRnnConfig tiny_rate_config(double alpha) {
  RateRnnConfig rc;
  rc.n = 3;
  rc.m = 2;
  rc.o = 2;
  rc.alpha = alpha;
  rc.loss = LossKind::mse;
  return rc;
}

inline RateRnnParams tiny_rate_params(const RateRnnConfig& rc, uint64_t seed, DType dtype = DType::f64) {
  InitOptions init;
  init.gain = 1.2;
  init.bias_scale = 0.3;
  return init_params(rc, seed, dtype, Device::cpu, init);
}

// The tiny network's parameters with W_rec = 0: no state reaches a later step except through
// the leak.
inline RateRnnParams tiny_rate_params_without_recurrence(const RateRnnConfig& rc, uint64_t seed) {
  RateRnnParams params = tiny_rate_params(rc, seed);
  std::vector<double> W = params.W.to_host();
  for (int i = 0; i < rc.n; ++i)
    for (int j = 0; j < rc.n; ++j) W[i * rc.k() + j] = 0.0;
  params.W = Tensor::from_host(W, params.W.shape(), DType::f64);
  return params;
}

// The W part of a rate rule's gradient (the readout part is exact for every rule) after one
// window of `batch` at `params`, in double on the CPU.
inline std::vector<double> window_w_gradient(Rule& rule, const RateRnnConfig& rc, const RateRnnParams& params,
                                             const Batch& batch, uint64_t noise_seed = 0) {
  RateRnn model(rc, DType::f64, Device::cpu);
  run_window(model, params, to_device(batch, DType::f64, Device::cpu), rule, noise_seed);
  return rule.gradient().W.to_host();
}

}  // namespace tca
