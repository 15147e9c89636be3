// The explicit instantiations of every op for T = float and double, one macro per group of ops:
// each group is one file in kernels/cpu/ and its twin in kernels/cuda/ (the same base name),
// and both instantiate it with this one list. The signatures are those of
// kernels/op_signatures.inc.
#pragma once

// kernels/cpu/blas.cpp, kernels/cuda/blas.cu
#define TCA_INSTANTIATE_BLAS_OPS(T)                                                                           \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t,       \
    T, T*, int64_t);                                                                                          \
  template void gemm_strided_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, \
    const T*, int64_t, int64_t, T, T*, int64_t, int64_t, int64_t);                                            \
  template void gemv<T>(bool, int64_t, int64_t, T, const T*, int64_t, const T*, T, T*);                       \
  template void ger<T>(int64_t, int64_t, T, const T*, const T*, T*, int64_t);

// kernels/cpu/elementwise.cpp, kernels/cuda/elementwise.cu
#define TCA_INSTANTIATE_ELEMENTWISE_OPS(T)                        \
  template void fill<T>(T*, int64_t, T);                          \
  template void axpy<T>(int64_t, T, const T*, T*);                \
  template void scale<T>(int64_t, T, T*);                         \
  template void mul<T>(int64_t, T, const T*, const T*, T*);       \
  template void random_signs<T>(T*, int64_t, uint64_t, uint64_t); \
  template double dot<T>(int64_t, const T*, const T*);            \
  template double nrm2<T>(int64_t, const T*);

// kernels/cpu/rnn_ops.cpp, kernels/cuda/rnn_ops.cu
#define TCA_INSTANTIATE_RNN_OPS(T)                                                                         \
  template void build_presynaptic<T>(int64_t, int64_t, int64_t, const T*, const T*, T*);                   \
  template void leaky_tanh<T>(int64_t, T, const T*, T*, T*);                                               \
  template void recurrent_jacobian<T>(int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, T*);      \
  template void add_immediate_influence<T>(int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, T*); \
  template void output_error<T>(int64_t, int64_t, LossKind, T, const T*, const T*, const T*, T*, double*);

// kernels/cpu/row_ops.cpp, kernels/cuda/row_ops.cu
#define TCA_INSTANTIATE_ROW_OPS(T)                                                                         \
  template void row_norms<T>(int64_t, int64_t, const T*, double*);                                         \
  template void row_dots<T>(int64_t, int64_t, const T*, const T*, double*);                                \
  template void scale_add_rows<T>(int64_t, int64_t, const double*, const double*, const T*, T*);           \
  template void scale_add_outer_rows<T>(int64_t, int64_t, int64_t, const double*, const double*, const T*, \
    const T*, T*);                                                                                         \
  template void scale_add_diagonal_rows<T>(int64_t, int64_t, const double*, const double*, const T*, T*);  \
  template void add_weighted_rows<T>(int64_t, int64_t, const double*, const T*, T*);                       \
  template void kf_rtrl_factors<T>(int64_t, double, const double*, const T*, double*);

// kernels/cpu/spiking_ops.cpp, kernels/cuda/spiking_ops.cu
#define TCA_INSTANTIATE_SPIKING_OPS(T)                                                                       \
  template void concat_columns<T>(int64_t, int64_t, int64_t, const T*, const T*, T*);                        \
  template void fill_diagonal<T>(int64_t, int64_t, T, T*);                                                   \
  template void lif_step<T>(int64_t, int64_t, T, T, T, T, int64_t, const T*, const T*, T*, T*, T*, T*, T*);  \
  template void lif_backward_step<T>(int64_t, int64_t, T, T, T, const T*, const T*, const T*, const T*,      \
    const T*, T*, T*);                                                                                       \
  template void lif_jacobian<T>(int64_t, int64_t, int64_t, T, T, T, const T*, const T*, const T*, T*);       \
  template void spike_influence_step<T>(int64_t, int64_t, int64_t, T, const T*, const T*, const T*, T*, T*); \
  template void eprop_trace_step<T>(int64_t, int64_t, int64_t, T, T, const T*, const T*, const T*, const T*, \
    const T*, T*, T*, T*);

// kernels/cpu/trace_ops.cpp, kernels/cuda/trace_ops.cu
#define TCA_INSTANTIATE_TRACE_OPS(T)                                                                       \
  template void jacobian_diagonal<T>(int64_t, int64_t, int64_t, T, const T*, const T*, T*);                \
  template void eligibility_trace_step<T>(int64_t, int64_t, int64_t, T, const T*, const T*, const T*, T*); \
  template void add_signal_times_trace<T>(int64_t, int64_t, int64_t, const T*, const T*, T*);              \
  template void trace_step_and_gradient<T>(int64_t, int64_t, int64_t, T, const T*, const T*, const T*,     \
                                           const T*, T*, T*);                                               \
  template void add_diagonal<T>(int64_t, T, const T*, T*);

// kernels/cpu/optimizer.cpp, kernels/cuda/optimizer.cu
#define TCA_INSTANTIATE_OPTIMIZER_OPS(T)                                            \
  template void adam_update<T>(int64_t, T, T, T, T, T, T, T, const T*, T*, T*, T*);

// kernels/cpu/rnn_forward_sequence.cpp, kernels/cuda/rnn_forward_sequence.cu
#define TCA_INSTANTIATE_RNN_FORWARD_SEQUENCE_OPS(T)                                                                            \
  template void rnn_forward_sequence<T>(int64_t, int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, const T*, T*, T*);
