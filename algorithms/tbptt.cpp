#include "algorithms/tbptt.h"

#include "algorithms/registry.h"

namespace tca {

const RuleInfo& tbptt_info() {
  static const RuleInfo info{
      "tbptt",
      "truncated BPTT(h, h) (Williams & Peng 1990): exact BPTT within consecutive chunks of h steps, "
      "no error across chunks",
      false,
      {{"h", "10", "chunk length in steps, in [1, " + std::to_string(kMaxTaskLength) +
                       "]; memory holds h steps; h >= T is exact BPTT"}}};
  return info;
}

std::unique_ptr<RateRule> make_tbptt(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params& params) {
  return std::make_unique<Tbptt>(config, dtype, device,
                                 static_cast<int>(params.integer("h", 1, kMaxTaskLength)));
}

}  // namespace tca
