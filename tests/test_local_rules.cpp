// The deterministic approximate rules rflo, eprop, snap1 and tbptt, and their backend ops:
// - the trace ops against naive loops (float and double);
// - each rule against a separate plain-loop implementation of its published equations on a
//   tiny network (n = 3, m = 2, B = 1 and 2), the random feedback matrix reproduced here from
//   Philox in the documented layout, to 1e-12;
// - the limits where the rules become exact, and identities between them (double);
// - that they are really approximate at a generic network;
// - window independence, determinism in the noise seed, state bytes and FLOPs, bad
//   hyperparameters, the registry and the command line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/rule_helpers.h"
#include "algorithms/rate_rule.h"
#include "kernels/ops.h"
#include "kernels/philox.h"
#include "test_util.h"

namespace tca {
namespace {

using Overrides = std::map<std::string, std::string>;

// ==== the trace ops against naive loops =======================================================

class LocalTraceOps : public test::CpuOpsTest {
 protected:
  static constexpr int B = 3, n = 5, k = 9;
};

TEST_P(LocalTraceOps, JacobianDiagonal) {
  const Tensor W = rnd({n, k}, 1), dphi = rnd({B, n}, 2);
  Tensor jdiag(std::vector<int64_t>{B, n}, dtype());
  ops::fill(jdiag, std::nan(""));
  const double alpha = 0.3;
  ops::jacobian_diagonal(jdiag, W, dphi, alpha);
  const std::vector<double> w = W.to_host(), d = dphi.to_host();
  std::vector<double> want(B * n);
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i) want[b * n + i] = (1 - alpha) + alpha * d[b * n + i] * w[i * k + i];
  expect_close(jdiag.to_host(), want);
}

TEST_P(LocalTraceOps, EligibilityTraceStep) {
  Tensor E = rnd({B, n, k}, 3);
  const Tensor decay = rnd({B, n}, 4), dphi = rnd({B, n}, 5), ahat = rnd({B, k}, 6);
  const std::vector<double> e0 = E.to_host(), dc = decay.to_host(), d = dphi.to_host(),
                            a = ahat.to_host();
  const double scale = 0.7;
  ops::eligibility_trace_step(E, decay, dphi, ahat, scale);
  std::vector<double> want(e0.size());
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) {
        const int idx = (b * n + i) * k + j;
        want[idx] = dc[b * n + i] * e0[idx] + scale * d[b * n + i] * a[b * k + j];
      }
  expect_close(E.to_host(), want);
}

TEST_P(LocalTraceOps, AddSignalTimesTrace) {
  Tensor G = rnd({n, k}, 7);
  const Tensor L = rnd({B, n}, 8), E = rnd({B, n, k}, 9);
  std::vector<double> want = G.to_host();
  const std::vector<double> l = L.to_host(), e = E.to_host();
  ops::add_signal_times_trace(G, L, E);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j)
      for (int b = 0; b < B; ++b) want[i * k + j] += l[b * n + i] * e[(b * n + i) * k + j];
  expect_close(G.to_host(), want);
}

TEST_P(LocalTraceOps, TraceStepAndGradientIsTheTwoOpsInOnePass) {
  // Batches of four sequences, the last B % 4 sequences two rows at a time, and an odd last row:
  // every path of the CPU loop, each against the two ops.
  for (const auto& [batch, rows] : std::vector<std::pair<int64_t, int64_t>>{{1, 4}, {1, 5}, {3, 5}, {4, 6}, {6, 5}, {7, 6}, {9, 7}}) {
    SCOPED_TRACE("B = " + std::to_string(batch) + ", n = " + std::to_string(rows));
    Tensor E1 = rnd({batch, rows, k}, 11), G1 = rnd({rows, k}, 12);
    Tensor E2 = E1.clone(), G2 = G1.clone();
    const Tensor decay = rnd({batch, rows}, 13), dphi = rnd({batch, rows}, 14), ahat = rnd({batch, k}, 15),
                 L = rnd({batch, rows}, 16);
    ops::eligibility_trace_step(E1, decay, dphi, ahat, 0.7);
    ops::add_signal_times_trace(G1, L, E1);
    ops::trace_step_and_gradient(E2, G2, decay, dphi, ahat, L, 0.7);
    EXPECT_EQ(E2.to_host(), E1.to_host());  // the same numbers, not merely close
    EXPECT_EQ(G2.to_host(), G1.to_host());
  }
  Tensor E = rnd({B, n, k}, 11), G = rnd({n, k}, 12);
  const Tensor decay = rnd({B, n}, 13), dphi = rnd({B, n}, 14), ahat = rnd({B, k}, 15), L = rnd({B, n}, 16);
  const Tensor wrong_B = rnd({B + 1, n}, 17);
  EXPECT_THROW(ops::trace_step_and_gradient(E, G, decay, dphi, ahat, wrong_B, 0.7), std::invalid_argument);
  EXPECT_THROW(ops::trace_step_and_gradient(E, E, decay, dphi, ahat, L, 0.7), std::invalid_argument);
  // Views of one storage with the right shapes: G is E's first sequence, or ahat lies inside E.
  Tensor G_in_E = E.slice(0);
  EXPECT_THROW(ops::trace_step_and_gradient(E, G_in_E, decay, dphi, ahat, L, 0.7), std::invalid_argument);
  const Tensor ahat_in_E = E.reshape({B * n * k}).narrow(0, B * k).reshape({B, k});
  EXPECT_THROW(ops::trace_step_and_gradient(E, G, decay, dphi, ahat_in_E, L, 0.7), std::invalid_argument);
  ops::trace_step_and_gradient(E, G, decay, dphi, ahat, L, 0.7);  // separate tensors pass
}

