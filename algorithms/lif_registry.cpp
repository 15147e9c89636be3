// The registry of learning rules on the spiking network, by id (`--model lif`). The ids are
// those of the rate network's rules where the rule is the same idea (bptt, rtrl, eprop).
#include <stdexcept>

#include "algorithms/lif_rules.h"

namespace tca {
namespace {

struct RegisteredLifRule {
  const AlgorithmInfo& (*info)();
  LifRuleFactory make;
};

const std::vector<RegisteredLifRule>& registered_lif_rules() {
  static const std::vector<RegisteredLifRule> rules{
      {lif_bptt_info, make_lif_bptt},
      {lif_rtrl_info, make_lif_rtrl},
      {lif_eprop_info, make_lif_eprop},
      {lif_eprop_random_info, make_lif_eprop_random},
      {lif_eprop_adaptive_info, make_lif_eprop_adaptive},
  };
  return rules;
}

}  // namespace

const std::vector<AlgorithmInfo>& lif_algorithm_registry() {
  static const std::vector<AlgorithmInfo> infos = [] {
    std::vector<AlgorithmInfo> all;
    for (const RegisteredLifRule& rule : registered_lif_rules()) all.push_back(rule.info());
    return all;
  }();
  return infos;
}

std::unique_ptr<LifAlgorithm> make_lif_algorithm(const std::string& id, const LifRnnConfig& config, DType dtype,
                                                 Device device, const std::map<std::string, std::string>& params) {
  for (const RegisteredLifRule& rule : registered_lif_rules()) {
    const AlgorithmInfo& info = rule.info();
    if (info.id == id) return rule.make(config, dtype, device, Params(info.id, info.params, params));
  }
  std::string valid;
  for (const AlgorithmInfo& info : lif_algorithm_registry()) valid += (valid.empty() ? "" : ", ") + info.id;
  throw std::invalid_argument("unknown algorithm '" + id + "' for --model lif (valid: " + valid + ")");
}

}  // namespace tca
