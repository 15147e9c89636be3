// Rules built from a network's configuration alone, as the rule tests state their cases: thin
// wrappers over the one registry (algorithms/registry.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "algorithms/lif_rule.h"
#include "algorithms/rate_rule.h"
#include "algorithms/registry.h"
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

}  // namespace tca
