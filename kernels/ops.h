// The backend ops every learning rule is written against.
//
// One launcher per op: it checks shapes, devices and dtypes, then dispatches to the CPU
// implementation (kernels/cpu, CBLAS) or the CUDA one (kernels/cuda). Matrices are row-major;
// the BLAS-style ops take explicit sizes and leading dimensions so they can work on blocks
// of larger tensors (e.g. the W_rec block of W = [W_rec | W_in | b]). All tensors of one call
// share a device and a dtype. Scalars are passed as double and rounded to the dtype.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/loss_kind.h"
#include "kernels/tensor.h"

namespace tca::ops {

// ---- elementwise and reductions ----------------------------------------------------------
void fill(Tensor& x, double value);
void copy(Tensor& dst, const Tensor& src);                 // same shape, device and dtype
void axpy(double alpha, const Tensor& x, Tensor& y);       // y += alpha x
void scale(Tensor& x, double alpha);                       // x *= alpha
void mul(Tensor& out, const Tensor& x, const Tensor& y, double alpha);  // out = alpha x * y
double dot(const Tensor& x, const Tensor& y);
double nrm2(const Tensor& x);                              // Euclidean norm

// ---- random draws ----------------------------------------------------------------------
// x[i] = +1 or -1 from bit 0 of the i-th 32-bit word of Philox(seed, RandomStream::algorithm,
// step) (word i is lane i % 4 of block i / 4), so every backend draws the same signs.
void random_signs(Tensor& x, uint64_t seed, uint64_t step);

// ---- dense linear algebra (BLAS semantics, row-major) -----------------------------------
// C[M,N] = alpha op(A) op(B) + beta C, op(X) = X or X^T.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
          const Tensor& A, int64_t lda, const Tensor& B, int64_t ldb, double beta, Tensor& C,
          int64_t ldc);
// How a product takes its float inputs: at full float precision, or at TF32's (10 mantissa
// bits; the tensor cores on the GPU, an emulation by truncation on the CPU; float only).
enum class MatmulPrecision { full, tf32 };
// The same for `batch` independent products: matrix i of A starts stride_a elements after
// matrix i - 1 (likewise B and C). One cuBLAS call on the GPU.
void gemm_strided_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
                          const Tensor& A, int64_t lda, int64_t stride_a, const Tensor& B, int64_t ldb,
                          int64_t stride_b, double beta, Tensor& C, int64_t ldc, int64_t stride_c, int64_t batch,
                          MatmulPrecision precision = MatmulPrecision::full);
// y = alpha op(A) x + beta y, A is M x N.
void gemv(bool trans, int64_t M, int64_t N, double alpha, const Tensor& A, int64_t lda,
          const Tensor& x, double beta, Tensor& y);
// A[M,N] += alpha x y^T (outer-product accumulate).
void ger(int64_t M, int64_t N, double alpha, const Tensor& x, const Tensor& y, Tensor& A,
         int64_t lda);