TEST_P(LocalTraceOps, ShapesAreChecked) {
  Tensor E = rnd({B, n, k}, 1), G = rnd({n, k}, 2), jdiag = rnd({B, n}, 3);
  const Tensor decay = rnd({B, n}, 4), dphi = rnd({B, n}, 5), ahat = rnd({B, k}, 6);
  const Tensor W = rnd({n, k}, 7), short_ahat = rnd({B, k - 1}, 8), wrong_B = rnd({B + 1, n}, 9);
  EXPECT_THROW(ops::eligibility_trace_step(E, decay, dphi, short_ahat, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::eligibility_trace_step(E, wrong_B, dphi, ahat, 1.0), std::invalid_argument);
  EXPECT_THROW(ops::add_signal_times_trace(G, wrong_B, E), std::invalid_argument);
  EXPECT_THROW(ops::add_signal_times_trace(jdiag, decay, E), std::invalid_argument);
  EXPECT_THROW(ops::jacobian_diagonal(jdiag, W, wrong_B, 0.5), std::invalid_argument);
  EXPECT_THROW(ops::jacobian_diagonal(jdiag, ahat, dphi, 0.5), std::invalid_argument);
  const Tensor other = test::random_tensor({B, n}, dtype() == DType::f32 ? DType::f64 : DType::f32, 10);
  EXPECT_THROW(ops::eligibility_trace_step(E, other, dphi, ahat, 1.0), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(FloatAndDouble, LocalTraceOps, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& info) { return to_string(info.param); });

// ==== helpers for the rules =================================================================

RateRnnConfig make_config(int n, int m, int o, double alpha, LossKind loss) {
  RateRnnConfig rc;
  rc.n = n;
  rc.m = m;
  rc.o = o;
  rc.alpha = alpha;
  rc.loss = loss;
  return rc;
}

RateRnnParams random_params(const RateRnnConfig& rc, uint64_t seed) {
  InitOptions init;
  init.gain = 1.2;
  init.bias_scale = 0.3;
  return init_params(rc, seed, DType::f64, Device::cpu, init);
}

// params with W_rec[i][j] replaced by f(i, j, W_rec[i][j]).
template <typename F>
RateRnnParams edit_w_rec(const RateRnnConfig& rc, const RateRnnParams& params, F f) {
  std::vector<double> W = params.W.to_host();
  const int k = rc.k();
  for (int i = 0; i < rc.n; ++i)
    for (int j = 0; j < rc.n; ++j) W[i * k + j] = f(i, j, W[i * k + j]);
  return {Tensor::from_host(W, {rc.n, k}, DType::f64), params.W_outb.clone()};
}

struct Grad {
  std::vector<double> W, W_outb;
};

Grad gradient_of(const std::string& rule, const RateRnnConfig& rc, const RateRnnParams& params,
                 const Batch& batch, const Overrides& overrides = {}, uint64_t noise_seed = 0) {
  RateRnn model(rc, DType::f64, Device::cpu);
  auto alg = make_algorithm(rule, rc, DType::f64, Device::cpu, overrides);
  run_window(model, params, to_device(batch, DType::f64, Device::cpu), *alg, noise_seed);
  return {alg->gradient().W.to_host(), alg->gradient().W_outb.to_host()};
}

// ==== plain-loop implementations of the published equations =================================

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // row-major rows

// Forward pass of docs/design.md's leaky rate network, written out: per step and sequence the
// quantities the rules use.
struct Trajectory {
  int T = 0, B = 0;
  std::vector<std::vector<Vec>> ahat, dphi, e, c;  // [t][b][.]
};

Trajectory forward(const RateRnnConfig& rc, const Mat& W, const Mat& Wout, const Batch& batch) {
  const int n = rc.n, m = rc.m, o = rc.o, k = rc.k(), T = batch.T, B = batch.B;
  Trajectory tr;
  tr.T = T;
  tr.B = B;
  for (auto* field : {&tr.ahat, &tr.dphi, &tr.e, &tr.c}) field->assign(T, std::vector<Vec>(B));
  for (int b = 0; b < B; ++b) {
    Vec a(n, 0.0);
    for (int t = 0; t < T; ++t) {
      Vec ahat(k);
      for (int i = 0; i < n; ++i) ahat[i] = a[i];
      for (int j = 0; j < m; ++j) ahat[n + j] = batch.inputs[(static_cast<size_t>(t) * B + b) * m + j];
      ahat[n + m] = 1.0;
      Vec dphi(n);
      for (int i = 0; i < n; ++i) {
        double h = 0;
        for (int j = 0; j < k; ++j) h += W[i][j] * ahat[j];
        const double phi = std::tanh(h);
        a[i] = (1 - rc.alpha) * a[i] + rc.alpha * phi;
        dphi[i] = 1 - phi * phi;
      }
      Vec y(o);
      for (int l = 0; l < o; ++l) {
        y[l] = Wout[l][n];
        for (int i = 0; i < n; ++i) y[l] += Wout[l][i] * a[i];
      }
      const double w = batch.loss_mask[static_cast<size_t>(t) * B + b] / B;
      const double* target = &batch.targets[(static_cast<size_t>(t) * B + b) * o];
      Vec e(o);
      if (rc.loss == LossKind::mse) {
        for (int l = 0; l < o; ++l) e[l] = w * (y[l] - target[l]);
      } else {
        double z = 0;
        for (int l = 0; l < o; ++l) z += std::exp(y[l]);
        for (int l = 0; l < o; ++l) e[l] = w * (std::exp(y[l]) / z - target[l]);
      }
      Vec c(n, 0.0);
      for (int i = 0; i < n; ++i)
        for (int l = 0; l < o; ++l) c[i] += Wout[l][i] * e[l];
      tr.ahat[t][b] = ahat;
      tr.dphi[t][b] = dphi;
      tr.e[t][b] = e;
      tr.c[t][b] = c;
    }
  }
  return tr;
}

Mat to_mat(const Tensor& t) {
  const std::vector<double> v = t.to_host();
  const int rows = static_cast<int>(t.dim(0)), cols = static_cast<int>(t.dim(1));
  Mat M(rows, Vec(cols));
  for (int r = 0; r < rows; ++r)
    for (int col = 0; col < cols; ++col) M[r][col] = v[static_cast<size_t>(r) * cols + col];
  return M;
}

Vec flatten(const Mat& M) {
  Vec v;
  for (const Vec& row : M) v.insert(v.end(), row.begin(), row.end());
  return v;
}

// The documented feedback layout, reproduced: B_fb (n x o), entry (i, l) is normal draw
// i * o + l of Philox(seed, RandomStream::feedback, 0), times scale / sqrt(n).
Mat feedback_matrix(int n, int o, double scale, uint64_t seed) {
  Philox rng(seed, RandomStream::feedback, 0);
  Mat Bfb(n, Vec(o));
  for (int i = 0; i < n; ++i)
    for (int l = 0; l < o; ++l) Bfb[i][l] = scale / std::sqrt(static_cast<double>(n)) * rng.normal();
  return Bfb;
}

// Learning signal L = B e, with B = W_out^T (symmetric, Bfb == nullptr) or B_fb.
Vec learning_signal(const Mat& Wout, const Mat* Bfb, const Vec& e, int n) {
  Vec L(n, 0.0);
  for (int i = 0; i < n; ++i)
    for (size_t l = 0; l < e.size(); ++l) L[i] += (Bfb ? (*Bfb)[i][l] : Wout[l][i]) * e[l];
  return L;
}

// RFLO (Murray 2019): p_ij = (1 - 1/tau) p_ij + (1/tau) phi'(u_i) ahat_j; dW_ij ~ (B eps)_i p_ij.
Vec reference_rflo(const RateRnnConfig& rc, const Mat& W, const Mat& Wout, const Mat* Bfb,
                   const Trajectory& tr) {
  (void)W;  // the trace ignores W_rec entirely
  const int n = rc.n, k = rc.k();
  const double tau_inv = rc.alpha;
  Mat g(n, Vec(k, 0.0));
  for (int b = 0; b < tr.B; ++b) {
    Mat p(n, Vec(k, 0.0));
    for (int t = 0; t < tr.T; ++t) {
      const Vec L = learning_signal(Wout, Bfb, tr.e[t][b], n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) {
          p[i][j] = (1 - tau_inv) * p[i][j] + tau_inv * tr.dphi[t][b][i] * tr.ahat[t][b][j];
          g[i][j] += L[i] * p[i][j];
        }
    }
  }
  return flatten(g);
}

// e-prop (Bellec et al. 2020): eps_ji = (d a_j^t / d a_j^{t-1}) eps_ji + d a_j^t / d W_ji,
// with d a_j^t / d a_j^{t-1} = (1 - alpha) + alpha phi'(h_j) W_jj (the self-connection counts)
// and d a_j^t / d W_ji = alpha phi'(h_j) ahat_i; gradient sum_t L_j^t eps_ji^t, L = B e.
Vec reference_eprop(const RateRnnConfig& rc, const Mat& W, const Mat& Wout, const Mat* Bfb,
                    const Trajectory& tr) {
  const int n = rc.n, k = rc.k();
  Mat g(n, Vec(k, 0.0));
  for (int b = 0; b < tr.B; ++b) {
    Mat eps(n, Vec(k, 0.0));
    for (int t = 0; t < tr.T; ++t) {
      const Vec L = learning_signal(Wout, Bfb, tr.e[t][b], n);
      for (int jj = 0; jj < n; ++jj) {  // postsynaptic neuron j (row), presynaptic i (column)
        const double local = (1 - rc.alpha) + rc.alpha * tr.dphi[t][b][jj] * W[jj][jj];
        for (int ii = 0; ii < k; ++ii) {
          eps[jj][ii] = local * eps[jj][ii] + rc.alpha * tr.dphi[t][b][jj] * tr.ahat[t][b][ii];
          g[jj][ii] += L[jj] * eps[jj][ii];
        }
      }
    }
  }
  return flatten(g);
}

// SnAp-1 (Menick et al. 2021): RTRL's M_t = J_t M_{t-1} + Mbar_t restricted to the entries
// M[i, (i, j)]; J_t formed in full here and its diagonal taken. gW += c_t^T M_t on that pattern.
Vec reference_snap1(const RateRnnConfig& rc, const Mat& W, const Mat& Wout, const Trajectory& tr) {
  (void)Wout;
  const int n = rc.n, k = rc.k();
  Mat g(n, Vec(k, 0.0));
  for (int b = 0; b < tr.B; ++b) {
    Mat S(n, Vec(k, 0.0));  // S[i][j] = M[i, (i, j)]
    for (int t = 0; t < tr.T; ++t) {
      Mat J(n, Vec(n));
      for (int i = 0; i < n; ++i)
        for (int l = 0; l < n; ++l)
          J[i][l] = (i == l ? 1 - rc.alpha : 0.0) + rc.alpha * tr.dphi[t][b][i] * W[i][l];
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) {
          // (J M)[i, (i, j)] = sum_l J[i][l] M[l, (i, j)], and only l = i is kept.
          S[i][j] = J[i][i] * S[i][j] + rc.alpha * tr.dphi[t][b][i] * tr.ahat[t][b][j];
          g[i][j] += tr.c[t][b][i] * S[i][j];
        }
    }
  }
  return flatten(g);
}

// BPTT(h, h): exact backpropagation inside each chunk [s, min(s + h, T)), none across chunks.
Vec reference_tbptt(const RateRnnConfig& rc, const Mat& W, const Trajectory& tr, int h) {
  const int n = rc.n, k = rc.k();
  Mat g(n, Vec(k, 0.0));
  for (int b = 0; b < tr.B; ++b) {
    for (int start = 0; start < tr.T; start += h) {
      const int end = std::min(start + h, tr.T);
      Vec delta(n, 0.0);  // J_{t+1}^T delta_{t+1}, zero past the chunk
      for (int t = end - 1; t >= start; --t) {
        Vec d(n);
        for (int i = 0; i < n; ++i) d[i] = tr.c[t][b][i] + delta[i];  // delta_t
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < k; ++j) g[i][j] += rc.alpha * tr.dphi[t][b][i] * d[i] * tr.ahat[t][b][j];
        for (int l = 0; l < n; ++l) {  // (J_t^T delta_t)_l
          double s = (1 - rc.alpha) * d[l];
          for (int i = 0; i < n; ++i) s += rc.alpha * tr.dphi[t][b][i] * W[i][l] * d[i];
          delta[l] = s;
        }
      }
    }
  }
  return flatten(g);
}

