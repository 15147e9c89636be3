// The registry of learning rules, by id.
#include <stdexcept>

#include "algorithms/algorithm.h"
#include "algorithms/bptt.h"
#include "algorithms/rtrl.h"

namespace tca {

const std::vector<AlgorithmInfo>& algorithm_registry() {
  static const std::vector<AlgorithmInfo> registry = {
      {"bptt", "backpropagation through time (exact reference)", true},
      {"rtrl", "real-time recurrent learning, full influence matrix (exact, O(n^4) per step)", true},
  };
  return registry;
}

std::unique_ptr<Algorithm> make_algorithm(const std::string& id, const RateRnnConfig& config,
                                          DType dtype, Device device) {
  if (id == "bptt") return std::make_unique<Bptt>(config, dtype, device);
  if (id == "rtrl") return std::make_unique<Rtrl>(config, dtype, device);
  std::string valid;
  for (const auto& info : algorithm_registry()) valid += (valid.empty() ? "" : ", ") + info.id;
  throw std::invalid_argument("unknown algorithm '" + id + "' (valid: " + valid + ")");
}

}  // namespace tca
