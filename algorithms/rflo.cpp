#include "algorithms/rflo.h"

#include "algorithms/registry.h"

namespace tca {

const RuleInfo& rflo_info() {
  static const RuleInfo info{
      "rflo",
      "random-feedback local online learning (Murray 2019): leak-only trace E = (1-alpha) E + D ahat^T, "
      "gW += (B_fb e) * E",
      false, feedback_params(FeedbackKind::random).docs()};
  return info;
}

std::unique_ptr<RateRule> make_rflo(const RateRnnConfig& config, DType dtype, Device device,
                                     const Params& params) {
  return std::make_unique<Rflo>(config, dtype, device, feedback_params(FeedbackKind::random).read(params));
}

}  // namespace tca