// Future-facing truncated BPTT (F-BPTT, Marschall et al. 2020), written loss by loss: each loss
// L_u is sent back exactly h steps, to steps max(0, u - h + 1) .. u.
Vec reference_future_tbptt(const RateRnnConfig& rc, const Mat& W, const Trajectory& tr, int h) {
  const int n = rc.n, k = rc.k();
  Mat g(n, Vec(k, 0.0));
  for (int b = 0; b < tr.B; ++b) {
    for (int u = 0; u < tr.T; ++u) {
      Vec d = tr.c[u][b];  // dL_u/da_t, from t = u back
      for (int t = u; t >= std::max(0, u - h + 1); --t) {
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < k; ++j) g[i][j] += rc.alpha * tr.dphi[t][b][i] * d[i] * tr.ahat[t][b][j];
        Vec next(n);
        for (int l = 0; l < n; ++l) {  // (J_t^T d)_l
          double s = (1 - rc.alpha) * d[l];
          for (int i = 0; i < n; ++i) s += rc.alpha * tr.dphi[t][b][i] * W[i][l] * d[i];
          next[l] = s;
        }
        d = next;
      }
    }
  }
  return flatten(g);
}

// ==== each rule against its published equations (tiny network) =============================

struct TinyCase {
  int B;
  double alpha;
  LossKind loss;
};

