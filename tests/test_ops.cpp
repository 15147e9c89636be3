// CPU backend ops against naive loops on random inputs, in float and double.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "kernels/cpu/tanh_float.h"
#include "kernels/ops.h"
#include "kernels/tf32.h"
#include "test_util.h"

namespace tca {
namespace {

using OpsTest = test::CpuOpsTest;

TEST_P(OpsTest, GemmAllTransposesWithLeadingDimensions) {
  // One row or one column of C: the CPU runs those as matrix-vector products (strided vectors);
  // an inner dimension of 1 with beta = 1 as an outer product.
  for (const auto& [M, N, K] : {std::tuple{7, 5, 6}, std::tuple{1, 5, 6}, std::tuple{7, 1, 6}, std::tuple{1, 1, 6},
                                std::tuple{7, 5, 1}})
  for (const double beta : {-0.5, 1.0}) {
  const int pad = 3;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const int a_rows = ta ? K : M, a_cols = ta ? M : K;
      const int b_rows = tb ? N : K, b_cols = tb ? K : N;
      const Tensor A = rnd({a_rows, a_cols + pad}, 1), B = rnd({b_rows, b_cols + pad}, 2);
      Tensor C = rnd({M, N + pad}, 3);
      const std::vector<double> a = A.to_host(), b = B.to_host(), c0 = C.to_host();
      ops::gemm(ta, tb, M, N, K, 0.75, A, a_cols + pad, B, b_cols + pad, beta, C, N + pad);
      std::vector<double> want = c0;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double s = 0;
          for (int l = 0; l < K; ++l) {
            const double av = ta ? a[l * (a_cols + pad) + i] : a[i * (a_cols + pad) + l];
            const double bv = tb ? b[j * (b_cols + pad) + l] : b[l * (b_cols + pad) + j];
            s += av * bv;
          }
          want[i * (N + pad) + j] = 0.75 * s + beta * c0[i * (N + pad) + j];
        }
      expect_close(C.to_host(), want);  // padding columns untouched, checked too
    }
  }
  }
}

TEST_P(OpsTest, BetaZeroIgnoresWhateverTheOutputHeld) {
  // Rules write products into uninitialised buffers with beta = 0: NaN there must not leak.
  const Tensor A = rnd({4, 3}, 54), B = rnd({3, 5}, 55), x = rnd({3}, 56);
  Tensor C = poisoned({4, 5}), y = poisoned({4});
  ops::gemm(false, false, 4, 5, 3, 1.0, A, 3, B, 5, 0.0, C, 5);
  ops::gemv(false, 4, 3, 1.0, A, 3, x, 0.0, y);
  for (double v : C.to_host()) EXPECT_FALSE(std::isnan(v));
  for (double v : y.to_host()) EXPECT_FALSE(std::isnan(v));
  for (bool ta : {false, true})  // one row, one column: the matrix-vector path
    for (bool tb : {false, true}) {
      Tensor row = poisoned({1, 5}), column = poisoned({4, 1});
      ops::gemm(ta, tb, 1, 5, 3, 1.0, A, ta ? 1 : 3, B, tb ? 3 : 5, 0.0, row, 5);
      ops::gemm(ta, tb, 4, 1, 3, 1.0, A, ta ? 4 : 3, B, tb ? 3 : 5, 0.0, column, 1);
      for (double v : row.to_host()) EXPECT_FALSE(std::isnan(v)) << ta << tb;
      for (double v : column.to_host()) EXPECT_FALSE(std::isnan(v)) << ta << tb;
    }
}

TEST_P(OpsTest, StridedBatchedGemmIsOneGemmPerMatrix) {
  const int M = 3, N = 5, K = 4, batch = 3, stride_a = M * K + 2, stride_b = K * N + 1, stride_c = M * N + 3;
  const Tensor A = rnd({batch * stride_a}, 51), B = rnd({batch * stride_b}, 52);
  Tensor C = rnd({batch * stride_c}, 53);
  Tensor want = C.clone();
  for (int i = 0; i < batch; ++i) {
    Tensor Ci = want.narrow(i * stride_c, M * N);
    ops::gemm(false, true, M, N, K, 0.5, A.narrow(i * stride_a, M * K), K, B.narrow(i * stride_b, K * N), K, 2.0,
              Ci, N);
  }
  ops::gemm_strided_batched(false, true, M, N, K, 0.5, A, K, stride_a, B, K, stride_b, 2.0, C, N, stride_c, batch);
  expect_close(C.to_host(), want.to_host());
  EXPECT_THROW(ops::gemm_strided_batched(false, true, M, N, K, 0.5, A, K, stride_a, B, K, stride_b, 2.0, C, N,
                                         stride_c, batch + 1),
               std::invalid_argument);  // runs past the end
}

