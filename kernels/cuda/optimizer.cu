// The optimizer's elementwise update on the GPU (CPU reference: kernels/cpu/optimizer.cpp).
#include <cmath>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

template <typename T>
__global__ void adam_update_kernel(int64_t n, T lr, T beta1, T beta2, T eps, T bias1, T bias2, T grad_scale,
                                   const T* grad, T* m, T* v, T* param) {
  TCA_GRID_STRIDE(i, n) {
    const T g = grad_scale * grad[i];
    const T mi = beta1 * m[i] + (1 - beta1) * g;
    const T vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= lr * (mi / bias1) / (sqrt(vi / bias2) + eps);
  }
}

}  // namespace

template <typename T>
void adam_update(int64_t n, T lr, T beta1, T beta2, T eps, T bias1, T bias2, T grad_scale, const T* grad, T* m,
                 T* v, T* param) {
  if (n == 0) return;
  adam_update_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, lr, beta1, beta2, eps, bias1, bias2, grad_scale, grad, m, v,
                                                  param);
  TCA_CUDA_CHECK_LAUNCH();
}

TCA_INSTANTIATE_OPTIMIZER_OPS(float)
TCA_INSTANTIATE_OPTIMIZER_OPS(double)

}  // namespace tca::cuda