void PrintTo(const TinyCase& c, std::ostream* os) {
  *os << "B=" << c.B << " alpha=" << c.alpha << (c.loss == LossKind::mse ? " mse" : " ce");
}

class LocalRulesReference : public testing::TestWithParam<TinyCase> {};

TEST_P(LocalRulesReference, EveryRuleMatchesItsPublishedEquations) {
  const TinyCase tc = GetParam();
  const RateRnnConfig rc = make_config(3, 2, 2, tc.alpha, tc.loss);
  const RateRnnParams params = random_params(rc, 31);
  const Batch batch = test::random_batch(7, tc.B, rc.m, rc.o, rc.loss, 32);
  const Mat W = to_mat(params.W), Wout = to_mat(params.W_outb);
  const Trajectory tr = forward(rc, W, Wout, batch);
  const Mat B_default = feedback_matrix(rc.n, rc.o, 1.0, 0);
  const Mat B_custom = feedback_matrix(rc.n, rc.o, 0.5, 7);
  const Grad bptt = gradient_of("bptt", rc, params, batch);

  struct Check {
    std::string rule;
    Overrides overrides;
    Vec want;
  };
  const std::vector<Check> checks{
      {"rflo", {}, reference_rflo(rc, W, Wout, &B_default, tr)},
      {"rflo", {{"feedback_scale", "0.5"}, {"feedback_seed", "7"}}, reference_rflo(rc, W, Wout, &B_custom, tr)},
      {"rflo", {{"feedback", "symmetric"}}, reference_rflo(rc, W, Wout, nullptr, tr)},
      {"eprop", {}, reference_eprop(rc, W, Wout, nullptr, tr)},
      {"eprop", {{"feedback", "random"}}, reference_eprop(rc, W, Wout, &B_default, tr)},
      {"eprop", {{"feedback", "random"}, {"feedback_scale", "0.5"}, {"feedback_seed", "7"}},
       reference_eprop(rc, W, Wout, &B_custom, tr)},
      {"snap1", {}, reference_snap1(rc, W, Wout, tr)},
      {"tbptt", {{"h", "1"}}, reference_tbptt(rc, W, tr, 1)},
      {"tbptt", {{"h", "2"}}, reference_tbptt(rc, W, tr, 2)},
      {"tbptt", {{"h", "3"}}, reference_tbptt(rc, W, tr, 3)},
      {"tbptt", {}, reference_tbptt(rc, W, tr, 10)},
      {"tbptt", {{"mode", "future"}, {"h", "1"}}, reference_future_tbptt(rc, W, tr, 1)},
      {"tbptt", {{"mode", "future"}, {"h", "2"}}, reference_future_tbptt(rc, W, tr, 2)},
      {"tbptt", {{"mode", "future"}, {"h", "3"}}, reference_future_tbptt(rc, W, tr, 3)},
      {"tbptt", {{"mode", "future"}}, reference_future_tbptt(rc, W, tr, 10)},
  };
  for (const Check& check : checks) {
    std::string label = check.rule;
    for (const auto& [name, value] : check.overrides) label += " " + name + "=" + value;
    const Grad got = gradient_of(check.rule, rc, params, batch, check.overrides);
    ASSERT_GT(test::norm(check.want), 1e-4) << label;
    EXPECT_LT(test::relative_error(got.W, check.want), 1e-12) << label;
    EXPECT_LT(test::relative_error(got.W_outb, bptt.W_outb), 1e-14) << label << " (readout is exact)";
  }
}