TEST_P(OpsTest, GemvAndGer) {
  const int M = 6, N = 9, lda = 11;
  const Tensor A = rnd({M, lda}, 4), x = rnd({N}, 5), xt = rnd({M}, 6);
  Tensor y = rnd({M}, 7), yt = rnd({N}, 8);
  const std::vector<double> a = A.to_host(), xv = x.to_host(), xtv = xt.to_host();
  std::vector<double> want_y = y.to_host(), want_yt = yt.to_host();
  for (int i = 0; i < M; ++i) {
    double s = 0;
    for (int j = 0; j < N; ++j) s += a[i * lda + j] * xv[j];
    want_y[i] = 2.0 * s + 0.5 * want_y[i];
  }
  for (int j = 0; j < N; ++j) {
    double s = 0;
    for (int i = 0; i < M; ++i) s += a[i * lda + j] * xtv[i];
    want_yt[j] = 2.0 * s + 0.5 * want_yt[j];
  }
  ops::gemv(false, M, N, 2.0, A, lda, x, 0.5, y);
  ops::gemv(true, M, N, 2.0, A, lda, xt, 0.5, yt);
  expect_close(y.to_host(), want_y);
  expect_close(yt.to_host(), want_yt);

  Tensor G = rnd({M, lda}, 9);
  std::vector<double> want_g = G.to_host();
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) want_g[i * lda + j] += -1.5 * xtv[i] * xv[j];
  ops::ger(M, N, -1.5, xt, x, G, lda);
  expect_close(G.to_host(), want_g);
}

TEST_P(OpsTest, ElementwiseAndReductions) {
  const Tensor x = rnd({37}, 10), y = rnd({37}, 11);
  const std::vector<double> xv = x.to_host(), yv = y.to_host();
  Tensor z = y.clone();
  ops::axpy(-0.3, x, z);
  std::vector<double> want(37);
  for (int i = 0; i < 37; ++i) want[i] = yv[i] - 0.3 * xv[i];
  expect_close(z.to_host(), want);
  ops::scale(z, 2.0);
  for (double& w : want) w *= 2.0;
  expect_close(z.to_host(), want);
  Tensor p = poisoned({37});
  ops::mul(p, x, y, 0.5);
  for (int i = 0; i < 37; ++i) want[i] = 0.5 * xv[i] * yv[i];
  expect_close(p.to_host(), want);
  double d = 0, n2 = 0;
  for (int i = 0; i < 37; ++i) d += xv[i] * yv[i], n2 += xv[i] * xv[i];
  EXPECT_NEAR(ops::dot(x, y), d, tol() * std::abs(d));
  EXPECT_NEAR(ops::nrm2(x), std::sqrt(n2), tol() * std::sqrt(n2));
  Tensor f = poisoned({5});
  ops::fill(f, 2.5);
  EXPECT_EQ(f.to_host(), std::vector<double>(5, 2.5));
}

