// Launchers: validate, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <string>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cuda_backend.h"
#include "kernels/rule_factors.h"

namespace tca::ops {

namespace {

[[noreturn]] void fail(const char* op, const std::string& why) {
  throw std::invalid_argument(std::string("ops::") + op + ": " + why);
}

// The checks below run a few dozen times per rule step, so each is a few inlined comparisons;
// the messages are built out of line, only on failure.
[[noreturn, gnu::noinline, gnu::cold]] void fail_backends(const char* op, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) fail(op, "undefined tensor");
  fail(op, "mixed backends: " + a.describe() + " and " + b.describe());
}

inline void same_backend(const char* op, const Tensor& a, const Tensor& b) {
  if (__builtin_expect(!a.defined() || !b.defined() || a.device() != b.device() || a.dtype() != b.dtype(), 0))
    fail_backends(op, a, b);
}

[[noreturn, gnu::noinline, gnu::cold]] void fail_sizes(const char* op, const Tensor& a, const Tensor& b) {
  fail(op, "sizes differ: " + a.describe() + " and " + b.describe());
}

inline void same_numel(const char* op, const Tensor& a, const Tensor& b) {
  if (__builtin_expect(a.numel() != b.numel(), 0)) fail_sizes(op, a, b);
}

[[noreturn, gnu::noinline, gnu::cold]] void fail_block(const char* op, const char* name, const Tensor& t, int64_t rows,
                                                       int64_t cols, int64_t ld) {
  if (rows < 0 || cols < 0 || ld < cols || ld < 1) fail(op, std::string("bad sizes for ") + name);
  fail(op, std::string(name) + " block " + std::to_string(rows) + "x" + std::to_string(cols) + " (ld " +
               std::to_string(ld) + ") exceeds " + t.describe());
}

// A rows x cols block with leading dimension ld must lie inside the tensor.
inline void fits(const char* op, const char* name, const Tensor& t, int64_t rows, int64_t cols, int64_t ld) {
  if (__builtin_expect(rows < 0 || cols < 0 || ld < cols || ld < 1 ||
                           (rows > 0 && cols > 0 && (rows - 1) * ld + cols > t.numel()),
                       0))
    fail_block(op, name, t, rows, cols, ld);
}

[[noreturn, gnu::noinline, gnu::cold]] void fail_shape(const char* op, const char* name, const Tensor& t,
                                                       const Shape& shape) {
  std::string want = "[";
  for (size_t i = 0; i < shape.size(); ++i) want += (i ? ", " : "") + std::to_string(shape[i]);
  fail(op, std::string(name) + " is " + t.describe() + ", expected shape " + want + "]");
}

// Whether the elements of two tensors share a byte: views of one storage can.
bool overlap(const Tensor& a, const Tensor& b) {
  const auto first_a = reinterpret_cast<uintptr_t>(a.data()), first_b = reinterpret_cast<uintptr_t>(b.data());
  return first_a < first_b + b.bytes() && first_b < first_a + a.bytes();
}

// A braced list becomes a Shape in place (no allocation: a rule's step calls this a few dozen
// times).
inline void expect_shape(const char* op, const char* name, const Tensor& t, const Shape& shape) {
  if (__builtin_expect(t.shape() != shape, 0)) fail_shape(op, name, t, shape);
}

// Calls f(T{}) with T the C++ type of dtype.
template <typename F>
decltype(auto) on_dtype(DType dtype, F&& f) {
  if (dtype == DType::f32) return f(float{});
  return f(double{});
}

}  // namespace

// Each launcher checks its arguments, then calls TCA_CALL(op)(...): the CPU or CUDA
// implementation of op for the tensors' dtype T. Both have the same signature
// (kernels/op_signatures.inc); the CUDA one is reached through the table of the CUDA backend,
// loaded on first use (kernels/cuda_backend.h). Without the CUDA backend no CUDA tensor can
// exist (allocation refuses), and the table refuses to load.
#define TCA_CALL(op) (device == Device::cuda ? cuda_backend::ops<T>().op : &cpu::op<T>)
// The same for ops with one implementation per backend, not one per dtype.
#define TCA_CALL_UNTYPED(op) (device == Device::cuda ? cuda_backend::table().op : &cpu::op)

void fill(Tensor& x, double value) {
  if (!x.defined()) fail("fill", "undefined tensor");
  const Device device = x.device();
  const DType dtype = x.dtype();
  on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(fill)(x.data_as<T>(), x.numel(), static_cast<T>(value));
  });
}

void copy(Tensor& dst, const Tensor& src) {
  same_backend("copy", dst, src);
  same_numel("copy", dst, src);
  dst.copy_from(src);
}

void axpy(double alpha, const Tensor& x, Tensor& y) {
  same_backend("axpy", x, y);
  same_numel("axpy", x, y);
  const Device device = y.device();
  const DType dtype = y.dtype();
  on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(axpy)(y.numel(), static_cast<T>(alpha), x.data_as<T>(), y.data_as<T>());
  });
}

