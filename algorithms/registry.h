// The registry of learning rules, keyed by (network id, rule id): `tcabench algos`, the probe,
// training, the suite, the gates and the microbenchmarks all build rules through it. Ids are
// shared across networks where the rule is the same idea (bptt, rtrl and eprop exist on both).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/rule.h"
#include "core/params.h"
#include "models/network.h"

namespace tca {

// What a rule's file declares about it.
struct RuleInfo {
  std::string id;
  std::string summary;
  bool exact = false;            // computes the exact gradient (up to rounding)
  std::vector<ParamDoc> params;  // hyperparameters with defaults
  bool baseline = false;         // a reference point, no learning rule (readout_only, random_gradient)
};

// A registry entry: the rule and the network it runs on.
struct RegisteredRuleInfo : RuleInfo {
  std::string network;
};

// Every registered rule, the rate network's first, in registry order.
const std::vector<RegisteredRuleInfo>& rule_registry();
// The rules of one network, in registry order (empty for an unknown network).
std::vector<RegisteredRuleInfo> rules_of(const std::string& network);
// How benchmarks and the quality gate name a rule: its id on the rate network, "<id>-<network>"
// on the others (the suites' names for them, e.g. "bptt-lif").
std::string rule_label(const std::string& network, const std::string& id);
// Builds rule `id` for `network` (its sizes, precision and device) with hyperparameter
// overrides (name -> value as text). Throws std::invalid_argument listing the network's rule
// ids (unknown id) or the rule's parameters (unknown parameter), or naming the parameter and
// its valid range (bad value).
std::unique_ptr<Rule> make_rule(const Network& network, const std::string& id,
                                const std::map<std::string, std::string>& params = {});

}  // namespace tca
