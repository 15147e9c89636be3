// The forward recurrence of the leaky rate RNN over a whole window in one launch: the
// persistent-RNN technique (Diamos et al. 2016, "Persistent RNNs"), with the weights kept in
// shared memory instead of registers. The step-by-step version (RateRnn::step) launches
// three kernels per step and reads W from global memory each time; here each block loads W
// once and keeps its sequences' state on chip for all T steps, so a step costs one pass over
// W in shared memory and two barriers.
//
// Layout: an ensemble of E networks (E = 1 for one) of B sequences each; the sequences of
// network e are rows e B .. e B + B - 1 of every [.., E B, ..] tensor. Block c of network e
// holds its sequences b0 = c S .. b0 + S - 1 (S <= 8, fewer in its last block) and loads
// network e's W: all T steps of all E networks run in one launch.
// Shared memory: W as n rows of leading dimension ldw (k rounded up to an odd number, so
// that the threads of a warp, which read one row each, hit distinct banks), the state of the
// S sequences twice (the step reads one copy and writes the other), and x_t of the S
// sequences. Thread i computes unit i (and i + blockDim, ...) of every sequence of the block:
// each W[i, j] it reads from shared memory serves S multiply-adds (kept in registers).
// CPU reference: kernels/cpu/rnn_forward_sequence.cpp (the same recurrence, a GEMM per step).
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

constexpr int kMaxSequencesPerBlock = 8;

int64_t odd_leading_dimension(int64_t k) { return k % 2 == 0 ? k + 1 : k; }

// Shared memory of one block for S sequences.
size_t shared_bytes(int64_t n, int64_t m, int64_t S, size_t dtype_bytes) {
  const int64_t k = n + m + 1;
  return static_cast<size_t>(n * odd_leading_dimension(k) + 2 * S * n + S * m) * dtype_bytes;
}

struct DeviceLimits {
  size_t shared_optin = 0;  // sharedMemPerBlockOptin
  int multiprocessors = 0;
};

DeviceLimits device_limits() {
  int device = 0, shared = 0, sms = 0;
  TCA_CUDA_CHECK(cudaGetDevice(&device));
  TCA_CUDA_CHECK(cudaDeviceGetAttribute(&shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  TCA_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return {static_cast<size_t>(shared), sms};
}

template <typename T, int kMaxS>
__global__ void __launch_bounds__(1024)
    rnn_forward_sequence_kernel(int64_t steps, int64_t E, int64_t B, int64_t blocks_per_network, int n, int m,
                                int ldw, int S, T alpha, const T* W, const T* x, const T* a0, T* a, T* dphi) {
  extern __shared__ __align__(16) unsigned char shared[];
  T* Ws = reinterpret_cast<T*>(shared);  // [n][ldw]
  T* state = Ws + int64_t(n) * ldw;      // [2][S][n]
  T* xs = state + 2 * S * n;             // [S][m]
  const int k = n + m + 1;
  const int64_t e = blockIdx.x / blocks_per_network;                        // network
  const int64_t b0 = (blockIdx.x % blocks_per_network) * S;                 // first sequence in it
  const int here = static_cast<int>(min(int64_t(S), B - b0));               // sequences of this block
  const int64_t rows = E * B, g0 = e * B + b0;                              // row of sequence b0
  const T* We = W + e * n * k;

  for (int idx = threadIdx.x; idx < n * k; idx += blockDim.x) Ws[(idx / k) * ldw + idx % k] = We[idx];
  for (int idx = threadIdx.x; idx < here * n; idx += blockDim.x) state[idx] = a0[g0 * n + idx];

  int current = 0;
  for (int64_t t = 0; t < steps; ++t) {
    // x_t of the block's sequences (rows g0 .. g0 + here - 1 of x[t] are contiguous). The
    // previous step's readers of xs are past the barrier that ended it.
    for (int idx = threadIdx.x; idx < here * m; idx += blockDim.x) xs[idx] = x[(t * rows + g0) * m + idx];
    __syncthreads();
    const T* prev = state + current * S * n;
    T* next = state + (1 - current) * S * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      const T* w = Ws + int64_t(i) * ldw;
      // h = W[i, :] [a_{t-1}; x_t; 1], summed in that order, S sequences at once.
      T h[kMaxS];
#pragma unroll
      for (int s = 0; s < kMaxS; ++s) h[s] = T(0);
      for (int j = 0; j < n; ++j) {
        const T wij = w[j];
#pragma unroll
        for (int s = 0; s < kMaxS; ++s)
          if (s < here) h[s] += wij * prev[s * n + j];
      }
      for (int j = 0; j < m; ++j) {
        const T wij = w[n + j];
#pragma unroll
        for (int s = 0; s < kMaxS; ++s)
          if (s < here) h[s] += wij * xs[s * m + j];
      }
      const T bias = w[n + m];
#pragma unroll
      for (int s = 0; s < kMaxS; ++s) {
        if (s < here) {
          const T phi = tanh(h[s] + bias);
          const T a_new = (T(1) - alpha) * prev[s * n + i] + alpha * phi;
          next[s * n + i] = a_new;
          const int64_t out = (t * rows + g0 + s) * n + i;
          a[out] = a_new;
          dphi[out] = T(1) - phi * phi;
        }
      }
    }
    __syncthreads();  // every unit of `next` written before the next step reads it
    current = 1 - current;
  }
}

template <typename T, int kMaxS>
void launch(int64_t steps, int64_t E, int64_t B, int64_t n, int64_t m, int64_t S, size_t bytes, T alpha,
            const T* W, const T* x, const T* a0, T* a, T* dphi) {
  auto* kernel = rnn_forward_sequence_kernel<T, kMaxS>;
  // Above 48 KiB a block must opt in to its dynamic shared memory. The attribute is one per
  // kernel and device for the whole process: set once per device, to its limit, so that threads
  // launching with different sizes cannot lower it between another thread's setting and its
  // launch.
  constexpr int kMaxDevices = 64;
  static std::once_flag opted_in[kMaxDevices];
  int device = 0;
  TCA_CUDA_CHECK(cudaGetDevice(&device));
  if (device >= kMaxDevices) fail("more than 64 devices", __FILE__, __LINE__);
  std::call_once(opted_in[device], [&] {
    TCA_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        static_cast<int>(device_limits().shared_optin)));
  });
  const int64_t blocks_per_network = (B + S - 1) / S, blocks = E * blocks_per_network;
  if (blocks > INT32_MAX) throw std::invalid_argument("ops::rnn_forward_sequence: batch too large for one grid");
  const int threads = static_cast<int>(std::min<int64_t>(1024, (n + 31) / 32 * 32));
  const int64_t k = n + m + 1;
  kernel<<<static_cast<unsigned>(blocks), threads, bytes, stream()>>>(
      steps, E, B, blocks_per_network, static_cast<int>(n), static_cast<int>(m),
      static_cast<int>(odd_leading_dimension(k)),
      static_cast<int>(S), alpha, W, x, a0, a, dphi);
  TCA_CUDA_CHECK_LAUNCH();
}

}  // namespace