// ---- recurrent-network ops (B sequences, n units, m inputs, k = n + m + 1) -------------
// ahat[b] = [a_prev[b]; x[b]; 1]: the presynaptic vector of every sequence.
void build_presynaptic(Tensor& ahat, const Tensor& a_prev, const Tensor& x);
// a = (1 - alpha) a + alpha tanh(h); dphi = tanh'(h) = 1 - tanh(h)^2. a, dphi, h: [B, n].
void leaky_tanh(Tensor& a, Tensor& dphi, const Tensor& h, double alpha);
// J = (1 - alpha) I + alpha diag(dphi) W_rec with W_rec = W[:, :n]; W is n x k. One sequence:
// dphi [n], J [n, n]; or every sequence at once: dphi [B, n], J [B, rows, n] with rows >= n
// (rows past n untouched).
void recurrent_jacobian(Tensor& J, const Tensor& W, const Tensor& dphi, double alpha);
// Kronecker-structured immediate influence: M[b, i, i*k + j] += scale dphi[b,i] ahat[b,j],
// i.e. M_b += scale diag(dphi_b) (x) ahat_b^T. M: [B, rows, n*k] with rows >= n (rows past n
// are scratch, untouched), dphi: [B, n], ahat: [B, k].
void add_immediate_influence(Tensor& M, const Tensor& dphi, const Tensor& ahat, double scale);
// The recurrence of the leaky rate RNN (models/rate_rnn.h) over a whole window of T steps for
// B sequences, in one call: from a_0 = a0, for t = 0..T-1,
//   h = W [a_{t-1}; x_t; 1],  a_t = (1 - alpha) a_{t-1} + alpha tanh(h),  dphi_t = tanh'(h),
// writing a[t] = a_t and dphi[t] = dphi_t (the quantities the learning rules consume; ahat_t
// is [a[t-1]; x_t; 1]). One network: W [n, k] with k = n + m + 1, x [T, B, m], a0 [B, n],
// a and dphi [T, B, n]. An ensemble of E independent networks (e.g. seeds x learning rates),
// each with its own parameters and B sequences: W [E, n, k], x [T, E, B, m], a0 [E, B, n],
// a and dphi [T, E, B, n]. The CPU runs the steps of RateRnn::step (per step one GEMM, one
// strided-batched GEMM over the ensemble); the GPU runs all T steps of all networks in one
// launch with each block's W held in shared memory (the persistent-RNN technique), for n up
// to rnn_forward_sequence_max_hidden; a larger n is refused with std::invalid_argument.
void rnn_forward_sequence(Tensor& a, Tensor& dphi, const Tensor& W, const Tensor& x, const Tensor& a0,
                          double alpha);
// The largest n rnn_forward_sequence accepts on `device` for m inputs in `dtype`: on the GPU
// W (n x k) and the state must fit in one block's shared memory (the current device's
// sharedMemPerBlockOptin); no limit on the CPU.
int64_t rnn_forward_sequence_max_hidden(Device device, DType dtype, int64_t m);
// ---- local eligibility traces (rflo, eprop, snap1; algorithms/local_trace.h) ----------
// Diagonal of the recurrent Jacobian of every sequence (the neuron-local part of J_t):
//   jdiag[b, i] = (1 - alpha) + alpha dphi[b, i] W[i, i],  W: n x k (W_rec = W[:, :n]),
//   dphi, jdiag: [B, n].
void jacobian_diagonal(Tensor& jdiag, const Tensor& W, const Tensor& dphi, double alpha);
// One step of a per-synapse trace for every sequence, in one pass over E:
//   E[b, i, j] = decay[b, i] E[b, i, j] + scale dphi[b, i] ahat[b, j],
// i.e. E_b = diag(decay_b) E_b + scale diag(dphi_b) ahat_b^T.
// E: [B, n, k]; decay, dphi: [B, n]; ahat: [B, k].
void eligibility_trace_step(Tensor& E, const Tensor& decay, const Tensor& dphi, const Tensor& ahat,
                            double scale);
// Gradient from a learning signal and a trace, summed over sequences:
//   G[i, j] += sum_b L[b, i] E[b, i, j]   (G += sum_b diag(L_b) E_b).
// G: [n, k]; L: [B, n]; E: [B, n, k].
void add_signal_times_trace(Tensor& G, const Tensor& L, const Tensor& E);
// The two above in sequence, the signal applied to the updated trace:
//   eligibility_trace_step(E, decay, dphi, ahat, scale); add_signal_times_trace(G, L, E);
// the same numbers, in one pass over E on the CPU (which reads the trace once, not twice);
// the GPU runs the two kernels. E, G and ahat must not overlap (refused otherwise: the one
// pass reads ahat and writes E and G in the same loop).
void trace_step_and_gradient(Tensor& E, Tensor& G, const Tensor& decay, const Tensor& dphi, const Tensor& ahat,
                             const Tensor& L, double scale);
// ---- diagonal add (uoro, kf_rtrl, rkf_rtrl) ------------------------------------------------------
// A[i, i] += scale d[i] for a square n x n matrix A and a vector d of n elements: adds
// scale diag(d) (KF-RTRL's immediate factor alpha diag(phi'(h))) without forming it.
void add_diagonal(Tensor& A, const Tensor& d, double scale);

