#include "algorithms/snap1.h"

#include "algorithms/registry.h"

namespace tca {

const RuleInfo& snap1_info() {
  static const RuleInfo info{
      "snap1",
      "SnAp-1 (Menick et al. 2021): influence entries M[i,(i,j)] only, S = diag(J) S + D ahat^T, "
      "gW += c * S",
      false, {}};
  return info;
}

std::unique_ptr<RateRule> make_snap1(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params&) {
  return std::make_unique<Snap1>(config, dtype, device);
}

}  // namespace tca
