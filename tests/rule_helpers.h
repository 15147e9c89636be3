// Rules built from a network's configuration alone, as the rule tests state their cases: thin
// wrappers over the one registry (algorithms/registry.h).
#pragma once

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

}  // namespace tca
