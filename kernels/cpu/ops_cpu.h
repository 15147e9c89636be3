// CPU implementations of the backend ops on raw pointers (T = float or double), on CBLAS
// and plain loops. The launchers in kernels/ops.cpp check shapes before calling these.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/loss_kind.h"

namespace tca::cpu {
#include "kernels/op_signatures.inc"
}  // namespace tca::cpu