TEST_P(OpsTest, RandomSignsAreReproducibleAndBalanced) {
  Tensor a = poisoned({4001}), b = poisoned({4001}), c = poisoned({4001});
  ops::random_signs(a, 5, 7);
  ops::random_signs(b, 5, 7);
  ops::random_signs(c, 5, 8);
  const std::vector<double> av = a.to_host(), cv = c.to_host();
  EXPECT_EQ(av, b.to_host());
  EXPECT_NE(av, cv);
  double sum = 0;
  for (double v : av) {
    ASSERT_TRUE(v == 1.0 || v == -1.0);
    sum += v;
  }
  EXPECT_LT(std::abs(sum), 4 * std::sqrt(4001.0));  // |sum| of 4001 fair signs: sd 63
  // Element i is bit 0 of Philox word i of (seed, algorithm stream, step).
  Philox rng(5, RandomStream::algorithm, 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(av[i], (rng.next_u32() & 1u) ? 1.0 : -1.0);
}

TEST_P(OpsTest, Nrm2OfNaNIsNaN) {
  const Tensor x = Tensor::from_host({1.0, std::nan(""), 2.0}, {3}, dtype());
  EXPECT_TRUE(std::isnan(ops::nrm2(x)));
}

TEST_P(OpsTest, Nrm2DoesNotOverflowOrUnderflow) {
  const double big = dtype() == DType::f32 ? 1e30 : 1e300;
  const Tensor x = Tensor::from_host({big, big, big, big}, {4}, dtype());
  EXPECT_NEAR(ops::nrm2(x) / big, 2.0, 1e-6);
  const double tiny = dtype() == DType::f32 ? 1e-30 : 1e-300;
  const Tensor y = Tensor::from_host({tiny, tiny, tiny, tiny}, {4}, dtype());
  EXPECT_NEAR(ops::nrm2(y) / tiny, 2.0, 1e-6);
  if (dtype() == DType::f64) {  // denormals: 1 / largest would overflow
    const Tensor z = Tensor::from_host({1e-310, 0.0}, {2}, dtype());
    EXPECT_DOUBLE_EQ(ops::nrm2(z), 1e-310);
  }
}

TEST_P(OpsTest, PresynapticVectorAndLeakyTanh) {
  const int B = 3, n = 4, m = 2;
  const Tensor a = rnd({B, n}, 12), x = rnd({B, m}, 13);
  Tensor ahat = poisoned({B, n + m + 1});
  ops::build_presynaptic(ahat, a, x);
  const std::vector<double> av = a.to_host(), xv = x.to_host();
  std::vector<double> want;
  for (int b = 0; b < B; ++b) {
    for (int i = 0; i < n; ++i) want.push_back(av[b * n + i]);
    for (int j = 0; j < m; ++j) want.push_back(xv[b * m + j]);
    want.push_back(1.0);
  }
  expect_close(ahat.to_host(), want);

  const Tensor h = rnd({B, n}, 14);
  Tensor state = a.clone(), dphi = poisoned({B, n});
  ops::leaky_tanh(state, dphi, h, 0.3);
  const std::vector<double> hv = h.to_host();
  std::vector<double> want_a(B * n), want_d(B * n);
  for (int i = 0; i < B * n; ++i) {
    want_a[i] = 0.7 * av[i] + 0.3 * std::tanh(hv[i]);
    want_d[i] = 1 - std::tanh(hv[i]) * std::tanh(hv[i]);
  }
  expect_close(state.to_host(), want_a);
  expect_close(dphi.to_host(), want_d);
}

TEST_P(OpsTest, RecurrentJacobianAndImmediateInfluence) {
  const int B = 2, n = 3, k = 6;
  const Tensor W = rnd({n, k}, 15), dphi = rnd({B, n}, 16), ahat = rnd({B, k}, 17);
  // Batched form: J for every sequence, with a scratch row per block left untouched.
  Tensor Jb = rnd({B, n + 1, n}, 50);
  const std::vector<double> jb0 = Jb.to_host();
  ops::recurrent_jacobian(Jb, W, dphi, 0.4);
  Tensor J = poisoned({n, n});
  ops::recurrent_jacobian(J, W, dphi.slice(1), 0.4);
  const std::vector<double> jb = Jb.to_host();
  for (int b = 0; b < B; ++b) {
    const std::vector<double> single = [&] {
      Tensor Js({n, n}, dtype());
      ops::recurrent_jacobian(Js, W, dphi.slice(b), 0.4);
      return Js.to_host();
    }();
    for (int e = 0; e < n * n; ++e) EXPECT_EQ(jb[b * (n + 1) * n + e], single[e]);
    for (int e = 0; e < n; ++e) EXPECT_EQ(jb[b * (n + 1) * n + n * n + e], jb0[b * (n + 1) * n + n * n + e]);
  }
  const std::vector<double> w = W.to_host(), d = dphi.to_host(), ah = ahat.to_host();
  std::vector<double> want(n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) want[i * n + j] = (i == j ? 0.6 : 0.0) + 0.4 * d[n + i] * w[i * k + j];
  expect_close(J.to_host(), want);

  for (int rows : {n, n + 1}) {  // rows past n are scratch and stay untouched
    Tensor M = rnd({B, rows, n * k}, 18);
    std::vector<double> want_m = M.to_host();
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < n; ++i)
        for (int ip = 0; ip < n; ++ip)
          for (int j = 0; j < k; ++j)
            want_m[(b * rows + i) * n * k + ip * k + j] += (i == ip ? 0.4 * d[b * n + i] * ah[b * k + j] : 0.0);
    ops::add_immediate_influence(M, dphi, ahat, 0.4);
    expect_close(M.to_host(), want_m);
  }
}

