// CUDA implementations of the backend ops on device pointers (T = float or double), with the
// very signatures of kernels/cpu/ops_cpu.h so kernels/ops.cpp can pick either. The launchers
// there check shapes before calling these. Every CUDA and cuBLAS call is checked; kernels
// run on the default stream, and reductions returning a double synchronise.
#pragma once

#include <cstdint>

#include "kernels/loss_kind.h"

namespace tca::cuda {

template <typename T> void fill(T* x, int64_t n, T value);
template <typename T> void axpy(int64_t n, T alpha, const T* x, T* y);
template <typename T> void scale(int64_t n, T alpha, T* x);
template <typename T> void mul(int64_t n, T alpha, const T* x, const T* y, T* out);
template <typename T> void random_signs(T* x, int64_t n, uint64_t seed, uint64_t step);
template <typename T> double dot(int64_t n, const T* x, const T* y);
template <typename T> double nrm2(int64_t n, const T* x);
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);
template <typename T>
void gemv(bool trans, int64_t M, int64_t N, T alpha, const T* A, int64_t lda, const T* x,
          T beta, T* y);
template <typename T>
void ger(int64_t M, int64_t N, T alpha, const T* x, const T* y, T* A, int64_t lda);
template <typename T>
void build_presynaptic(int64_t B, int64_t n, int64_t m, const T* a_prev, const T* x, T* ahat);
template <typename T>
void leaky_tanh(int64_t count, T alpha, const T* h, T* a, T* dphi);
template <typename T>
void recurrent_jacobian(int64_t n, int64_t k, T alpha, const T* W, const T* dphi, T* J);
template <typename T>
void add_immediate_influence(int64_t B, int64_t n, int64_t k, T scale, const T* dphi,
                             const T* ahat, T* M);
// eligibility traces (rflo, eprop, snap1)
template <typename T>
void jacobian_diagonal(int64_t B, int64_t n, int64_t k, T alpha, const T* W, const T* dphi, T* jdiag);
template <typename T>
void eligibility_trace_step(int64_t B, int64_t n, int64_t k, T scale, const T* decay, const T* dphi,
                            const T* ahat, T* E);
template <typename T>
void add_signal_times_trace(int64_t B, int64_t n, int64_t k, const T* L, const T* E, T* G);
// A += scale diag(d) (uoro, kf_rtrl, rkf_rtrl)
template <typename T> void add_diagonal(int64_t n, T scale, const T* d, T* A);
template <typename T>
double output_error(int64_t B, int64_t o, LossKind loss, T scale, const T* y, const T* target,
                    const T* mask, T* e);

}  // namespace tca::cuda