void scale(Tensor& x, double alpha) {
  if (!x.defined()) fail("scale", "undefined tensor");
  const Device device = x.device();
  const DType dtype = x.dtype();
  on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(scale)(x.numel(), static_cast<T>(alpha), x.data_as<T>());
  });
}

void mul(Tensor& out, const Tensor& x, const Tensor& y, double alpha) {
  same_backend("mul", out, x);
  same_backend("mul", out, y);
  same_numel("mul", out, x);
  same_numel("mul", out, y);
  const Device device = out.device();
  const DType dtype = out.dtype();
  on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(mul)(out.numel(), static_cast<T>(alpha), x.data_as<T>(), y.data_as<T>(),
                out.data_as<T>());
  });
}

void random_signs(Tensor& x, uint64_t seed, uint64_t step) {
  if (!x.defined()) fail("random_signs", "undefined tensor");
  const Device device = x.device();
  on_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(random_signs)(x.data_as<T>(), x.numel(), seed, step);
  });
}

double dot(const Tensor& x, const Tensor& y) {
  same_backend("dot", x, y);
  same_numel("dot", x, y);
  const Device device = x.device();
  const DType dtype = x.dtype();
  return on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    return TCA_CALL(dot)(x.numel(), x.data_as<T>(), y.data_as<T>());
  });
}

double nrm2(const Tensor& x) {
  if (!x.defined()) fail("nrm2", "undefined tensor");
  const Device device = x.device();
  const DType dtype = x.dtype();
  return on_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    return TCA_CALL(nrm2)(x.numel(), x.data_as<T>());
  });
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
          const Tensor& A, int64_t lda, const Tensor& B, int64_t ldb, double beta, Tensor& C,
          int64_t ldc) {
  same_backend("gemm", C, A);
  same_backend("gemm", C, B);
  fits("gemm", "A", A, trans_a ? K : M, trans_a ? M : K, lda);
  fits("gemm", "B", B, trans_b ? N : K, trans_b ? K : N, ldb);
  fits("gemm", "C", C, M, N, ldc);
  const Device device = C.device();
  on_dtype(C.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(gemm)(trans_a, trans_b, M, N, K, static_cast<T>(alpha), A.data_as<T>(), lda,
                 B.data_as<T>(), ldb, static_cast<T>(beta), C.data_as<T>(), ldc);
  });
}

void gemm_strided_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
                          const Tensor& A, int64_t lda, int64_t stride_a, const Tensor& B, int64_t ldb,
                          int64_t stride_b, double beta, Tensor& C, int64_t ldc, int64_t stride_c, int64_t batch,
                          MatmulPrecision precision) {
  same_backend("gemm_strided_batched", C, A);
  same_backend("gemm_strided_batched", C, B);
  if (batch < 1 || stride_a < 0 || stride_b < 0 || stride_c < 0) fail("gemm_strided_batched", "bad batch or stride");
  // The last matrix of each operand must lie inside its tensor (the first is checked by fits).
  auto last_fits = [&](const char* name, const Tensor& t, int64_t rows, int64_t cols, int64_t ld, int64_t stride) {
    fits("gemm_strided_batched", name, t, rows, cols, ld);
    if (rows > 0 && cols > 0 && (batch - 1) * stride + (rows - 1) * ld + cols > t.numel())
      fail("gemm_strided_batched", std::string(name) + ": the batch runs past the end of " + t.describe());
  };
  last_fits("A", A, trans_a ? K : M, trans_a ? M : K, lda, stride_a);
  last_fits("B", B, trans_b ? N : K, trans_b ? K : N, ldb, stride_b);
  last_fits("C", C, M, N, ldc, stride_c);
  if (stride_c < M * ldc && batch > 1) fail("gemm_strided_batched", "outputs of the batch overlap");
  const Device device = C.device();
  if (precision == MatmulPrecision::tf32) {
    if (C.dtype() != DType::f32) fail("gemm_strided_batched", "TF32 products take float tensors, not " + C.describe());
    TCA_CALL_UNTYPED(gemm_strided_batched_tf32)(trans_a, trans_b, M, N, K, static_cast<float>(alpha),
                                                A.data_as<float>(), lda, stride_a, B.data_as<float>(), ldb, stride_b,
                                                static_cast<float>(beta), C.data_as<float>(), ldc, stride_c, batch);
    return;
  }
  on_dtype(C.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(gemm_strided_batched)(trans_a, trans_b, M, N, K, static_cast<T>(alpha), A.data_as<T>(), lda, stride_a,
                                   B.data_as<T>(), ldb, stride_b, static_cast<T>(beta), C.data_as<T>(), ldc, stride_c,
                                   batch);
  });
}

