// SnAp-1, the sparse n-step approximation to RTRL with n = 1 (Menick et al. 2021, ICLR,
// "Practical Real Time Recurrent Learning with a Sparse Approximation").
#pragma once

#include "algorithms/local_trace.h"

namespace tca {

// SnAp-n keeps the entries of the influence matrix M_t = dA_t/dW that are non-zero after n steps
// of the recurrence from the immediate influence; for n = 1 those are M[i, (i, j)] (unit i's
// dependence on its own incoming weights). Restricting RTRL's M_t = J_t M_{t-1} + Mbar_t to them:
//   S_t[i, j] = J_t[i, i] S_{t-1}[i, j] + alpha phi'(h_t,i) ahat_t,j,
//   i.e. S_t = diag(J_t) (.) S_{t-1} + D_t ahat_t^T  (S: n x k per sequence),
// and the gradient uses the exact hidden error:  gW += diag(c_t) S_t,  c_t = W_out^T e_t.
// This is the same trace as e-prop's (algorithms/eprop.h), so the update is shared
// (algorithms/local_trace.h); SnAp-1 is e-prop with feedback=symmetric. Exact when J_t is
// diagonal (W_rec diagonal). No hyperparameters; deterministic.
class Snap1 final : public LocalTraceRule {
 public:
  Snap1(const RateRnnConfig& config, DType dtype, Device device)
      : LocalTraceRule(config, dtype, device, TraceDecay::jacobian_diagonal, std::nullopt) {}
  std::string id() const override { return "snap1"; }
};

}  // namespace tca
