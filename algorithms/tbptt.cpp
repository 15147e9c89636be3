#include "algorithms/tbptt.h"

#include "algorithms/registry.h"

namespace tca {

const ParamTable<TbpttConfig>& tbptt_params() {
  static const auto table = ParamTable<TbpttConfig>().integer(
      "h", &TbpttConfig::h, 1, kMaxTaskLength, "chunk length in steps; memory holds h steps; h >= T is exact BPTT");
  return table;
}

const RuleInfo& tbptt_info() {
  static const RuleInfo info{
      "tbptt",
      "truncated BPTT(h, h) (Williams & Peng 1990): exact BPTT within consecutive chunks of h steps, "
      "no error across chunks",
      false, tbptt_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_tbptt(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params& params) {
  return std::make_unique<Tbptt>(config, dtype, device, tbptt_params().read(params));
}

}  // namespace tca