int64_t rnn_forward_sequence_max_hidden(int64_t m, size_t dtype_bytes) {
  const size_t limit = device_limits().shared_optin;
  int64_t n = 0;
  while (shared_bytes(n + 1, m, 1, dtype_bytes) <= limit) ++n;
  return n;
}

template <typename T>
void rnn_forward_sequence(int64_t steps, int64_t E, int64_t B, int64_t n, int64_t m, T alpha, const T* W,
                          const T* x, const T* a0, T* a, T* dphi) {
  const DeviceLimits limits = device_limits();
  if (shared_bytes(n, m, 1, sizeof(T)) > limits.shared_optin)
    throw std::invalid_argument(
        "ops::rnn_forward_sequence: n = " + std::to_string(n) + " with m = " + std::to_string(m) + " needs " +
        std::to_string(shared_bytes(n, m, 1, sizeof(T))) + " bytes of shared memory per block (W and the state, " +
        (sizeof(T) == 4 ? "float" : "double") + "), more than the " + std::to_string(limits.shared_optin) +
        " bytes this GPU allows (sharedMemPerBlockOptin); the largest n that fits is " +
        std::to_string(rnn_forward_sequence_max_hidden(m, sizeof(T))));
  if (steps == 0 || E == 0 || B == 0 || n == 0) return;
  if (static_cast<uint64_t>(n) * static_cast<uint64_t>(n + m + 1) > static_cast<uint64_t>(INT32_MAX))
    throw std::invalid_argument("ops::rnn_forward_sequence: W too large for 32-bit shared-memory indices");
  // Enough sequences per block that every multiprocessor gets about one block, at most 8,
  // no more than a network has (a block serves one network), and no more than fit beside W.
  const int64_t sms = std::max(1, limits.multiprocessors);
  int64_t S = std::min<int64_t>(kMaxSequencesPerBlock, std::max<int64_t>(1, (E * B + sms - 1) / sms));
  S = std::min(S, B);
  while (S > 1 && shared_bytes(n, m, S, sizeof(T)) > limits.shared_optin) --S;
  const size_t bytes = shared_bytes(n, m, S, sizeof(T));
  if (S == 1) return launch<T, 1>(steps, E, B, n, m, S, bytes, alpha, W, x, a0, a, dphi);
  if (S == 2) return launch<T, 2>(steps, E, B, n, m, S, bytes, alpha, W, x, a0, a, dphi);
  if (S <= 4) return launch<T, 4>(steps, E, B, n, m, S, bytes, alpha, W, x, a0, a, dphi);
  return launch<T, 8>(steps, E, B, n, m, S, bytes, alpha, W, x, a0, a, dphi);
}

TCA_INSTANTIATE_RNN_FORWARD_SEQUENCE_OPS(float)
TCA_INSTANTIATE_RNN_FORWARD_SEQUENCE_OPS(double)

}  // namespace tca::cuda