// ---- per-sequence ops: row b of a [B, ...] tensor is sequence b ---------------------------
// Per-sequence scalars are double [B] tensors on the device of the data (a row of a [rows, B]
// tensor, e.g. factors.slice(r), will do): norms, factors and weights are computed, used and
// kept where the data live, so a step of a rule never waits for the host.
// out[b] = |X_b|, the Euclidean norm of row b.
void row_norms(Tensor& out, const Tensor& X);
// out[b] = X_b . Y_b.
void row_dots(Tensor& out, const Tensor& X, const Tensor& Y);
// Y_b = sy[b] Y_b + sx[b] X_b, in one pass (X and Y of one shape).
void scale_add_rows(Tensor& Y, const Tensor& sy, const Tensor& sx, const Tensor& X);
// A_b = sa[b] A_b + sxy[b] x_b y_b^T for A [B, M, N], x [B, M], y [B, N], in one pass.
void scale_add_outer_rows(Tensor& A, const Tensor& sa, const Tensor& sxy, const Tensor& x, const Tensor& y);
// A_b = sa[b] A_b + sd[b] diag(d_b) for A [B, n, n], d [B, n], in one pass.
void scale_add_diagonal_rows(Tensor& A, const Tensor& sa, const Tensor& sd, const Tensor& d);
// G += sum_b w[b] X_b: X is [B, ...] and G holds one row's elements (any shape).
void add_weighted_rows(Tensor& G, const Tensor& w, const Tensor& X);

// ---- the unbiased stochastic rules' per-sequence factors ---------------------------------
// From the rows of `norms` (double [rows, B], row order of kernels/rule_factors.h, which holds
// the formulas and their zero-norm guards) to the rows of `factors` (double [4, B]), on the
// device, one sequence per thread.
// UORO: norms |ttil|, |J atil|, |nu*D|, |ahat|, |nu|; factors r0, r1, 1/r0, 1/r1.
void uoro_factors(Tensor& factors, const Tensor& norms, double epsilon);
// KF-RTRL: norms |u|, |J A|, |phi'|, |ahat|; signs [B, 2] (c1, c2, in the rule's dtype);
// factors c1 p0, c2 p1, c1 / p0, c2 alpha / p1.
void kf_rtrl_factors(Tensor& factors, const Tensor& norms, const Tensor& signs, double alpha);
// R-KF-RTRL: norms |A|, |J B|, |nu*D|, |ahat|, |nu|; factors p0, p1, 1/p0, 1/p1.
void rkf_rtrl_factors(Tensor& factors, const Tensor& norms);

// Loss of one step and its derivative e = dL/dy for every sequence. y, target, e: [B, o];
// mask: [B]. MSE: l = 0.5 |y - t|^2, e = y - t. Cross-entropy: p = softmax(y),
// l = -sum t log p, e = p - t (targets are distributions). Both scaled by scale * mask[b].
// Adds scale * mask[b] * l_b to loss_sum[b] (a double [B] tensor on the same device), so the
// loss of a window accumulates where it is computed and nothing returns to the host per step.
void output_error(Tensor& e, const Tensor& y, const Tensor& target, const Tensor& mask,
                  LossKind loss, double scale, Tensor& loss_sum);

// ---- optimizer ---------------------------------------------------------------------------
// One Adam step (Kingma & Ba 2015) on every element, with the gradient scaled first (gradient
// clipping): g = grad_scale grad; m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
// param -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps), t = step >= 1.
// param, grad, m, v: same shape, device and dtype.
void adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, double lr, double beta1,
                 double beta2, double eps, int64_t step, double grad_scale);
// ---- spiking network (models/lif_rnn.h; algorithms/lif_*) -----------------------------------
// B sequences, n neurons, k = n + m presynaptic entries [z_{t-1}; x_t]. beta [n] is each
// neuron's threshold adaptation (0 for LIF neurons). An undefined Tensor() passed for an
// optional operand means "absent".

// out[b] = [left[b]; right[b]]: left [B, n], right [B, m], out [B, n + m].
void concat_columns(Tensor& out, const Tensor& left, const Tensor& right);
// A[i, i] = value for i < min(rows, cols) of a [rows, cols] matrix (e.g. the W_rec block of a
// gradient [W_rec | W_in], whose diagonal is no parameter).
void fill_diagonal(Tensor& A, double value);

