// The recurrent-network ops on the GPU: presynaptic vector, leaky tanh, Jacobian, immediate
// influence and the output error. One thread per output element (or per sequence for the
// loss, whose o is small).
#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

template <typename T>
__global__ void build_presynaptic_kernel(int64_t B, int64_t n, int64_t m, const T* a_prev, const T* x,
                                         T* ahat) {
  const int64_t k = n + m + 1;
  TCA_GRID_STRIDE(idx, B * k) {
    const int64_t b = idx / k, j = idx % k;
    ahat[idx] = j < n ? a_prev[b * n + j] : (j < n + m ? x[b * m + (j - n)] : T(1));
  }
}

template <typename T>
__global__ void leaky_tanh_kernel(int64_t count, T alpha, const T* h, T* a, T* dphi) {
  TCA_GRID_STRIDE(i, count) {
    const T phi = tanh(h[i]);
    a[i] = (T(1) - alpha) * a[i] + alpha * phi;
    dphi[i] = T(1) - phi * phi;
  }
}

// J[b, i, j] for every sequence b; J holds `rows` >= n rows per sequence.
template <typename T>
__global__ void recurrent_jacobian_kernel(int64_t B, int64_t n, int64_t k, int64_t rows, T alpha, const T* W,
                                          const T* dphi, T* J) {
  TCA_GRID_STRIDE(idx, B * n * n) {
    const int64_t b = idx / (n * n), i = (idx / n) % n, j = idx % n;
    J[b * rows * n + i * n + j] = alpha * dphi[b * n + i] * W[i * k + j] + (i == j ? T(1) - alpha : T(0));
  }
}

// M[b, i, i*k + j] += scale dphi[b, i] ahat[b, j]: B * n * k entries, the block diagonal only;
// M holds `rows` >= n rows per sequence.
template <typename T>
__global__ void add_immediate_influence_kernel(int64_t B, int64_t n, int64_t k, int64_t rows, T scale,
                                               const T* dphi, const T* ahat, T* M) {
  TCA_GRID_STRIDE(idx, B * n * k) {
    const int64_t j = idx % k, bi = idx / k, b = bi / n, i = bi % n;
    M[(b * rows + i) * (n * k) + i * k + j] += scale * dphi[bi] * ahat[b * k + j];
  }
}

// One thread per sequence: softmax or squared error over its o outputs (o is small).
template <typename T>
__global__ void output_error_kernel(int64_t B, int64_t o, bool cross_entropy, T scale, const T* y,
                                    const T* target, const T* mask, T* e, double* loss_sum) {
  TCA_GRID_STRIDE(b, B) {
    const T w = scale * mask[b];
    const T* yb = y + b * o;
    const T* tb = target + b * o;
    T* eb = e + b * o;
    double l = 0.0;
    if (!cross_entropy) {
      for (int64_t j = 0; j < o; ++j) {
        const T d = yb[j] - tb[j];
        l += 0.5 * double(d) * double(d);
        eb[j] = w * d;
      }
    } else {
      T top = yb[0];
      for (int64_t j = 1; j < o; ++j) top = yb[j] > top ? yb[j] : top;
      double sum = 0.0;
      for (int64_t j = 0; j < o; ++j) sum += exp(double(yb[j] - top));
      const double log_sum = log(sum);
      for (int64_t j = 0; j < o; ++j) {
        const double log_p = double(yb[j] - top) - log_sum;
        if (tb[j] != T(0)) l -= double(tb[j]) * log_p;
        eb[j] = w * (static_cast<T>(exp(log_p)) - tb[j]);
      }
    }
    loss_sum[b] += double(w) * l;
  }
}

}  // namespace

template <typename T>
void build_presynaptic(int64_t B, int64_t n, int64_t m, const T* a_prev, const T* x, T* ahat) {
  if (B == 0) return;
  build_presynaptic_kernel<<<blocks_for(B * (n + m + 1)), kThreads, 0, stream()>>>(B, n, m, a_prev, x, ahat);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void leaky_tanh(int64_t count, T alpha, const T* h, T* a, T* dphi) {
  if (count == 0) return;
  leaky_tanh_kernel<<<blocks_for(count), kThreads, 0, stream()>>>(count, alpha, h, a, dphi);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void recurrent_jacobian(int64_t B, int64_t n, int64_t k, int64_t rows, T alpha, const T* W, const T* dphi, T* J) {
  if (B * n == 0) return;
  recurrent_jacobian_kernel<<<blocks_for(B * n * n), kThreads, 0, stream()>>>(B, n, k, rows, alpha, W, dphi, J);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void add_immediate_influence(int64_t B, int64_t n, int64_t k, int64_t rows, T scale, const T* dphi,
                             const T* ahat, T* M) {
  if (B * n * k == 0) return;
  add_immediate_influence_kernel<<<blocks_for(B * n * k), kThreads, 0, stream()>>>(B, n, k, rows, scale, dphi, ahat, M);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void output_error(int64_t B, int64_t o, LossKind loss, T scale, const T* y, const T* target, const T* mask, T* e,
                  double* loss_sum) {
  if (B == 0) return;
  output_error_kernel<<<blocks_for(B), kThreads, 0, stream()>>>(B, o, loss == LossKind::cross_entropy, scale, y, target, mask, e,
                                                    loss_sum);
  TCA_CUDA_CHECK_LAUNCH();
}

TCA_INSTANTIATE_RNN_OPS(float)
TCA_INSTANTIATE_RNN_OPS(double)

}  // namespace tca::cuda