void gemv(bool trans, int64_t M, int64_t N, double alpha, const Tensor& A, int64_t lda,
          const Tensor& x, double beta, Tensor& y) {
  same_backend("gemv", y, A);
  same_backend("gemv", y, x);
  fits("gemv", "A", A, M, N, lda);
  if (x.numel() < (trans ? M : N) || y.numel() < (trans ? N : M)) fail("gemv", "x or y too short");
  const Device device = y.device();
  on_dtype(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(gemv)(trans, M, N, static_cast<T>(alpha), A.data_as<T>(), lda, x.data_as<T>(),
                 static_cast<T>(beta), y.data_as<T>());
  });
}

void ger(int64_t M, int64_t N, double alpha, const Tensor& x, const Tensor& y, Tensor& A,
         int64_t lda) {
  same_backend("ger", A, x);
  same_backend("ger", A, y);
  fits("ger", "A", A, M, N, lda);
  if (x.numel() < M || y.numel() < N) fail("ger", "x or y too short");
  const Device device = A.device();
  on_dtype(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(ger)(M, N, static_cast<T>(alpha), x.data_as<T>(), y.data_as<T>(), A.data_as<T>(), lda);
  });
}

void build_presynaptic(Tensor& ahat, const Tensor& a_prev, const Tensor& x) {
  same_backend("build_presynaptic", ahat, a_prev);
  same_backend("build_presynaptic", ahat, x);
  if (a_prev.rank() != 2 || x.rank() != 2) fail("build_presynaptic", "a_prev and x must be [B, .]");
  const int64_t B = a_prev.dim(0), n = a_prev.dim(1), m = x.dim(1);
  expect_shape("build_presynaptic", "x", x, {B, m});
  expect_shape("build_presynaptic", "ahat", ahat, {B, n + m + 1});
  const Device device = ahat.device();
  on_dtype(ahat.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(build_presynaptic)(B, n, m, a_prev.data_as<T>(), x.data_as<T>(), ahat.data_as<T>());
  });
}

void leaky_tanh(Tensor& a, Tensor& dphi, const Tensor& h, double alpha) {
  same_backend("leaky_tanh", a, dphi);
  same_backend("leaky_tanh", a, h);
  expect_shape("leaky_tanh", "dphi", dphi, a.shape());
  expect_shape("leaky_tanh", "h", h, a.shape());
  const Device device = a.device();
  on_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(leaky_tanh)(a.numel(), static_cast<T>(alpha), h.data_as<T>(), a.data_as<T>(),
                       dphi.data_as<T>());
  });
}

void recurrent_jacobian(Tensor& J, const Tensor& W, const Tensor& dphi, double alpha) {
  same_backend("recurrent_jacobian", J, W);
  same_backend("recurrent_jacobian", J, dphi);
  if (W.rank() != 2) fail("recurrent_jacobian", "W must be n x k");
  const int64_t n = W.dim(0), k = W.dim(1);
  if (k <= n) fail("recurrent_jacobian", "W must be n x k with k > n");
  // One sequence (dphi [n], J [n, n]) or a batch (dphi [B, n], J [B, rows >= n, n]).
  int64_t B = 1, rows = n;
  if (dphi.rank() == 1) {
    if (dphi.numel() != n) fail("recurrent_jacobian", "dphi must have n elements");
    expect_shape("recurrent_jacobian", "J", J, {n, n});
  } else {
    if (dphi.rank() != 2 || dphi.dim(1) != n) fail("recurrent_jacobian", "dphi must be [n] or [B, n]");
    B = dphi.dim(0);
    if (J.rank() != 3 || J.dim(0) != B || J.dim(1) < n || J.dim(2) != n)
      fail("recurrent_jacobian", "J is " + J.describe() + ", expected [B, rows >= n, n]");
    rows = J.dim(1);
  }
  const Device device = J.device();
  on_dtype(J.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(recurrent_jacobian)(B, n, k, rows, static_cast<T>(alpha), W.data_as<T>(), dphi.data_as<T>(),
                                 J.data_as<T>());
  });
}

void add_immediate_influence(Tensor& M, const Tensor& dphi, const Tensor& ahat, double scale) {
  same_backend("add_immediate_influence", M, dphi);
  same_backend("add_immediate_influence", M, ahat);
  if (dphi.rank() != 2 || ahat.rank() != 2) fail("add_immediate_influence", "dphi, ahat: [B, .]");
  const int64_t B = dphi.dim(0), n = dphi.dim(1), k = ahat.dim(1);
  expect_shape("add_immediate_influence", "ahat", ahat, {B, k});
  if (M.rank() != 3 || M.dim(0) != B || M.dim(1) < n || M.dim(2) != n * k)
    fail("add_immediate_influence", "M is " + M.describe() + ", expected [B, rows >= n, n k] with B = " +
                                        std::to_string(B) + ", n = " + std::to_string(n) + ", k = " + std::to_string(k));
  const int64_t rows = M.dim(1);
  const Device device = M.device();
  on_dtype(M.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(add_immediate_influence)(B, n, k, rows, static_cast<T>(scale), dphi.data_as<T>(),
                                    ahat.data_as<T>(), M.data_as<T>());
  });
}