TEST_P(OpsTest, OutputErrorIsTheDerivativeOfTheLoss) {
  const int B = 3, o = 4;
  for (LossKind loss : {LossKind::mse, LossKind::cross_entropy}) {
    const Batch batch = test::random_batch(1, B, 1, o, loss, 19);
    const std::vector<double> y0 = test::random_values(B * o, 20), mask_values = {1.0, 0.0, 1.0};
    // The op in the precision under test, output poisoned first.
    Tensor e = poisoned({B, o});
    Tensor loss_sum = Tensor::from_host({1.0, 2.0, 3.0}, {B}, DType::f64);  // accumulates onto this
    ops::output_error(e, Tensor::from_host(y0, {B, o}, dtype()), Tensor::from_host(batch.targets, {B, o}, dtype()),
                      Tensor::from_host(mask_values, {B}, dtype()), loss, 0.5, loss_sum);
    const std::vector<double> sums = loss_sum.to_host();
    const double l = sums[0] - 1.0 + sums[1] - 2.0 + sums[2] - 3.0;
    EXPECT_EQ(sums[1], 2.0);  // mask 0: nothing added
    // The loss value against the formula (in double, on the values as the dtype holds them).
    const std::vector<double> y = Tensor::from_host(y0, {B, o}, dtype()).to_host();
    const std::vector<double> t = Tensor::from_host(batch.targets, {B, o}, dtype()).to_host();
    double want_l = 0;
    for (int b = 0; b < B; ++b) {
      double lb = 0;
      if (loss == LossKind::mse) {
        for (int j = 0; j < o; ++j) lb += 0.5 * (y[b * o + j] - t[b * o + j]) * (y[b * o + j] - t[b * o + j]);
      } else {
        double z = 0;
        for (int j = 0; j < o; ++j) z += std::exp(y[b * o + j]);
        for (int j = 0; j < o; ++j) lb -= t[b * o + j] * (y[b * o + j] - std::log(z));
      }
      want_l += 0.5 * mask_values[b] * lb;
    }
    EXPECT_NEAR(l, want_l, 1e3 * tol() * std::abs(want_l));
    // e against central differences of the double-precision loss.
    const Tensor target64 = Tensor::from_host(t, {B, o}, DType::f64);
    const Tensor mask64 = Tensor::from_host(mask_values, {B}, DType::f64);
    Tensor scratch = Tensor::zeros({B, o}, DType::f64);
    auto loss_at = [&](const std::vector<double>& yv) {
      Tensor sums = Tensor::zeros({B}, DType::f64);
      ops::output_error(scratch, Tensor::from_host(yv, {B, o}, DType::f64), target64, mask64, loss, 0.5, sums);
      double total = 0;
      for (double v : sums.to_host()) total += v;
      return total;
    };
    std::vector<double> fd(B * o);
    for (int i = 0; i < B * o; ++i) {
      std::vector<double> yp = y, ym = y;
      yp[i] += 1e-6;
      ym[i] -= 1e-6;
      fd[i] = (loss_at(yp) - loss_at(ym)) / 2e-6;
    }
    const std::vector<double> got = e.to_host();
    for (double v : got) ASSERT_FALSE(std::isnan(v));
    EXPECT_LT(test::relative_error(got, fd), dtype() == DType::f32 ? 1e-6 : 1e-8);
  }
}