INSTANTIATE_TEST_SUITE_P(
    BatchLeakLoss, LocalRulesReference,
    testing::Values(TinyCase{1, 1.0, LossKind::mse}, TinyCase{2, 0.6, LossKind::mse},
                    TinyCase{1, 0.6, LossKind::cross_entropy}, TinyCase{2, 1.0, LossKind::cross_entropy}),
    [](const testing::TestParamInfo<TinyCase>& info) {
      return "B" + std::to_string(info.param.B) + (info.param.alpha == 1.0 ? "_alpha1" : "_alpha06") +
             (info.param.loss == LossKind::mse ? "_mse" : "_ce");
    });

// ==== exact limits and identities (double) ===================================================

constexpr int kT = 15;

struct Net {
  RateRnnConfig rc;
  RateRnnParams params;
  Batch batch;
};

Net generic_net(double alpha, LossKind loss = LossKind::mse, int n = 6) {
  Net s;
  s.rc = make_config(n, 2, 2, alpha, loss);
  s.params = random_params(s.rc, 41);
  s.batch = test::random_batch(kT, 2, s.rc.m, s.rc.o, loss, 42);
  return s;
}

const Overrides kSymmetric{{"feedback", "symmetric"}};

TEST(LocalRules, ExactWhenWrecIsZero) {
  // W_rec = 0: J_t = (1 - alpha) I is diagonal and is the leak, so rflo, eprop and snap1 keep the
  // whole influence matrix; with alpha = 1 also J_t = 0 and every truncation is exact.
  for (double alpha : {1.0, 0.5}) {
    for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
      Net s = generic_net(alpha, loss);
      s.params = edit_w_rec(s.rc, s.params, [](int, int, double) { return 0.0; });
      const Grad bptt = gradient_of("bptt", s.rc, s.params, s.batch);
      ASSERT_GT(test::norm(bptt.W), 1e-3);
      const std::string where = "alpha " + std::to_string(alpha) + (loss == LossKind::mse ? " mse" : " ce");
      EXPECT_LT(test::relative_error(gradient_of("rflo", s.rc, s.params, s.batch, kSymmetric).W, bptt.W), 1e-12) << where;
      EXPECT_LT(test::relative_error(gradient_of("eprop", s.rc, s.params, s.batch).W, bptt.W), 1e-12) << where;
      EXPECT_LT(test::relative_error(gradient_of("snap1", s.rc, s.params, s.batch).W, bptt.W), 1e-12) << where;
      if (alpha == 1.0) {
        for (const char* h : {"1", "4"})
          EXPECT_LT(test::relative_error(gradient_of("tbptt", s.rc, s.params, s.batch, {{"h", h}}).W, bptt.W), 1e-12)
              << where << " h=" << h;
      }
    }
  }
}

TEST(LocalRules, EpropEqualsRfloWithoutSelfConnections) {
  // diag(W_rec) = 0 makes eprop's decay (1 - alpha) + alpha phi' W_ii the leak of rflo.
  for (double alpha : {1.0, 0.5}) {
    Net s = generic_net(alpha);
    s.params = edit_w_rec(s.rc, s.params, [](int i, int j, double w) { return i == j ? 0.0 : w; });
    for (const std::string feedback : {"symmetric", "random"}) {
      const Overrides o{{"feedback", feedback}, {"feedback_seed", "5"}};
      const Grad eprop = gradient_of("eprop", s.rc, s.params, s.batch, o);
      const Grad rflo = gradient_of("rflo", s.rc, s.params, s.batch, o);
      ASSERT_GT(test::norm(rflo.W), 1e-3);
      EXPECT_LT(test::relative_error(eprop.W, rflo.W), 1e-14) << feedback << " alpha " << alpha;
    }
    // ... and it is the zero diagonal that makes them equal.
    const Net full = generic_net(alpha);
    EXPECT_GT(test::relative_error(gradient_of("eprop", full.rc, full.params, full.batch).W,
                                   gradient_of("rflo", full.rc, full.params, full.batch, kSymmetric).W),
              1e-3);
  }
}

TEST(LocalRules, Snap1EqualsRtrlWhenWrecIsDiagonal) {
  // A diagonal W_rec keeps M_t block-diagonal: the SnAp-1 pattern is the whole influence.
  for (double alpha : {1.0, 0.5}) {
    for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
      Net s = generic_net(alpha, loss);
      s.params = edit_w_rec(s.rc, s.params, [](int i, int j, double w) { return i == j ? 2 * w : 0.0; });
      const Grad rtrl = gradient_of("rtrl", s.rc, s.params, s.batch);
      const Grad bptt = gradient_of("bptt", s.rc, s.params, s.batch);
      const Grad snap1 = gradient_of("snap1", s.rc, s.params, s.batch);
      ASSERT_GT(test::norm(rtrl.W), 1e-3);
      EXPECT_LT(test::relative_error(snap1.W, rtrl.W), 1e-12) << "alpha " << alpha;
      EXPECT_LT(test::relative_error(snap1.W, bptt.W), 1e-12) << "alpha " << alpha;
    }
  }
}