// Constants of the LIF/ALIF neurons.
struct LifConstants {
  double alpha = 0;        // membrane decay exp(-dt / tau_v)
  double rho = 0;          // adaptation decay exp(-dt / tau_a)
  double v_th = 0;         // base threshold
  double gamma = 0;        // pseudo-derivative height
  int64_t refractory = 1;  // steps from a spike to the next possible one (1: no refractory period)
};
// One step of every neuron; z holds z_{t-1} on entry and z_t on exit, likewise v, a and
// refractory_left (steps the neuron stays silent):
//   v = alpha v + I - v_th z_{t-1},   a = rho a + z_{t-1},   A = v_th + beta a
//   refractory_left > 0:  z = 0, psi = 0, refractory_left -= 1
//   otherwise:            x = (v - A) / v_th,  z = [x > 0],  psi = (gamma / v_th) max(0, 1 - |x|),
//                         refractory_left = z (refractory - 1).
// v, a, z, psi, refractory_left, I: [B, n].
void lif_step(Tensor& v, Tensor& a, Tensor& z, Tensor& psi, Tensor& refractory_left, const Tensor& I,
              const Tensor& beta, const LifConstants& c);
// One step of BPTT's adjoint recursion, backwards: gv, ga hold dL/dv_{t+1}, dL/da_{t+1} on entry
// and dL/dv_t, dL/da_t on exit:
//   g = gzf + reg + gz_rec - reset gv + ga          (dL/dz_t)
//   gv = psi g + alpha gv,   ga = -beta psi g + rho ga.
// gzf, gz_rec, psi, gv, ga: [B, n]; reg: [n], the same for every sequence; gz_rec and reg are
// optional (absent = 0). reset = v_th for the exact gradient, 0 to stop it through the reset.
void lif_backward_step(Tensor& gv, Tensor& ga, const Tensor& gzf, const Tensor& gz_rec, const Tensor& reg,
                       const Tensor& psi, const Tensor& beta, double alpha, double rho, double reset);
// Jacobian of the state [v; a] (2n) at step t with respect to the state at t - 1 through
// z_{t-1}, whose pseudo-derivative is psi = psi_{t-1} (dz/dv = psi, dz/da = -beta psi):
//   J[v_j, v_l] = alpha d_jl + w_jl psi_l,   J[v_j, a_l] = -w_jl beta_l psi_l,   w_jl = W_rec[j,l] - v_th d_jl
//   J[a_j, v_l] = d_jl psi_l,                J[a_j, a_l] = d_jl (rho - beta_l psi_l).
// W: [n, k] with W_rec = W[:, :n]; psi: [B, n]; J: [B, 2n, 2n].
void lif_jacobian(Tensor& J, const Tensor& W, const Tensor& beta, const Tensor& psi, double alpha, double rho,
                  double v_th);
// The influence of the parameters on the filtered spikes, from that on the state M = [M^v; M^a]:
//   dz = diag(psi) (M^v - diag(beta) M^a),   Mz = kappa Mz + dz,   Zsum += sum_b dz.
// M: [B, 2n, cols]; Mz: [B, n, cols]; psi: [B, n]; Zsum: [n, cols], optional.
void spike_influence_step(Tensor& Mz, Tensor& Zsum, const Tensor& M, const Tensor& psi, const Tensor& beta,
                          double kappa);
// One step of e-prop's eligibility traces (Bellec et al. 2020) for every synapse (j, i):
//   eps_a = psi_prev_j zbar_prev_i + (rho - psi_prev_j beta_j) eps_a
//   e     = psi_j (zbar_i - beta_j eps_a)
//   ebar  = kappa ebar + e,   esum += sum_b e.
// zbar, zbar_prev: [B, k] presynaptic traces at t and t - 1; psi, psi_prev: [B, n];
// eps_a, ebar: [B, n, k]; esum: [n, k], optional.
void eprop_trace_step(Tensor& eps_a, Tensor& ebar, Tensor& esum, const Tensor& zbar_prev, const Tensor& zbar,
                      const Tensor& psi_prev, const Tensor& psi, const Tensor& beta, double rho, double kappa);

}  // namespace tca::ops