TEST_P(OpsTest, RowNormsAndDotsAreEachRowsNrm2AndDotExactly) {
  // The CPU sums two rows in one loop; every row's number must still be the one nrm2 and dot
  // give for it alone (bit for bit), whatever the row count, including rows that take nrm2's
  // scaled path (huge, tiny, zero) and a NaN row.
  const int cols = 37;  // eight-lane body and a tail
  for (int rows = 1; rows <= 6; ++rows) {
    std::vector<double> values = rnd({rows, cols}, 300 + rows).to_host();
    const bool f32 = dtype() == DType::f32;
    if (rows >= 3) for (int c = 0; c < cols; ++c) values[2 * cols + c] *= f32 ? 1e-30 : 1e-160;  // tiny
    if (rows >= 4) for (int c = 0; c < cols; ++c) values[3 * cols + c] = 0;
    if (rows >= 5) values[4 * cols + 7] = std::nan("");
    if (rows >= 6 && !f32) for (int c = 0; c < cols; ++c) values[5 * cols + c] *= 1e160;  // huge
    const Tensor X = Tensor::from_host(values, {rows, cols}, dtype()), Y = rnd({rows, cols}, 400 + rows);
    Tensor norms({rows}, DType::f64), dots({rows}, DType::f64);
    ops::row_norms(norms, X);
    ops::row_dots(dots, X, Y);
    for (int r = 0; r < rows; ++r) {
      const double want_norm = ops::nrm2(X.slice(r)), want_dot = ops::dot(X.slice(r), Y.slice(r));
      const double got_norm = norms.to_host()[r], got_dot = dots.to_host()[r];
      if (std::isnan(want_norm)) {
        EXPECT_TRUE(std::isnan(got_norm) && std::isnan(got_dot)) << rows << " rows, row " << r;
        continue;
      }
      EXPECT_EQ(got_norm, want_norm) << rows << " rows, row " << r;
      EXPECT_EQ(got_dot, want_dot) << rows << " rows, row " << r;
    }
  }
}

TEST_P(OpsTest, PerSequenceOpsActRowByRow) {
  const int B = 3, M = 4, N = 5;
  const Tensor X = rnd({B, M}, 71), Y = rnd({B, M}, 72), y = rnd({B, N}, 73), d = rnd({B, M}, 74);
  const std::vector<double> s = {0.5, -2.0, 1.25}, r = {-0.75, 3.0, 0.25};
  const Tensor sd = Tensor::from_host(s, {B}, DType::f64), rd = Tensor::from_host(r, {B}, DType::f64);
  Tensor norms({B}, DType::f64), dots({B}, DType::f64);
  ops::fill(norms, std::nan(""));
  ops::fill(dots, std::nan(""));
  ops::row_norms(norms, X);
  ops::row_dots(dots, X, Y);
  Tensor sum = Y.clone(), outer = rnd({B, M, N}, 75), diag = rnd({B, M, M}, 76), G = rnd({M}, 77);
  const std::vector<double> outer0 = outer.to_host(), diag0 = diag.to_host(), G0 = G.to_host();
  ops::scale_add_rows(sum, rd, sd, X);
  ops::scale_add_outer_rows(outer, rd, sd, X, y);
  ops::scale_add_diagonal_rows(diag, rd, sd, d);
  ops::add_weighted_rows(G, sd, X);
  const std::vector<double> xv = X.to_host(), yv = Y.to_host(), yo = y.to_host(), dv = d.to_host();
  const std::vector<double> nv = norms.to_host(), dtv = dots.to_host();
  std::vector<double> want_sum(B * M), want_outer = outer0, want_diag = diag0, want_G = G0;
  for (int b = 0; b < B; ++b) {
    double nn = 0, dd = 0;
    for (int i = 0; i < M; ++i) {
      nn += xv[b * M + i] * xv[b * M + i];
      dd += xv[b * M + i] * yv[b * M + i];
      want_sum[b * M + i] = r[b] * yv[b * M + i] + s[b] * xv[b * M + i];
      for (int j = 0; j < N; ++j)
        want_outer[(b * M + i) * N + j] = r[b] * outer0[(b * M + i) * N + j] + s[b] * xv[b * M + i] * yo[b * N + j];
      for (int j = 0; j < M; ++j) want_diag[(b * M + i) * M + j] *= r[b];
      want_diag[(b * M + i) * M + i] += s[b] * dv[b * M + i];
      want_G[i] += s[b] * xv[b * M + i];
    }
    EXPECT_NEAR(nv[b], std::sqrt(nn), tol() * std::sqrt(nn));
    EXPECT_NEAR(dtv[b], dd, tol() * std::abs(dd) + tol());
  }
  expect_close(sum.to_host(), want_sum);
  expect_close(outer.to_host(), want_outer);
  expect_close(diag.to_host(), want_diag);
  expect_close(G.to_host(), want_G);
  // One double scalar per row, on the device of the data.
  Tensor wrong = X.clone();
  const Tensor one = Tensor::from_host({1.0}, {1}, DType::f64);
  Tensor in_float = Tensor::from_host(s, {B}, DType::f32);
  EXPECT_THROW(ops::scale_add_rows(wrong, one, one, X), std::invalid_argument);
  EXPECT_THROW(ops::scale_add_rows(wrong, in_float, sd, X), std::invalid_argument);
  EXPECT_THROW(ops::row_norms(in_float, X), std::invalid_argument);
  Tensor G_wrong = rnd({M + 1}, 78);
  EXPECT_THROW(ops::add_weighted_rows(G_wrong, sd, X), std::invalid_argument);
}

