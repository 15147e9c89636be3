#include "algorithms/eprop.h"

#include "algorithms/rules.h"

namespace tca {

const AlgorithmInfo& eprop_info() {
  static const AlgorithmInfo info{
      "eprop",
      "e-prop for rate units (Bellec et al. 2020): neuron-local trace E = diag(J) E + D ahat^T, "
      "gW += (B e) * E",
      false, feedback_param_docs(FeedbackKind::symmetric)};
  return info;
}

std::unique_ptr<Algorithm> make_eprop(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params& params) {
  return std::make_unique<Eprop>(config, dtype, device, parse_feedback(params));
}

}  // namespace tca
