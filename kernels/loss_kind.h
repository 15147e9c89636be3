#pragma once

namespace tca {

// Identity readout with mean-squared error, or softmax readout with cross-entropy.
enum class LossKind { mse, cross_entropy };

}  // namespace tca