TEST(LocalRules, SymmetricEpropIsSnap1) {
  // Same trace, same learning signal c_t: identical code path, identical numbers.
  for (double alpha : {1.0, 0.5}) {
    const Net s = generic_net(alpha, LossKind::cross_entropy);
    const Grad eprop = gradient_of("eprop", s.rc, s.params, s.batch, kSymmetric);
    EXPECT_EQ(eprop.W, gradient_of("snap1", s.rc, s.params, s.batch).W) << "alpha " << alpha;
    EXPECT_GT(test::norm(eprop.W), 1e-3);
  }
}

TEST(LocalRules, TbpttWithAWindowAtLeastTIsBptt) {
  for (double alpha : {1.0, 0.5}) {
    const Net s = generic_net(alpha);
    const Grad bptt = gradient_of("bptt", s.rc, s.params, s.batch);
    for (int h : {kT, kT + 5, 100000}) {
      const Grad tbptt = gradient_of("tbptt", s.rc, s.params, s.batch, {{"h", std::to_string(h)}});
      EXPECT_EQ(tbptt.W, bptt.W) << "h " << h << " alpha " << alpha;
      EXPECT_EQ(tbptt.W_outb, bptt.W_outb);
    }
  }
}

TEST(LocalRules, FutureFacingTbpttIsBpttWithAHorizonOfTAndChunkedTbpttWithAHorizonOfOne) {
  for (double alpha : {1.0, 0.5}) {
    const Net s = generic_net(alpha);
    const Grad bptt = gradient_of("bptt", s.rc, s.params, s.batch);
    for (int h : {kT, kT + 3}) {
      const Grad future = gradient_of("tbptt", s.rc, s.params, s.batch, {{"mode", "future"}, {"h", std::to_string(h)}});
      EXPECT_LT(test::relative_error(future.W, bptt.W), 1e-13) << "h " << h << " alpha " << alpha;
      EXPECT_LT(test::relative_error(future.W_outb, bptt.W_outb), 1e-15);
    }
    const Grad future1 = gradient_of("tbptt", s.rc, s.params, s.batch, {{"mode", "future"}, {"h", "1"}});
    const Grad chunked1 = gradient_of("tbptt", s.rc, s.params, s.batch, {{"h", "1"}});
    EXPECT_LT(test::relative_error(future1.W, chunked1.W), 1e-14) << "alpha " << alpha;
    // Between the limits every loss reaches further back than in chunks of the same h.
    const Grad future4 = gradient_of("tbptt", s.rc, s.params, s.batch, {{"mode", "future"}, {"h", "4"}});
    const Grad chunked4 = gradient_of("tbptt", s.rc, s.params, s.batch, {{"h", "4"}});
    EXPECT_GT(test::relative_error(future4.W, chunked4.W), 1e-3) << "alpha " << alpha;
  }
}

TEST(LocalRules, TbpttWithUnitWindowIsRfloWithoutLeakAtAlphaOne) {
  // h = 1 keeps only the immediate term sum_t (D_t c_t) ahat_t^T; so does rflo with symmetric
  // feedback at alpha = 1 (its trace decays by 1 - alpha = 0), whatever W_rec is.
  for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    const Net s = generic_net(1.0, loss);
    const Grad tbptt = gradient_of("tbptt", s.rc, s.params, s.batch, {{"h", "1"}});
    const Grad rflo = gradient_of("rflo", s.rc, s.params, s.batch, kSymmetric);
    ASSERT_GT(test::norm(rflo.W), 1e-3);
    EXPECT_LT(test::relative_error(tbptt.W, rflo.W), 1e-14);
  }
}

// ==== the approximations are approximations ==================================================

TEST(LocalRules, ApproximateAtAGenericNetwork) {
  // A rule that secretly computed BPTT would fail here.
  for (double alpha : {1.0, 0.5}) {
    const Net s = generic_net(alpha, LossKind::mse, 8);
    const Grad bptt = gradient_of("bptt", s.rc, s.params, s.batch);
    const std::vector<std::pair<std::string, Overrides>> rules{
        {"rflo", {}},  {"rflo", kSymmetric}, {"eprop", {}},         {"eprop", {{"feedback", "random"}}},
        {"snap1", {}}, {"tbptt", {{"h", "1"}}}, {"tbptt", {{"h", "5"}}}, {"tbptt", {{"h", "14"}}}};
    for (const auto& [rule, overrides] : rules) {
      std::string label = rule;
      for (const auto& [name, value] : overrides) label += " " + name + "=" + value;
      const double err = test::relative_error(gradient_of(rule, s.rc, s.params, s.batch, overrides).W, bptt.W);
      RecordProperty(label + " alpha " + std::to_string(alpha), std::to_string(err));
      EXPECT_GT(err, 0.05) << label << " alpha " << alpha;  // measured: 0.24 to 1.6
      EXPECT_LT(err, 1e3) << label;  // and not garbage
    }
  }
}

// ==== bookkeeping ================================================================================

TEST(LocalRules, WindowsAreIndependent) {
  const Net s = generic_net(0.7);
  const Batch first = test::random_batch(9, 3, s.rc.m, s.rc.o, s.rc.loss, 51);   // another B
  const Batch second = test::random_batch(kT, 2, s.rc.m, s.rc.o, s.rc.loss, 52);
  const std::vector<std::pair<std::string, Overrides>> rules{
      {"rflo", {}}, {"eprop", {{"feedback", "random"}}}, {"snap1", {}}, {"tbptt", {{"h", "4"}}}};
  for (const auto& [rule, overrides] : rules) {
    RateRnn model(s.rc, DType::f64, Device::cpu);
    auto alg = make_algorithm(rule, s.rc, DType::f64, Device::cpu, overrides);
    run_window(model, s.params, to_device(second, DType::f64, Device::cpu), *alg, 0);
    run_window(model, s.params, to_device(first, DType::f64, Device::cpu), *alg, 0);
    run_window(model, s.params, to_device(second, DType::f64, Device::cpu), *alg, 0);
    const Grad fresh = gradient_of(rule, s.rc, s.params, second, overrides);
    EXPECT_EQ(alg->gradient().W.to_host(), fresh.W) << rule;
    EXPECT_EQ(alg->gradient().W_outb.to_host(), fresh.W_outb) << rule;
  }
}

