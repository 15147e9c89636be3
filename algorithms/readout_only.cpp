#include "algorithms/readout_only.h"

#include "algorithms/registry.h"

namespace tca {

const RuleInfo& readout_only_info() {
  static const RuleInfo info{
      "readout_only",
      "baseline: the readout's exact gradient, none for the recurrent parameters (the network's random "
      "dynamics as a fixed reservoir); a rule that does not beat it assigns no temporal credit",
      false, {}, /*baseline=*/true};
  return info;
}

std::unique_ptr<RateRule> make_readout_only(const RateRnnConfig& config, DType dtype, Device device,
                                             const Params& /*no parameters*/) {
  return std::make_unique<ReadoutOnly>(config, dtype, device);
}

const RuleInfo& lif_readout_only_info() {
  static const RuleInfo info{"readout_only",
                             "baseline: the readout's exact gradient, none for W (nor the regulariser's part)",
                             false, {}, /*baseline=*/true};
  return info;
}

std::unique_ptr<LifRule> make_lif_readout_only(const LifRnnConfig& config, DType dtype, Device device,
                                                const Params& /*no parameters*/) {
  return std::make_unique<LifReadoutOnly>(config, dtype, device);
}

}  // namespace tca