void rnn_forward_sequence(Tensor& a, Tensor& dphi, const Tensor& W, const Tensor& x, const Tensor& a0,
                          double alpha) {
  same_backend("rnn_forward_sequence", a, dphi);
  same_backend("rnn_forward_sequence", a, W);
  same_backend("rnn_forward_sequence", a, x);
  same_backend("rnn_forward_sequence", a, a0);
  // One network (W [n, k]) or an ensemble (W [E, n, k]): the ensemble adds a dimension E to
  // every tensor, after T in x, a and dphi.
  const bool ensemble = W.rank() == 3;
  if (!ensemble && W.rank() != 2) fail("rnn_forward_sequence", "W must be [n, k] or [E, n, k], got " + W.describe());
  const int64_t E = ensemble ? W.dim(0) : 1, n = W.dim(ensemble ? 1 : 0), k = W.dim(ensemble ? 2 : 1);
  if (x.rank() != (ensemble ? 4 : 3))
    fail("rnn_forward_sequence", "x is " + x.describe() + ", expected " + (ensemble ? "[T, E, B, m]" : "[T, B, m]"));
  const int64_t steps = x.dim(0), B = x.dim(ensemble ? 2 : 1), m = x.dim(ensemble ? 3 : 2);
  if (ensemble) expect_shape("rnn_forward_sequence", "x", x, {steps, E, B, m});
  if (k != n + m + 1)
    fail("rnn_forward_sequence", "W is " + W.describe() + ", expected n x (n + m + 1) with m = " + std::to_string(m) +
                                     " inputs (x is " + x.describe() + ")");
  using Shape = std::vector<int64_t>;
  expect_shape("rnn_forward_sequence", "a0", a0, ensemble ? Shape{E, B, n} : Shape{B, n});
  expect_shape("rnn_forward_sequence", "a", a, ensemble ? Shape{steps, E, B, n} : Shape{steps, B, n});
  expect_shape("rnn_forward_sequence", "dphi", dphi, a.shape());
  if (!(alpha > 0.0 && alpha <= 1.0)) fail("rnn_forward_sequence", "alpha must lie in (0, 1]");
  const Device device = a.device();
  on_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(rnn_forward_sequence)(steps, E, B, n, m, static_cast<T>(alpha), W.data_as<T>(), x.data_as<T>(),
                                   a0.data_as<T>(), a.data_as<T>(), dphi.data_as<T>());
  });
}

int64_t rnn_forward_sequence_max_hidden(Device device, DType dtype, int64_t m) {
  if (m < 0) fail("rnn_forward_sequence_max_hidden", "m must be at least 0");
  return TCA_CALL_UNTYPED(rnn_forward_sequence_max_hidden)(m, dtype_size(dtype));
}

// ---- local eligibility traces (rflo, eprop, snap1) -------------------------------------------
void jacobian_diagonal(Tensor& jdiag, const Tensor& W, const Tensor& dphi, double alpha) {
  same_backend("jacobian_diagonal", jdiag, W);
  same_backend("jacobian_diagonal", jdiag, dphi);
  if (W.rank() != 2 || dphi.rank() != 2) fail("jacobian_diagonal", "W must be n x k, dphi [B, n]");
  const int64_t n = W.dim(0), k = W.dim(1), B = dphi.dim(0);
  if (k <= n) fail("jacobian_diagonal", "W must be n x k with k > n");
  expect_shape("jacobian_diagonal", "dphi", dphi, {B, n});
  expect_shape("jacobian_diagonal", "jdiag", jdiag, {B, n});
  const Device device = jdiag.device();
  on_dtype(jdiag.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(jacobian_diagonal)(B, n, k, static_cast<T>(alpha), W.data_as<T>(), dphi.data_as<T>(),
                              jdiag.data_as<T>());
  });
}

// The operands of a trace step on E's backend: dphi, decay [B, n], ahat [B, k], E [B, n, k].
// Returns {B, n, k}.
std::array<int64_t, 3> trace_step_sizes(const char* op, const Tensor& E, const Tensor& decay, const Tensor& dphi,
                                        const Tensor& ahat) {
  same_backend(op, E, decay);
  same_backend(op, E, dphi);
  same_backend(op, E, ahat);
  if (dphi.rank() != 2 || ahat.rank() != 2) fail(op, "dphi, ahat: [B, .]");
  const int64_t B = dphi.dim(0), n = dphi.dim(1), k = ahat.dim(1);
  expect_shape(op, "ahat", ahat, {B, k});
  expect_shape(op, "decay", decay, {B, n});
  expect_shape(op, "E", E, {B, n, k});
  return {B, n, k};
}

void eligibility_trace_step(Tensor& E, const Tensor& decay, const Tensor& dphi, const Tensor& ahat,
                            double scale) {
  const auto [B, n, k] = trace_step_sizes("eligibility_trace_step", E, decay, dphi, ahat);
  const Device device = E.device();
  on_dtype(E.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(eligibility_trace_step)(B, n, k, static_cast<T>(scale), decay.data_as<T>(),
                                   dphi.data_as<T>(), ahat.data_as<T>(), E.data_as<T>());
  });
}

