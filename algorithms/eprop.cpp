#include "algorithms/eprop.h"

#include "algorithms/registry.h"

namespace tca {

const RuleInfo& eprop_info() {
  static const RuleInfo info{
      "eprop",
      "e-prop for rate units (Bellec et al. 2020): neuron-local trace E = diag(J) E + D ahat^T, "
      "gW += (B e) * E",
      false, feedback_params(FeedbackKind::symmetric).docs()};
  return info;
}

std::unique_ptr<RateRule> make_eprop(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params& params) {
  return std::make_unique<Eprop>(config, dtype, device, feedback_params(FeedbackKind::symmetric).read(params));
}

}  // namespace tca
