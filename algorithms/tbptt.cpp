#include "algorithms/tbptt.h"

#include "algorithms/future_tbptt.h"
#include "algorithms/registry.h"

namespace tca {

const ParamTable<TbpttConfig>& tbptt_params() {
  static const auto table =
      ParamTable<TbpttConfig>()
          .integer("h", &TbpttConfig::h, 1, kMaxTaskLength,
                   "chunk length (future: horizon) in steps; memory holds h steps; h >= T is exact BPTT")
          .choice("mode", &TbpttConfig::mode, {{"chunks", TbpttMode::chunks}, {"future", TbpttMode::future}},
                  "chunks: BPTT(h, h) in consecutive chunks, the estimate complete at each chunk's end (Williams & "
                  "Peng 1990; E-BPTT of Marschall et al. 2020); future: "
                  "every step credited with the h losses from it on, handed out h - 1 steps later, online "
                  "updates (F-BPTT of Marschall et al. 2020)");
  return table;
}

const RuleInfo& tbptt_info() {
  static const RuleInfo info{
      "tbptt",
      "truncated BPTT: BPTT(h, h) in consecutive chunks of h steps (Williams & Peng 1990), or with "
      "mode=future every step credited with its next h losses (F-BPTT, Marschall et al. 2020)",
      false, tbptt_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_tbptt(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params& params) {
  const TbpttConfig tbptt = tbptt_params().read(params);
  if (tbptt.mode == TbpttMode::future) return std::make_unique<FutureFacingTbptt>(config, dtype, device, tbptt.h);
  return std::make_unique<Tbptt>(config, dtype, device, tbptt);
}

}  // namespace tca