void add_signal_times_trace(Tensor& G, const Tensor& L, const Tensor& E) {
  same_backend("add_signal_times_trace", G, L);
  same_backend("add_signal_times_trace", G, E);
  if (E.rank() != 3) fail("add_signal_times_trace", "E must be [B, n, k], got " + E.describe());
  const int64_t B = E.dim(0), n = E.dim(1), k = E.dim(2);
  expect_shape("add_signal_times_trace", "L", L, {B, n});
  expect_shape("add_signal_times_trace", "G", G, {n, k});
  const Device device = G.device();
  on_dtype(G.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(add_signal_times_trace)(B, n, k, L.data_as<T>(), E.data_as<T>(), G.data_as<T>());
  });
}
void trace_step_and_gradient(Tensor& E, Tensor& G, const Tensor& decay, const Tensor& dphi, const Tensor& ahat,
                             const Tensor& L, double scale) {
  const auto [B, n, k] = trace_step_sizes("trace_step_and_gradient", E, decay, dphi, ahat);
  same_backend("trace_step_and_gradient", E, G);
  same_backend("trace_step_and_gradient", E, L);
  expect_shape("trace_step_and_gradient", "L", L, {B, n});
  expect_shape("trace_step_and_gradient", "G", G, {n, k});
  // The CPU loop reads and writes E, G and ahat as separate arrays (its vector loops assume so).
  if (overlap(E, G) || overlap(ahat, E) || overlap(ahat, G))
    fail("trace_step_and_gradient", "E, G and ahat must not overlap");
  const Device device = E.device();
  on_dtype(E.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(trace_step_and_gradient)(B, n, k, static_cast<T>(scale), decay.data_as<T>(), dphi.data_as<T>(),
                                      ahat.data_as<T>(), L.data_as<T>(), E.data_as<T>(), G.data_as<T>());
  });
}
// ---- diagonal add (uoro, kf_rtrl, rkf_rtrl) ------------------------------------------------------
void add_diagonal(Tensor& A, const Tensor& d, double scale) {
  same_backend("add_diagonal", A, d);
  if (A.rank() != 2 || A.dim(0) != A.dim(1))
    fail("add_diagonal", "A is " + A.describe() + ", expected a square matrix");
  const int64_t n = A.dim(0);
  if (d.numel() != n)
    fail("add_diagonal", "d is " + d.describe() + ", expected " + std::to_string(n) + " elements");
  const Device device = A.device();
  on_dtype(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(add_diagonal)(n, static_cast<T>(scale), d.data_as<T>(), A.data_as<T>());
  });
}

namespace {

// Rows and row length of a tensor whose first dimension indexes sequences.
std::pair<int64_t, int64_t> row_shape(const char* op, const Tensor& X) {
  if (!X.defined() || X.rank() < 1 || X.dim(0) < 1) fail(op, "expected a [B, ...] tensor");
  return {X.dim(0), X.numel() / X.dim(0)};
}

// Per-sequence scalars: a double [rows] tensor on the device of the data.
void expect_row_scalars(const char* op, const char* name, const Tensor& s, int64_t rows, const Tensor& data) {
  if (!s.defined() || s.dtype() != DType::f64 || s.device() != data.device() ||
      s.shape() != Shape{rows})
    fail(op, std::string(name) + " is " + s.describe() + ", expected double [" + std::to_string(rows) +
                 "] on " + to_string(data.device()));
}

// A [rows, B] double tensor of per-sequence scalars (norms or factors) on `device`.
int64_t expect_scalar_table(const char* op, const char* name, const Tensor& t, int64_t rows, Device device) {
  if (!t.defined() || t.dtype() != DType::f64 || t.device() != device || t.rank() != 2 || t.dim(0) != rows ||
      t.dim(1) < 1)
    fail(op, std::string(name) + " is " + t.describe() + ", expected double [" + std::to_string(rows) +
                 ", B] on " + to_string(device));
  return t.dim(1);
}

}  // namespace

void row_norms(Tensor& out, const Tensor& X) {
  const auto [rows, cols] = row_shape("row_norms", X);
  expect_row_scalars("row_norms", "out", out, rows, X);
  const Device device = X.device();
  on_dtype(X.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(row_norms)(rows, cols, X.data_as<T>(), out.data_as<double>());
  });
}

void row_dots(Tensor& out, const Tensor& X, const Tensor& Y) {
  same_backend("row_dots", X, Y);
  if (X.shape() != Y.shape()) fail("row_dots", "shapes differ: " + X.describe() + " and " + Y.describe());
  const auto [rows, cols] = row_shape("row_dots", X);
  expect_row_scalars("row_dots", "out", out, rows, X);
  const Device device = X.device();
  on_dtype(X.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(row_dots)(rows, cols, X.data_as<T>(), Y.data_as<T>(), out.data_as<double>());
  });
}

