#include "algorithms/snap1.h"

#include "algorithms/rules.h"

namespace tca {

const AlgorithmInfo& snap1_info() {
  static const AlgorithmInfo info{
      "snap1",
      "SnAp-1 (Menick et al. 2021): influence entries M[i,(i,j)] only, S = diag(J) S + D ahat^T, "
      "gW += c * S",
      false, {}};
  return info;
}

std::unique_ptr<Algorithm> make_snap1(const RateRnnConfig& config, DType dtype, Device device,
                                      const Params&) {
  return std::make_unique<Snap1>(config, dtype, device);
}

}  // namespace tca