// The factor ops against the rules' formulas written out here, with the zero-norm guards:
// sequence 0 has a zero trace (the first term dropped), sequence 1 a zero immediate term
// where the rule can have one, sequence 2 all norms positive.
TEST_P(OpsTest, StochasticRuleFactorsFollowTheRulesFormulas) {
  const int B = 3;
  auto table = [&](const std::vector<std::vector<double>>& rows) {
    std::vector<double> flat;
    for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
    return Tensor::from_host(flat, {static_cast<int64_t>(rows.size()), B}, DType::f64);
  };
  auto poisoned_factors = [&] {
    Tensor f({4, B}, DType::f64);
    ops::fill(f, std::nan(""));
    return f;
  };
  auto expect_factors = [&](const Tensor& got, const std::vector<std::vector<double>>& want) {
    const std::vector<double> g = got.to_host();
    for (int r = 0; r < 4; ++r)
      for (int b = 0; b < B; ++b)
        EXPECT_NEAR(g[r * B + b], want[r][b], 1e-15 * std::abs(want[r][b])) << "factor " << r << " sequence " << b;
  };
  // UORO: |ttil|, |J atil|, |nu*D|, |ahat|, |nu| -> r0, r1, 1/r0, 1/r1.
  {
    const double eps = 1e-3;
    const std::vector<std::vector<double>> n = {{0.0, 2.0, 3.0}, {0.0, 0.5, 4.0}, {1.5, 0.0, 2.0}, {1.2, 1.1, 1.3},
                                                {2.0, 2.0, 2.0}};
    Tensor f = poisoned_factors();
    ops::uoro_factors(f, table(n), eps);
    std::vector<std::vector<double>> want(4, std::vector<double>(B));
    for (int b = 0; b < B; ++b) {
      want[0][b] = std::sqrt((n[0][b] + eps) / (n[1][b] + eps));
      want[1][b] = std::sqrt((n[2][b] * n[3][b] + eps) / (n[4][b] + eps));
      want[2][b] = 1 / want[0][b];
      want[3][b] = 1 / want[1][b];
    }
    EXPECT_EQ(want[0][0], 1.0);  // zero traces: r0 = 1 exactly
    expect_factors(f, want);
  }
  // KF-RTRL: |u|, |J A|, |phi'|, |ahat| and signs (c1, c2) -> c1 p0, c2 p1, c1/p0, c2 alpha/p1.
  {
    const double alpha = 0.6;
    const std::vector<std::vector<double>> n = {{0.0, 1.5, 2.0}, {0.0, 0.7, 3.0}, {1.1, 0.0, 0.9}, {1.3, 1.2, 1.4}};
    const Tensor signs = Tensor::from_host({1, -1, -1, 1, -1, -1}, {B, 2}, dtype());
    Tensor f = poisoned_factors();
    ops::kf_rtrl_factors(f, table(n), signs, alpha);
    const double p0_1 = std::sqrt(0.7 / 1.5), p0_2 = std::sqrt(3.0 / 2.0);
    const double p1_0 = std::sqrt(alpha * 1.1 / 1.3), p1_2 = std::sqrt(alpha * 0.9 / 1.4);
    expect_factors(f, {{0.0, -p0_1, -p0_2},
                       {-p1_0, 0.0, -p1_2},
                       {0.0, -1 / p0_1, -1 / p0_2},
                       {-alpha / p1_0, 0.0, -alpha / p1_2}});
  }
  // R-KF-RTRL: |A|, |J B|, |nu*D|, |ahat|, |nu| -> p0, p1, 1/p0, 1/p1.
  {
    const std::vector<std::vector<double>> n = {{0.0, 1.5, 2.0}, {0.0, 0.7, 3.0}, {1.1, 0.0, 0.9}, {1.3, 1.2, 1.4},
                                                {2.0, 2.0, 2.0}};
    Tensor f = poisoned_factors();
    ops::rkf_rtrl_factors(f, table(n));
    const double p0_1 = std::sqrt(0.7 / 1.5), p0_2 = std::sqrt(3.0 / 2.0);
    const double p1_0 = std::sqrt(1.1 * 1.3 / 2.0), p1_2 = std::sqrt(0.9 * 1.4 / 2.0);
    expect_factors(f, {{0.0, p0_1, p0_2}, {p1_0, 0.0, p1_2}, {0.0, 1 / p0_1, 1 / p0_2}, {1 / p1_0, 0.0, 1 / p1_2}});
  }
  // Tables of the wrong shape are refused.
  Tensor f = poisoned_factors();
  EXPECT_THROW(ops::uoro_factors(f, table({{1, 1, 1}, {1, 1, 1}}), 1e-7), std::invalid_argument);
  Tensor f_short({3, B}, DType::f64);
  EXPECT_THROW(ops::rkf_rtrl_factors(f_short, table({{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}})),
               std::invalid_argument);
}