void scale_add_rows(Tensor& Y, const Tensor& sy, const Tensor& sx, const Tensor& X) {
  same_backend("scale_add_rows", X, Y);
  if (X.shape() != Y.shape()) fail("scale_add_rows", "shapes differ: " + X.describe() + " and " + Y.describe());
  const auto [rows, cols] = row_shape("scale_add_rows", Y);
  expect_row_scalars("scale_add_rows", "sy", sy, rows, Y);
  expect_row_scalars("scale_add_rows", "sx", sx, rows, Y);
  const Device device = Y.device();
  on_dtype(Y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(scale_add_rows)(rows, cols, sy.data_as<double>(), sx.data_as<double>(), X.data_as<T>(),
                             Y.data_as<T>());
  });
}

void scale_add_outer_rows(Tensor& A, const Tensor& sa, const Tensor& sxy, const Tensor& x, const Tensor& y) {
  same_backend("scale_add_outer_rows", A, x);
  same_backend("scale_add_outer_rows", A, y);
  if (x.rank() != 2 || y.rank() != 2) fail("scale_add_outer_rows", "x and y must be [B, .]");
  const int64_t B = x.dim(0), M = x.dim(1), N = y.dim(1);
  expect_shape("scale_add_outer_rows", "y", y, {B, N});
  expect_shape("scale_add_outer_rows", "A", A, {B, M, N});
  expect_row_scalars("scale_add_outer_rows", "sa", sa, B, A);
  expect_row_scalars("scale_add_outer_rows", "sxy", sxy, B, A);
  const Device device = A.device();
  on_dtype(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(scale_add_outer_rows)(B, M, N, sa.data_as<double>(), sxy.data_as<double>(), x.data_as<T>(),
                                   y.data_as<T>(), A.data_as<T>());
  });
}

void scale_add_diagonal_rows(Tensor& A, const Tensor& sa, const Tensor& sd, const Tensor& d) {
  same_backend("scale_add_diagonal_rows", A, d);
  if (d.rank() != 2) fail("scale_add_diagonal_rows", "d must be [B, n]");
  const int64_t B = d.dim(0), n = d.dim(1);
  expect_shape("scale_add_diagonal_rows", "A", A, {B, n, n});
  expect_row_scalars("scale_add_diagonal_rows", "sa", sa, B, A);
  expect_row_scalars("scale_add_diagonal_rows", "sd", sd, B, A);
  const Device device = A.device();
  on_dtype(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(scale_add_diagonal_rows)(B, n, sa.data_as<double>(), sd.data_as<double>(), d.data_as<T>(),
                                      A.data_as<T>());
  });
}

void add_weighted_rows(Tensor& G, const Tensor& w, const Tensor& X) {
  same_backend("add_weighted_rows", G, X);
  const auto [rows, cols] = row_shape("add_weighted_rows", X);
  if (G.numel() != cols)
    fail("add_weighted_rows", "G is " + G.describe() + ", expected " + std::to_string(cols) +
                                  " elements (one row of " + X.describe() + ")");
  expect_row_scalars("add_weighted_rows", "w", w, rows, X);
  const Device device = G.device();
  on_dtype(G.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(add_weighted_rows)(rows, cols, w.data_as<double>(), X.data_as<T>(), G.data_as<T>());
  });
}

void uoro_factors(Tensor& factors, const Tensor& norms, double epsilon) {
  const Device device = norms.device();
  const int64_t B = expect_scalar_table("uoro_factors", "norms", norms, uoro_norm_count, device);
  expect_scalar_table("uoro_factors", "factors", factors, uoro_factor_count, device);
  if (factors.dim(1) != B) fail("uoro_factors", "norms and factors differ in B");
  TCA_CALL_UNTYPED(uoro_factors)(B, epsilon, norms.data_as<double>(), factors.data_as<double>());
}

void kf_rtrl_factors(Tensor& factors, const Tensor& norms, const Tensor& signs, double alpha) {
  const Device device = norms.device();
  const int64_t B = expect_scalar_table("kf_rtrl_factors", "norms", norms, kf_norm_count, device);
  expect_scalar_table("kf_rtrl_factors", "factors", factors, kf_factor_count, device);
  if (factors.dim(1) != B) fail("kf_rtrl_factors", "norms and factors differ in B");
  if (!signs.defined() || signs.device() != device) fail("kf_rtrl_factors", "signs must be on the device of norms");
  expect_shape("kf_rtrl_factors", "signs", signs, {B, 2});
  on_dtype(signs.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(kf_rtrl_factors)(B, alpha, norms.data_as<double>(), signs.data_as<T>(), factors.data_as<double>());
  });
}

void rkf_rtrl_factors(Tensor& factors, const Tensor& norms) {
  const Device device = norms.device();
  const int64_t B = expect_scalar_table("rkf_rtrl_factors", "norms", norms, rkf_norm_count, device);
  expect_scalar_table("rkf_rtrl_factors", "factors", factors, rkf_factor_count, device);
  if (factors.dim(1) != B) fail("rkf_rtrl_factors", "norms and factors differ in B");
  TCA_CALL_UNTYPED(rkf_rtrl_factors)(B, norms.data_as<double>(), factors.data_as<double>());
}

