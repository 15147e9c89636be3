// CPU implementation of the optimizer's elementwise update (adam_update, bench/train), a plain
// loop. GPU twin: kernels/cuda/optimizer.cu.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

// Optimizer (bench/train).
template <typename T>
void adam_update(int64_t n, T lr, T beta1, T beta2, T eps, T bias1, T bias2, T grad_scale, const T* grad, T* m,
                 T* v, T* param) {
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad_scale * grad[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    param[i] -= lr * (m[i] / bias1) / (std::sqrt(v[i] / bias2) + eps);
  }
}

TCA_INSTANTIATE_OPTIMIZER_OPS(float)
TCA_INSTANTIATE_OPTIMIZER_OPS(double)

}  // namespace tca::cpu
