// The registry of learning rules: one line per (network, rule) in algorithms/rule_list.inc.
#include "algorithms/registry.h"

#include <stdexcept>

#include "algorithms/lif_rule.h"
#include "algorithms/rate_rule.h"
#include "core/params.h"

namespace tca {

// The factories of algorithms/rule_list.inc, each defined in its rule's file.
#define TCA_RULE(network, Prefix, name)                                                                    \
  const RuleInfo& name##_info();                                                                           \
  std::unique_ptr<Prefix##Rule> make_##name(const Prefix##RnnConfig&, DType, Device, const Params&);
#include "algorithms/rule_list.inc"
#undef TCA_RULE

namespace {

using Factory = std::unique_ptr<Rule> (*)(const Network&, const Params&);

// Calls a rule's factory with the configuration of the network it was registered for.
template <typename Net, auto make>
std::unique_ptr<Rule> on(const Network& network, const Params& params) {
  const Net& net = network_as<Net>(network, "the rule registry");
  return make(net.config(), net.dtype(), net.device(), params);
}

struct RegisteredRule {
  const char* network;
  const RuleInfo& (*info)();
  Factory make;
};

const std::vector<RegisteredRule>& registered_rules() {
  static const std::vector<RegisteredRule> rules{
#define TCA_RULE(network, Prefix, name) {#network, name##_info, on<Prefix##Rnn, make_##name>},
#include "algorithms/rule_list.inc"
#undef TCA_RULE
  };
  return rules;
}

}  // namespace

const std::vector<RegisteredRuleInfo>& rule_registry() {
  static const std::vector<RegisteredRuleInfo> infos = [] {
    std::vector<RegisteredRuleInfo> all;
    for (const RegisteredRule& rule : registered_rules()) all.push_back({rule.info(), rule.network});
    return all;
  }();
  return infos;
}

std::vector<RegisteredRuleInfo> rules_of(const std::string& network) {
  std::vector<RegisteredRuleInfo> out;
  for (const RegisteredRuleInfo& info : rule_registry())
    if (info.network == network) out.push_back(info);
  return out;
}

std::string rule_label(const std::string& network, const std::string& id) {
  return network == "rate" ? id : id + "-" + network;
}

std::unique_ptr<Rule> make_rule(const Network& network, const std::string& id,
                                const std::map<std::string, std::string>& params) {
  for (const RegisteredRule& rule : registered_rules()) {
    const RuleInfo& info = rule.info();
    if (rule.network == network.id() && info.id == id)
      return rule.make(network, Params(info.id, info.params, params));
  }
  std::string valid;
  for (const RuleInfo& info : rules_of(network.id())) valid += (valid.empty() ? "" : ", ") + info.id;
  throw std::invalid_argument("unknown algorithm '" + id + "' for the " + network.id() + " network (valid: " + valid +
                              ")");
}

}  // namespace tca