void output_error(Tensor& e, const Tensor& y, const Tensor& target, const Tensor& mask,
                  LossKind loss, double scale, Tensor& loss_sum) {
  same_backend("output_error", e, y);
  same_backend("output_error", e, target);
  same_backend("output_error", e, mask);
  if (y.rank() != 2) fail("output_error", "y must be [B, o]");
  const int64_t B = y.dim(0), o = y.dim(1);
  if (o < 1) fail("output_error", "no outputs (o = 0)");
  expect_shape("output_error", "e", e, {B, o});
  expect_shape("output_error", "target", target, {B, o});
  expect_shape("output_error", "mask", mask, {B});
  expect_shape("output_error", "loss_sum", loss_sum, {B});
  if (loss_sum.dtype() != DType::f64 || loss_sum.device() != e.device())
    fail("output_error", "loss_sum must be a double tensor on the device of e, got " + loss_sum.describe());
  const Device device = e.device();
  on_dtype(e.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(output_error)(B, o, loss, static_cast<T>(scale), y.data_as<T>(), target.data_as<T>(),
                           mask.data_as<T>(), e.data_as<T>(), loss_sum.data_as<double>());
  });
}

void adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, double lr, double beta1,
                 double beta2, double eps, int64_t step, double grad_scale) {
  for (const Tensor* t : {&grad, static_cast<const Tensor*>(&m), static_cast<const Tensor*>(&v)}) {
    same_backend("adam_update", param, *t);
    same_numel("adam_update", param, *t);
  }
  if (step < 1) fail("adam_update", "step must be >= 1");
  const double bias1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double bias2 = 1 - std::pow(beta2, static_cast<double>(step));
  const Device device = param.device();
  on_dtype(param.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(adam_update)(param.numel(), static_cast<T>(lr), static_cast<T>(beta1), static_cast<T>(beta2),
                          static_cast<T>(eps), static_cast<T>(bias1), static_cast<T>(bias2),
                          static_cast<T>(grad_scale), grad.data_as<T>(), m.data_as<T>(), v.data_as<T>(),
                          param.data_as<T>());
  });
}

// ---- spiking network --------------------------------------------------------------------------
namespace {

// A tensor's data, or nullptr for an absent (undefined) optional operand.
template <typename T>
T* optional_data(const Tensor& t) {
  return t.defined() ? t.data_as<T>() : nullptr;
}

// Shape and backend of an optional operand, when present.
void optional_operand(const char* op, const char* name, const Tensor& t, const Tensor& like, const Shape& shape) {
  if (!t.defined()) return;
  same_backend(op, t, like);
  expect_shape(op, name, t, shape);
}

// beta [n] and the [B, n] operands of a spiking op; returns {B, n}.
std::pair<int64_t, int64_t> neuron_shape(const char* op, const Tensor& like, const Tensor& beta) {
  if (like.rank() != 2) fail(op, "expected a [B, n] tensor, got " + like.describe());
  same_backend(op, like, beta);
  expect_shape(op, "beta", beta, {like.dim(1)});
  return {like.dim(0), like.dim(1)};
}

}  // namespace

void concat_columns(Tensor& out, const Tensor& left, const Tensor& right) {
  same_backend("concat_columns", out, left);
  same_backend("concat_columns", out, right);
  if (left.rank() != 2 || right.rank() != 2) fail("concat_columns", "left and right must be [B, .]");
  const int64_t B = left.dim(0), n = left.dim(1), m = right.dim(1);
  expect_shape("concat_columns", "right", right, {B, m});
  expect_shape("concat_columns", "out", out, {B, n + m});
  const Device device = out.device();
  on_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(concat_columns)(B, n, m, left.data_as<T>(), right.data_as<T>(), out.data_as<T>());
  });
}

void fill_diagonal(Tensor& A, double value) {
  if (!A.defined() || A.rank() != 2) fail("fill_diagonal", "A must be a matrix");
  const Device device = A.device();
  on_dtype(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(fill_diagonal)(A.dim(0), A.dim(1), static_cast<T>(value), A.data_as<T>());
  });
}

void lif_step(Tensor& v, Tensor& a, Tensor& z, Tensor& psi, Tensor& refractory_left, const Tensor& I,
              const Tensor& beta, const LifConstants& c) {
  const char* op = "lif_step";
  const auto [B, n] = neuron_shape(op, v, beta);
  for (const Tensor* t : std::initializer_list<const Tensor*>{&a, &z, &psi, &refractory_left, &I}) {
    same_backend(op, v, *t);
    expect_shape(op, "a, z, psi, refractory_left and I", *t, {B, n});
  }
  if (c.refractory < 1) fail(op, "refractory must be at least 1 step");
  if (!(c.v_th > 0)) fail(op, "v_th must be positive");
  const Device device = v.device();
  on_dtype(v.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(lif_step)(B, n, static_cast<T>(c.alpha), static_cast<T>(c.rho), static_cast<T>(c.v_th),
                       static_cast<T>(c.gamma), c.refractory, beta.data_as<T>(), I.data_as<T>(), v.data_as<T>(),
                       a.data_as<T>(), z.data_as<T>(), psi.data_as<T>(), refractory_left.data_as<T>());
  });
}

