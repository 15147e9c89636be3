// The registry of learning rules, by id.
#include <stdexcept>

#include "algorithms/rules.h"

namespace tca {
namespace {

struct RegisteredRule {
  const AlgorithmInfo& (*info)();
  RuleFactory make;
};

const std::vector<RegisteredRule>& registered_rules() {
  static const std::vector<RegisteredRule> rules{
      {bptt_info, make_bptt},
      {rtrl_info, make_rtrl},
      // deterministic approximate rules
      {tbptt_info, make_tbptt},
      {rflo_info, make_rflo},
      {eprop_info, make_eprop},
      {snap1_info, make_snap1},
      // unbiased stochastic rules
      {uoro_info, make_uoro},
      {kf_rtrl_info, make_kf_rtrl},
      {rkf_rtrl_info, make_rkf_rtrl},
  };
  return rules;
}

}  // namespace

const std::vector<AlgorithmInfo>& algorithm_registry() {
  static const std::vector<AlgorithmInfo> infos = [] {
    std::vector<AlgorithmInfo> all;
    for (const RegisteredRule& rule : registered_rules()) all.push_back(rule.info());
    return all;
  }();
  return infos;
}

std::unique_ptr<Algorithm> make_algorithm(const std::string& id, const RateRnnConfig& config,
                                          DType dtype, Device device,
                                          const std::map<std::string, std::string>& params) {
  for (const RegisteredRule& rule : registered_rules()) {
    const AlgorithmInfo& info = rule.info();
    if (info.id == id) return rule.make(config, dtype, device, Params(info.id, info.params, params));
  }
  std::string valid;
  for (const AlgorithmInfo& info : algorithm_registry()) valid += (valid.empty() ? "" : ", ") + info.id;
  throw std::invalid_argument("unknown algorithm '" + id + "' (valid: " + valid + ")");
}

}  // namespace tca