TEST(LocalRules, DeterministicAndFixedByTheFeedbackSeed) {
  const Net s = generic_net(0.8);
  for (const std::string rule : {"rflo", "eprop", "snap1", "tbptt"}) {
    EXPECT_FALSE(make_algorithm(rule, s.rc, DType::f64, Device::cpu)->stochastic()) << rule;
    EXPECT_EQ(gradient_of(rule, s.rc, s.params, s.batch, {}, 0).W,
              gradient_of(rule, s.rc, s.params, s.batch, {}, 12345).W)
        << rule << " depends on the noise seed";
  }
  const Grad seed0 = gradient_of("rflo", s.rc, s.params, s.batch);
  const Grad seed1 = gradient_of("rflo", s.rc, s.params, s.batch, {{"feedback_seed", "1"}});
  EXPECT_GT(test::relative_error(seed1.W, seed0.W), 1e-3);
  // The feedback scale scales the random learning signal, hence the estimate, linearly.
  const Grad half = gradient_of("rflo", s.rc, s.params, s.batch, {{"feedback_scale", "0.5"}});
  std::vector<double> doubled = half.W;
  for (double& x : doubled) x *= 2;
  EXPECT_LT(test::relative_error(doubled, seed0.W), 1e-14);
  // The float run draws the same matrix (drawn in double, then rounded).
  RateRnn model(s.rc, DType::f32, Device::cpu);
  auto alg = make_algorithm("rflo", s.rc, DType::f32, Device::cpu);
  const RateRnnParams params32{s.params.W.to(DType::f32), s.params.W_outb.to(DType::f32)};
  run_window(model, params32, to_device(s.batch, DType::f32, Device::cpu), *alg, 0);
  EXPECT_LT(test::relative_error(alg->gradient().W.to_host(), seed0.W), 1e-5);
}

TEST(LocalRules, StateBytesAndFlops) {
  const Net s = generic_net(0.7);
  const int n = s.rc.n, k = s.rc.k(), o = s.rc.o, B = s.batch.B;
  std::map<std::string, std::unique_ptr<Rule>> rules;
  for (const auto& [name, rule, overrides] :
       std::vector<std::tuple<std::string, std::string, Overrides>>{{"rflo", "rflo", {}},
                                                                    {"rflo_sym", "rflo", kSymmetric},
                                                                    {"eprop", "eprop", {}},
                                                                    {"snap1", "snap1", {}},
                                                                    {"tbptt", "tbptt", {{"h", "4"}}},
                                                                    {"bptt", "bptt", {}}}) {
    rules[name] = make_algorithm(rule, s.rc, DType::f64, Device::cpu, overrides);
    RateRnn model(s.rc, DType::f64, Device::cpu);
    run_window(model, s.params, to_device(s.batch, DType::f64, Device::cpu), *rules[name], 0);
    EXPECT_GT(rules[name]->state_bytes(kT), 0u) << name;
    EXPECT_GT(rules[name]->flops_per_step(), 0.0) << name;
  }
  // Traces: E and the decay per sequence (+ L and B_fb for random feedback).
  EXPECT_EQ(rules["snap1"]->state_bytes(kT), (size_t(B) * n * k + size_t(B) * n) * 8);
  EXPECT_EQ(rules["eprop"]->state_bytes(kT), rules["snap1"]->state_bytes(kT));
  EXPECT_EQ(rules["rflo_sym"]->state_bytes(kT), rules["snap1"]->state_bytes(kT));
  EXPECT_EQ(rules["rflo"]->state_bytes(kT), rules["snap1"]->state_bytes(kT) + (size_t(B) * n + size_t(n) * o) * 8);
  EXPECT_EQ(rules["rflo"]->state_bytes(10 * kT), rules["rflo"]->state_bytes(kT));  // independent of T
  // tbptt holds h steps of what bptt holds T of.
  EXPECT_EQ(rules["tbptt"]->state_bytes(100), rules["tbptt"]->state_bytes(4));
  EXPECT_EQ(rules["tbptt"]->state_bytes(4), rules["bptt"]->state_bytes(4));
  EXPECT_EQ(rules["tbptt"]->state_bytes(2), rules["bptt"]->state_bytes(2));
  EXPECT_LT(rules["tbptt"]->state_bytes(kT), rules["bptt"]->state_bytes(kT));
  EXPECT_EQ(rules["tbptt"]->flops_per_step(), rules["bptt"]->flops_per_step());
  // Counted operations: 3nk + n (trace) + 2nk (gradient), + 3n for diag(J), + 2no for B_fb e.
  EXPECT_EQ(rules["rflo_sym"]->flops_per_step(), 5.0 * n * k + n);
  EXPECT_EQ(rules["snap1"]->flops_per_step(), 5.0 * n * k + 4 * n);
  EXPECT_EQ(rules["rflo"]->flops_per_step(), 5.0 * n * k + n + 2 * n * o);
}