void lif_backward_step(Tensor& gv, Tensor& ga, const Tensor& gzf, const Tensor& gz_rec, const Tensor& reg,
                       const Tensor& psi, const Tensor& beta, double alpha, double rho, double reset) {
  const char* op = "lif_backward_step";
  const auto [B, n] = neuron_shape(op, gv, beta);
  for (const Tensor* t : std::initializer_list<const Tensor*>{&ga, &gzf, &psi}) {
    same_backend(op, gv, *t);
    expect_shape(op, "ga, gzf and psi", *t, {B, n});
  }
  optional_operand(op, "gz_rec", gz_rec, gv, {B, n});
  optional_operand(op, "reg", reg, gv, {n});
  const Device device = gv.device();
  on_dtype(gv.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(lif_backward_step)(B, n, static_cast<T>(alpha), static_cast<T>(rho), static_cast<T>(reset),
                                beta.data_as<T>(), psi.data_as<T>(), gzf.data_as<T>(), optional_data<T>(gz_rec),
                                optional_data<T>(reg), gv.data_as<T>(), ga.data_as<T>());
  });
}

void lif_jacobian(Tensor& J, const Tensor& W, const Tensor& beta, const Tensor& psi, double alpha, double rho,
                  double v_th) {
  const char* op = "lif_jacobian";
  const auto [B, n] = neuron_shape(op, psi, beta);
  same_backend(op, J, psi);
  same_backend(op, J, W);
  if (W.rank() != 2 || W.dim(0) != n || W.dim(1) < n)
    fail(op, "W is " + W.describe() + ", expected [n, k] with k >= n = " + std::to_string(n));
  expect_shape(op, "J", J, {B, 2 * n, 2 * n});
  const Device device = J.device();
  on_dtype(J.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(lif_jacobian)(B, n, W.dim(1), static_cast<T>(alpha), static_cast<T>(rho), static_cast<T>(v_th),
                           W.data_as<T>(), beta.data_as<T>(), psi.data_as<T>(), J.data_as<T>());
  });
}

void spike_influence_step(Tensor& Mz, Tensor& Zsum, const Tensor& M, const Tensor& psi, const Tensor& beta,
                          double kappa) {
  const char* op = "spike_influence_step";
  const auto [B, n] = neuron_shape(op, psi, beta);
  same_backend(op, Mz, psi);
  same_backend(op, M, psi);
  if (M.rank() != 3 || M.dim(0) != B || M.dim(1) != 2 * n)
    fail(op, "M is " + M.describe() + ", expected [B, 2n, cols]");
  const int64_t cols = M.dim(2);
  expect_shape(op, "Mz", Mz, {B, n, cols});
  optional_operand(op, "Zsum", Zsum, Mz, {n, cols});
  const Device device = Mz.device();
  on_dtype(Mz.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(spike_influence_step)(B, n, cols, static_cast<T>(kappa), beta.data_as<T>(), psi.data_as<T>(),
                                   M.data_as<T>(), Mz.data_as<T>(), optional_data<T>(Zsum));
  });
}

void eprop_trace_step(Tensor& eps_a, Tensor& ebar, Tensor& esum, const Tensor& zbar_prev, const Tensor& zbar,
                      const Tensor& psi_prev, const Tensor& psi, const Tensor& beta, double rho, double kappa) {
  const char* op = "eprop_trace_step";
  const auto [B, n] = neuron_shape(op, psi, beta);
  if (zbar.rank() != 2) fail(op, "zbar must be [B, k]");
  const int64_t k = zbar.dim(1);
  for (const Tensor* t : std::initializer_list<const Tensor*>{&eps_a, &ebar, &zbar_prev, &zbar, &psi_prev})
    same_backend(op, psi, *t);
  expect_shape(op, "zbar", zbar, {B, k});
  expect_shape(op, "zbar_prev", zbar_prev, {B, k});
  expect_shape(op, "psi_prev", psi_prev, {B, n});
  expect_shape(op, "eps_a", eps_a, {B, n, k});
  expect_shape(op, "ebar", ebar, {B, n, k});
  optional_operand(op, "esum", esum, ebar, {n, k});
  const Device device = ebar.device();
  on_dtype(ebar.dtype(), [&](auto tag) {
    using T = decltype(tag);
    TCA_CALL(eprop_trace_step)(B, n, k, static_cast<T>(rho), static_cast<T>(kappa), beta.data_as<T>(),
                               psi_prev.data_as<T>(), psi.data_as<T>(), zbar_prev.data_as<T>(), zbar.data_as<T>(),
                               eps_a.data_as<T>(), ebar.data_as<T>(), optional_data<T>(esum));
  });
}

}  // namespace tca::ops