TEST_P(OpsTest, ShapeAndBackendMismatchesThrow) {
  Tensor a = rnd({4}, 21);
  const Tensor b = rnd({5}, 22);
  EXPECT_THROW(ops::axpy(1.0, b, a), std::invalid_argument);
  const Tensor other = test::random_tensor({4}, dtype() == DType::f32 ? DType::f64 : DType::f32, 23);
  EXPECT_THROW(ops::axpy(1.0, other, a), std::invalid_argument);
  Tensor C = rnd({2, 2}, 24);
  EXPECT_THROW(ops::gemm(false, false, 3, 2, 2, 1.0, a, 2, a, 2, 0.0, C, 2), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Precision, OpsTest, testing::Values(DType::f32, DType::f64),
                         [](const testing::TestParamInfo<DType>& i) { return to_string(i.param); });

// The float tanh of the CPU kernels (kernels/cpu/tanh_float.h) is tanh computed in double and
// rounded once: equal to static_cast<float>(std::tanh(double)) on a million floats spread over
// every binade of both signs, and right at the special values.
TEST(TanhFloat, IsTheCorrectlyRoundedTanh) {
  int64_t checked = 0, differ = 0;
  for (uint32_t bits = 0; bits < 0x7f800000u; bits += 2039) {  // ~1e6 positive finite floats
    float x;
    std::memcpy(&x, &bits, sizeof x);
    for (const float v : {x, -x}) {
      ++checked;
      differ += cpu::tanh_float(v) != static_cast<float>(std::tanh(static_cast<double>(v)));
    }
  }
  EXPECT_EQ(differ, 0) << "of " << checked;
  EXPECT_TRUE(std::isnan(cpu::tanh_float(NAN)));
  EXPECT_EQ(cpu::tanh_float(INFINITY), 1.0f);
  EXPECT_EQ(cpu::tanh_float(-INFINITY), -1.0f);
  EXPECT_EQ(cpu::tanh_float(1e30f), 1.0f);
  EXPECT_TRUE(std::signbit(cpu::tanh_float(-0.0f)));
  EXPECT_EQ(cpu::tanh_float(1e-30f), 1e-30f);
}

TEST(Tf32, TruncatesTheMantissaToTenBits) {
  EXPECT_EQ(to_tf32_truncated(1.0f + 0x1p-10f), 1.0f + 0x1p-10f);  // the last bit TF32 keeps
  EXPECT_EQ(to_tf32_truncated(1.0f + 0x1p-11f), 1.0f);              // the first it drops
  EXPECT_EQ(to_tf32_truncated(1.0f + 0x1p-10f + 0x1p-11f + 0x1p-23f), 1.0f + 0x1p-10f);  // toward zero
  EXPECT_EQ(to_tf32_truncated(-(1.0f + 0x1p-11f + 0x1p-12f)), -1.0f);
  EXPECT_EQ(to_tf32_truncated(0x1.fffffep+127f), 0x1.ffcp+127f);  // the largest float stays finite
  EXPECT_EQ(to_tf32_truncated(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(to_tf32_truncated(NAN)));
  EXPECT_TRUE(std::signbit(to_tf32_truncated(-0.0f)));
  // Relative error below 2^-10 everywhere, subnormals aside.
  for (uint32_t bits = 0x00800000u; bits < 0x7f800000u; bits += 4099) {
    float x;
    std::memcpy(&x, &bits, sizeof x);
    const float t = to_tf32_truncated(x);
    ASSERT_LE(t, x);
    ASSERT_LT((x - t) / x, 0x1p-10f);
  }
}

TEST(Tf32, ProductsTakeTruncatedInputsAndRefuseDouble) {
  // The CPU's TF32 product is the float product of the truncated inputs, bit for bit; it
  // differs from the full product by about 2^-10 relative.
  const int M = 6, N = 9, K = 40, batch = 3, stride_a = M * K + 2, stride_b = K * N + 5, stride_c = M * N + 1;
  const Tensor A = test::random_tensor({batch * stride_a}, DType::f32, 61);
  const Tensor B = test::random_tensor({batch * stride_b}, DType::f32, 62);
  std::vector<double> a = A.to_host(), b = B.to_host();
  for (double& v : a) v = to_tf32_truncated(static_cast<float>(v));
  for (double& v : b) v = to_tf32_truncated(static_cast<float>(v));
  const Tensor At = Tensor::from_host(a, {batch * stride_a}, DType::f32);
  const Tensor Bt = Tensor::from_host(b, {batch * stride_b}, DType::f32);
  Tensor C = test::random_tensor({batch * stride_c}, DType::f32, 63);
  Tensor want = C.clone(), full = C.clone();
  ops::gemm_strided_batched(true, false, M, N, K, 0.5, A, M, stride_a, B, N, stride_b, 2.0, C, N, stride_c, batch,
                            ops::MatmulPrecision::tf32);
  ops::gemm_strided_batched(true, false, M, N, K, 0.5, At, M, stride_a, Bt, N, stride_b, 2.0, want, N, stride_c, batch);
  ops::gemm_strided_batched(true, false, M, N, K, 0.5, A, M, stride_a, B, N, stride_b, 2.0, full, N, stride_c, batch);
  EXPECT_EQ(C.to_host(), want.to_host());
  const double err = test::relative_error(C.to_host(), full.to_host());
  EXPECT_GT(err, 1e-5);
  EXPECT_LT(err, 2e-3);

  Tensor Cd = test::random_tensor({batch * stride_c}, DType::f64, 64);
  EXPECT_THROW(ops::gemm_strided_batched(true, false, M, N, K, 0.5, A.to(DType::f64), M, stride_a, B.to(DType::f64),
                                         N, stride_b, 2.0, Cd, N, stride_c, batch, ops::MatmulPrecision::tf32),
               std::invalid_argument);
}

TEST(Tensor, ViewsShareStorageAndCopiesDoNot) {
  Tensor t = test::random_tensor({3, 4}, DType::f64, 25);
  Tensor row = t.slice(1);
  EXPECT_EQ(row.shape(), (std::vector<int64_t>{4}));
  ops::fill(row, 7.0);
  EXPECT_EQ(t.to_host()[4], 7.0);
  EXPECT_EQ(t.to_host()[3], test::random_values(12, 25)[3]);
  Tensor copy = t.clone();
  ops::fill(copy, 1.0);
  EXPECT_EQ(t.to_host()[4], 7.0);
  EXPECT_THROW(t.slice(3), std::out_of_range);
  const Tensor rows = t.narrow(1, 2);
  EXPECT_EQ(rows.shape(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(rows.to_host()[0], 7.0);                 // row 1 starts the view
  EXPECT_EQ(rows.to_host()[4], t.to_host()[8]);      // row 2 follows
  EXPECT_THROW(t.narrow(2, 2), std::out_of_range);
  EXPECT_THROW(t.reshape({5}), std::invalid_argument);
  EXPECT_THROW(t.reshape({1, 1, 1, 3, 4}), std::invalid_argument);  // at most Shape::kMaxRank dimensions
  EXPECT_EQ(t.reshape({1, 3, 1, 4}).shape(), (std::vector<int64_t>{1, 3, 1, 4}));
  EXPECT_NE(t.shape(), (std::vector<int64_t>{3}));
  EXPECT_EQ(std::vector<int64_t>(t.shape()), (std::vector<int64_t>{3, 4}));
  const Tensor f = t.to(DType::f32);
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_NEAR(f.to_host()[0], t.to_host()[0], 1e-7);
}

TEST(Tensor, ParsesPrecisionNames) {
  EXPECT_EQ(parse_dtype("float"), DType::f32);
  EXPECT_EQ(parse_dtype("double"), DType::f64);
  EXPECT_THROW(parse_dtype("half"), std::invalid_argument);
}

}  // namespace
}  // namespace tca