void expect_invalid(const std::string& rule, const Overrides& overrides, const std::vector<std::string>& mentions) {
  const RateRnnConfig rc = make_config(4, 2, 2, 1.0, LossKind::mse);
  try {
    make_algorithm(rule, rc, DType::f64, Device::cpu, overrides);
    ADD_FAILURE() << rule << ": no exception";
  } catch (const std::invalid_argument& e) {
    for (const std::string& m : mentions)
      EXPECT_NE(std::string(e.what()).find(m), std::string::npos) << rule << ": " << e.what();
  }
}

TEST(LocalRules, BadHyperparametersAreRejectedClearly) {
  for (const std::string rule : {"rflo", "eprop"}) {
    expect_invalid(rule, {{"feedback", "foo"}}, {rule, "'feedback'", "random", "symmetric", "'foo'"});
    expect_invalid(rule, {{"feedback", "Random"}}, {"'feedback'"});
    expect_invalid(rule, {{"feedback_scale", "-1"}}, {"'feedback_scale'", "(0, "});
    expect_invalid(rule, {{"feedback_scale", "0"}}, {"'feedback_scale'"});
    expect_invalid(rule, {{"feedback_scale", "nan"}}, {"'feedback_scale'"});
    expect_invalid(rule, {{"feedback_seed", "-1"}}, {"'feedback_seed'"});
    expect_invalid(rule, {{"feedback_seed", "1.5"}}, {"'feedback_seed'"});
    expect_invalid(rule, {{"h", "3"}}, {"unknown parameter 'h'", "feedback=", "feedback_scale=1", "feedback_seed=0"});
  }
  expect_invalid("tbptt", {{"h", "0"}}, {"tbptt", "'h'", "[1, "});
  expect_invalid("tbptt", {{"h", "-3"}}, {"'h'"});
  expect_invalid("tbptt", {{"h", "ten"}}, {"'h'"});
  expect_invalid("tbptt", {{"feedback", "random"}}, {"unknown parameter 'feedback'", "h=10"});
  expect_invalid("snap1", {{"feedback", "random"}}, {"unknown parameter 'feedback'", "none"});
}

TEST(LocalRules, RegistryDocumentsHyperparametersAndDefaults) {
  std::map<std::string, std::map<std::string, std::string>> documented;
  for (const RuleInfo& info : rules_of("rate")) {
    documented[info.id];
    for (const ParamDoc& p : info.params) {
      documented[info.id][p.name] = p.default_value;
      EXPECT_FALSE(p.help.empty()) << info.id << "." << p.name;
    }
    if (info.id == "rflo" || info.id == "eprop" || info.id == "snap1" || info.id == "tbptt")
      EXPECT_FALSE(info.exact) << info.id;
  }
  using Doc = std::map<std::string, std::string>;
  EXPECT_EQ(documented["rflo"], (Doc{{"feedback", "random"}, {"feedback_scale", "1"}, {"feedback_seed", "0"}}));
  EXPECT_EQ(documented["eprop"], (Doc{{"feedback", "symmetric"}, {"feedback_scale", "1"}, {"feedback_seed", "0"}}));
  EXPECT_EQ(documented["snap1"], Doc{});
  EXPECT_EQ(documented["tbptt"], (Doc{{"h", "10"}, {"mode", "chunks"}}));
  // config() reports the effective values.
  const RateRnnConfig rc = make_config(4, 2, 2, 1.0, LossKind::mse);
  EXPECT_EQ(make_algorithm("rflo", rc, DType::f64, Device::cpu, {{"feedback_scale", "2.5"}})->config(),
            (Doc{{"feedback", "random"}, {"feedback_scale", "2.5"}, {"feedback_seed", "0"}}));
  EXPECT_EQ(make_algorithm("tbptt", rc, DType::f64, Device::cpu, {{"h", "7"}})->config(),
            (Doc{{"h", "7"}, {"mode", "chunks"}}));
  EXPECT_EQ(make_algorithm("tbptt", rc, DType::f64, Device::cpu, {{"h", "7"}, {"mode", "future"}})->config(),
            (Doc{{"h", "7"}, {"mode", "future"}}));
  EXPECT_EQ(make_algorithm("snap1", rc, DType::f64, Device::cpu)->id(), "snap1");
}

// ==== the command line ============================================================================

TEST(LocalRulesCli, AlgosListsTheRulesAndProbeRunsThem) {
  const auto [status, listing] = test::run_tcabench("algos");
  ASSERT_EQ(status, 0) << listing;
  for (const char* text : {"rflo ", "eprop ", "snap1 ", "tbptt ", "feedback = random",
                           "feedback = symmetric", "feedback_scale = 1",
                           "feedback_seed = 0", "h = 10"})
    EXPECT_NE(listing.find(text), std::string::npos) << text << "\n" << listing;

  const auto [probe_status, report_text] = test::run_tcabench(
      "probe --task add-v0 --task-param T=20 --algo rflo,eprop,snap1,tbptt,bptt --hidden 8 --batch 2 "
      "--precision double --algo-param tbptt.h=5 --algo-param rflo.feedback_seed=3 --quiet");
  ASSERT_EQ(probe_status, 0) << report_text;
  const nlohmann::json report = nlohmann::json::parse(report_text);
  const nlohmann::json& algorithms = report["checkpoints"][0]["algorithms"];
  ASSERT_EQ(algorithms.size(), 5u);
  for (const nlohmann::json& a : algorithms) {
    EXPECT_FALSE(a["stochastic"].get<bool>()) << a["id"];
    if (a["id"] == "bptt") {
      EXPECT_LT(a["total"]["rel_bias"].get<double>(), 1e-12);
    } else {
      EXPECT_GT(a["total"]["rel_bias"].get<double>(), 1e-4) << a["id"];
    }
  }
}

}  // namespace
}  // namespace tca
