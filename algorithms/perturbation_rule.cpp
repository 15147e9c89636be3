#include "algorithms/perturbation_rule.h"

#include <stdexcept>

namespace tca {

void PerturbationRule::reset_state(int /*batch_size*/, uint64_t noise_seed) {
  noise_seed_ = noise_seed;
  batch_ = nullptr;
}

const DeviceBatch& PerturbationRule::batch() const {
  if (!batch_) throw std::logic_error(id() + ": no batch attached (run the window with run_window)");
  return *batch_;
}

}  // namespace tca
