/* The matrix pencil of a network on given data (deqnn/datapencil.h, real_data R14-R19,
 * docs/data.md "The matrix pencil"). */
#include <float.h>
#include <complex.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include "core/check.h"
#include "core/mem.h"
#include "core/solver.h"
#include "deqnn/datapencil.h"
#include "deqnn/pencil.h"

/* Forward-difference step of the Jacobian, relative to 1 + |delta|: sqrt(eps) balances the
 * truncation error (step x |F''|) against the round-off of F (eps kappa / step). */
#define DP_FD_STEP 1.4901161193847656e-08
/* Round-off of a trace of the Cholesky inverse, in units of n eps kappa_1 (the computed
 * inverse of an SPD matrix has a normwise relative error of order n eps kappa: Higham,
 * Accuracy and Stability of Numerical Algorithms, ch. 14); the residual test is never asked
 * for less. */
#define DP_ROUND 1.0

/* The ladder of find_root: from DP_LADDER_TOP (1 + m1) down by DP_LADDER_FACTOR per rung
 * (at lambda >= 4 (1 + m1) the resolvent is within 25% of 1/lambda and R14's start is close;
 * with the power-law predictor a factor 2 per rung kept each start inside Newton's basin down
 * to lambda = 1e-4 in every case tested: docs/data.md). */
#define DP_LADDER_TOP 4.0
#define DP_LADDER_FACTOR 2.0

struct deq_datapencil {
  size_t n, L;
  deq_datapencil_kind kind;
  double gamma[DEQ_PENCIL_MAXL + 1], beta[DEQ_PENCIL_MAXL + 1], q[DEQ_PENCIL_MAXL + 1];
  double m1, m2, merr;   /* exact moments and their round-off */
  double *K0;            /* n x n */
  double *A;             /* A_0 .. A_{L-1}, n x n each */
  double *Dx;            /* NTK: Kdot_1 o K_0; CK: NULL */
  double *M;             /* the matrix factored at each evaluation */
  double *col;           /* n doubles: the column sums of the 1-norm */
  deq_solver *newton;
  double lambda;         /* the current z = -lambda */
  double m, kappa;       /* at the last evaluation: m and the condition estimate */
  double grad[DEQ_PENCIL_MAXL + 1];   /* of m in delta at newton_fn's last Jacobian */
  double tau[DEQ_PENCIL_MAXL + 1], C[DEQ_PENCIL_MAXL + 1];
  double complex root[DEQ_PENCIL_MAXL];   /* the last root found, the next start */
  int have_root;
  /* the last point evaluated by base_residual (the driver evaluates each accepted trial
   * point again with the Jacobian): delta, F, m, kappa; invalid after a change of lambda */
  int cached;
  double cache_d[DEQ_PENCIL_MAXL + 1], cache_f[DEQ_PENCIL_MAXL + 1], cache_m, cache_kappa;
};

/* (1/n) sum_ij A_ij R_ij for symmetric A (full) and R (lower triangle, column-major = the
 * upper triangle read row-major: R[i*n + j] for j >= i). */
static double trace_prod(size_t n, const double *A, const double *R)
{
  double diag = 0, off = 0;
  for (size_t i = 0; i < n; i++) {
    const double *a = A + i * n, *r = R + i * n;
    diag += a[i] * r[i];
    for (size_t j = i + 1; j < n; j++)
      off += a[j] * r[j];
  }
  return (diag + 2 * off) / (double) n;
}

/* The 1-norm of the symmetric matrix stored in one triangle (as trace_prod reads it); col:
 * n doubles of workspace. */
static double norm1_sym(size_t n, const double *R, double *col)
{
  double best = 0;
  memset(col, 0, n * sizeof *col);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i; j < n; j++) {
      double v = fabs(R[i * n + j]);
      col[i] += v;
      if (j != i)
        col[j] += v;
    }
  for (size_t i = 0; i < n; i++)
    best = fmax(best, col[i]);
  return best;
}

/* M = D_x + lambda I + sum_l C_l tau_l A_{l-1} + C_0 K_0 for the given delta (top-down pass). */
static void build_matrix(deq_datapencil *dp, const double *delta)
{
  size_t n = dp->n, nn = n * n;
  double C = dp->q[dp->L];
  if (dp->Dx)
    memcpy(dp->M, dp->Dx, nn * sizeof *dp->M);
  else
    memset(dp->M, 0, nn * sizeof *dp->M);
  for (size_t l = dp->L; l >= 1; l--) {
    double tau = 1.0 / (1.0 + C * delta[l]), c = C * tau;
    const double *A = dp->A + (l - 1) * nn;
    dp->tau[l] = tau;
    dp->C[l] = C;
    for (size_t k = 0; k < nn; k++)
      dp->M[k] += c * A[k];
    C = dp->q[l - 1] + dp->beta[l] * C * tau;
  }
  dp->C[0] = C;
  for (size_t k = 0; k < nn; k++)
    dp->M[k] += C * dp->K0[k];
  for (size_t i = 0; i < n; i++)
    dp->M[i * n + i] += dp->lambda;
}

/* F_l = delta_l - gamma_l (alpha_l + beta_l t_{l-1}) at delta (F[1..L]); dp->m = tr R/n.
 * Not reported (the caller reports): DEQ_EBRANCH if the matrix is not positive definite,
 * DEQ_ENOMEM, DEQ_EBADFUNC for a non-finite trace. */
static int residual(deq_datapencil *dp, const double *delta, double *F)
{
  size_t n = dp->n, nn = n * n;
  build_matrix(dp, delta);
  double anorm = norm1_sym(n, dp->M, dp->col);
  lapack_int nl = (lapack_int) n;
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', nl, dp->M, nl);
  if (info == 0)
    info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', nl, dp->M, nl);
  if (info != 0)   /* quiet: a trial step of the damping may leave the cone */
    return info < 0 ? DEQ_ENOMEM : DEQ_EBRANCH;
  double tr = 0;
  for (size_t i = 0; i < n; i++)
    tr += dp->M[i * n + i];
  dp->m = tr / (double) n;
  dp->kappa = anorm * norm1_sym(n, dp->M, dp->col);
  double t_prev = trace_prod(n, dp->K0, dp->M);
  for (size_t l = 1; l <= dp->L; l++) {
    double alpha = trace_prod(n, dp->A + (l - 1) * nn, dp->M);
    F[l] = delta[l] - dp->gamma[l] * (alpha + dp->beta[l] * t_prev);
    t_prev = delta[l] * dp->tau[l] / dp->gamma[l];
  }
  return isfinite(dp->m) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

/* residual() at a point of the iteration, from the cache when it is the last point. */
static int base_residual(deq_datapencil *dp, const double *d, double *f)
{
  size_t L = dp->L;
  if (dp->cached && memcmp(d + 1, dp->cache_d + 1, L * sizeof *d) == 0) {
    memcpy(f + 1, dp->cache_f + 1, L * sizeof *f);
    dp->m = dp->cache_m;
    dp->kappa = dp->cache_kappa;
    return DEQ_SUCCESS;
  }
  int s = residual(dp, d, f);
  dp->cached = s == DEQ_SUCCESS;
  if (dp->cached) {
    memcpy(dp->cache_d + 1, d + 1, L * sizeof *d);
    memcpy(dp->cache_f + 1, f + 1, L * sizeof *f);
    dp->cache_m = dp->m;
    dp->cache_kappa = dp->kappa;
  }
  return s;
}

/* The solve driver's function: x = delta_1..delta_L (real parts), F and the forward-difference
 * Jacobian; with the Jacobian also the gradient of m (dp->grad), which root_error needs (m and
 * kappa at x are the cache's). */
static int newton_fn(const double complex *x, void *params, double complex *F,
                     double complex *J)
{
  deq_datapencil *dp = params;
  size_t L = dp->L;
  double d[DEQ_PENCIL_MAXL + 1] = { 0 }, f0[DEQ_PENCIL_MAXL + 1], f1[DEQ_PENCIL_MAXL + 1];
  for (size_t l = 1; l <= L; l++)
    d[l] = creal(x[l - 1]);
  int s = base_residual(dp, d, f0);
  double m0 = dp->m;
  for (size_t l = 1; l <= L && !s; l++)
    F[l - 1] = f0[l];
  for (size_t k = 1; k <= L && J != NULL && !s; k++) {
    double h = DP_FD_STEP * (1.0 + fabs(d[k])), keep = d[k];
    d[k] = keep + h;
    s = residual(dp, d, f1);
    d[k] = keep;
    dp->grad[k] = (dp->m - m0) / h;
    for (size_t i = 1; i <= L && !s; i++)
      J[(i - 1) * L + (k - 1)] = (f1[i] - f0[i]) / h;
  }
  dp->m = m0;
  return s;
}

/* Kbar_l = k(Kbar_{l-1}) (into out); the kernel's entry error is not needed: the pencil is
 * approximate far above it. */
static int next_kernel(const deq_datakernel *dk, size_t n, const double *prev, double *out,
                       int deriv)
{
  double err;
  memcpy(out, prev, n * n * sizeof *out);
  return deriv ? deq_datakernel_deriv_matrix(dk, n, out, &err)
               : deq_datakernel_matrix(dk, n, out, &err);
}

/* C3b's slope of layer l from Kbar = Kbar_{l-1} and kd = k'(Kbar_{l-1}) (R15). */
static double matched_slope(size_t n, const double *K, const double *kd)
{
  double num = 0, den = 0;
  for (size_t a = 0; a < n; a++)
    for (size_t c = a + 1; c < n; c++) {
      double v = K[a * n + a] * K[c * n + c] + K[a * n + c] * K[a * n + c];
      num += kd[a * n + c] * kd[a * n + c] * v;
      den += v;
    }
  return den > 0 ? sqrt(num / den) : 0.0;
}

static double mean_diag(size_t n, const double *K)
{
  double s = 0;
  for (size_t a = 0; a < n; a++)
    s += K[a * n + a];
  return s / (double) n;
}

/* The CK: Kbar_1..Kbar_L, slopes, A_{l-1} = Kbar_l - beta_l Kbar_{l-1}; the moment pieces. */
static int build_ck(deq_datapencil *dp, const deq_datakernel *dk, deq_datapencil_slope slope,
                    double *prev, double *cur, double *kd, double *e)
{
  size_t n = dp->n, nn = n * n;
  double b = deq_datakernel_b(dk);
  memcpy(prev, dp->K0, nn * sizeof *prev);
  int s = DEQ_SUCCESS;
  for (size_t l = 1; l <= dp->L && !s; l++) {
    s = next_kernel(dk, n, prev, cur, 0);
    if (!s && l >= 2 && slope == DEQ_DATAPENCIL_SLOPE_MATCHED)
      s = next_kernel(dk, n, prev, kd, 1);
    if (s)
      break;
    dp->beta[l] = l == 1 || slope == DEQ_DATAPENCIL_SLOPE_B ? b : matched_slope(n, prev, kd);
    double *A = dp->A + (l - 1) * nn, mu = mean_diag(n, cur);
    for (size_t k = 0; k < nn; k++)
      A[k] = cur[k] - dp->beta[l] * prev[k];
    *e = dp->beta[l] * dp->beta[l] * *e + dp->gamma[l] * mu * mu;
    memcpy(prev, cur, nn * sizeof *prev);
  }
  return s;   /* prev = Kbar_L */
}

/* The NTK (N2): D_x = k'(K_0) o K_0, A_0 = Kbar_1, beta_1 = 0, q = (0, 1). */
static int build_ntk(deq_datapencil *dp, const deq_datakernel *dk, double *prev, double *e)
{
  size_t n = dp->n, nn = n * n;
  int s = next_kernel(dk, n, dp->K0, dp->A, 0);
  if (!s)
    s = next_kernel(dk, n, dp->K0, dp->Dx, 1);
  if (s)
    return s;
  for (size_t k = 0; k < nn; k++) {
    dp->Dx[k] *= dp->K0[k];
    prev[k] = dp->Dx[k] + dp->A[k];
  }
  dp->beta[1] = 0.0;
  double mu = mean_diag(n, dp->A);
  *e = dp->gamma[1] * mu * mu;
  return DEQ_SUCCESS;   /* prev = M = D_x + Kbar_1 */
}

static int check_args(const deq_datakernel *dk, size_t n, const double *K0, size_t L,
                      const double *gamma, deq_datapencil_kind kind, deq_datapencil_slope slope)
{
  DEQ_CHECK_NULL(dk, "dk");
  DEQ_CHECK_NULL(K0, "K0");
  DEQ_CHECK_NULL(gamma, "gamma");
  DEQ_CHECK(n >= 1 && n <= (size_t) INT_MAX, "deq_datapencil_alloc: need 1 <= n <= %d, got %zu",
            INT_MAX, n);
  DEQ_CHECK(kind == DEQ_DATAPENCIL_CK || kind == DEQ_DATAPENCIL_NTK,
            "deq_datapencil_alloc: unknown kind %d", (int) kind);
  DEQ_CHECK(slope == DEQ_DATAPENCIL_SLOPE_MATCHED || slope == DEQ_DATAPENCIL_SLOPE_B,
            "deq_datapencil_alloc: unknown slope %d", (int) slope);
  DEQ_CHECK(L >= 1 && L <= (kind == DEQ_DATAPENCIL_NTK ? 1 : DEQ_PENCIL_MAXL),
            "deq_datapencil_alloc: layers: need 1 <= L <= %d for the %s, got %zu",
            kind == DEQ_DATAPENCIL_NTK ? 1 : DEQ_PENCIL_MAXL,
            kind == DEQ_DATAPENCIL_NTK ? "NTK (N2 is derived for one hidden layer)" : "CK", L);
  for (size_t l = 1; l <= L; l++) {
    char name[32];
    snprintf(name, sizeof name, "gamma[%zu]", l);
    int s = deq_check_ratio(gamma[l], name);
    if (s)
      return s;
  }
  for (size_t k = 0; k < n * n; k++)
    DEQ_CHECK(isfinite(K0[k]), "deq_datapencil_alloc: K0[%zu][%zu] = %g is not finite",
              k / n, k % n, K0[k]);
  return DEQ_SUCCESS;
}

static void moments_from(deq_datapencil *dp, const double *M, double e)
{
  size_t n = dp->n;
  double f = 0;
  for (size_t k = 0; k < n * n; k++)
    f += M[k] * M[k];
  dp->m1 = mean_diag(n, M);
  dp->m2 = f / (double) n + e;
  dp->merr = 4 * (double) n * DBL_EPSILON * dp->m2;
}

static int build(deq_datapencil *dp, const deq_datakernel *dk, deq_datapencil_slope slope)
{
  size_t nn = dp->n * dp->n;
  double *w = deq_mem_doubles(3 * nn), e = 0;
  if (w == NULL)
    DEQ_ERROR("deq_datapencil_alloc: out of memory for the kernels", DEQ_ENOMEM);
  int s = dp->kind == DEQ_DATAPENCIL_NTK ? build_ntk(dp, dk, w, &e)
                                         : build_ck(dp, dk, slope, w, w + nn, w + 2 * nn, &e);
  if (!s)
    moments_from(dp, w, e);
  deq_mem_free(w);
  return s;
}

int deq_datapencil_alloc(const deq_datakernel *dk, size_t n, const double *K0, size_t L,
                         const double *gamma, deq_datapencil_kind kind,
                         deq_datapencil_slope slope, deq_datapencil **out)
{
  DEQ_CHECK_NULL(out, "dp");
  *out = NULL;
  int s = check_args(dk, n, K0, L, gamma, kind, slope);
  if (s)
    return s;
  deq_datapencil *dp = calloc(1, sizeof *dp);
  size_t nn = n * n;
  if (dp == NULL)
    DEQ_ERROR("deq_datapencil_alloc: out of memory", DEQ_ENOMEM);
  dp->n = n;
  dp->L = L;
  dp->kind = kind;
  for (size_t l = 1; l <= L; l++)
    dp->gamma[l] = gamma[l];
  dp->q[L] = 1.0;
  dp->K0 = deq_mem_doubles(nn);
  dp->A = deq_mem_doubles(L * nn);
  dp->M = deq_mem_doubles(nn);
  dp->col = deq_mem_doubles(n);
  dp->Dx = kind == DEQ_DATAPENCIL_NTK ? deq_mem_doubles(nn) : NULL;
  dp->newton = deq_solver_alloc(deq_solver_newton, L);
  if (!dp->K0 || !dp->A || !dp->M || !dp->col || !dp->newton || (kind == DEQ_DATAPENCIL_NTK && !dp->Dx)) {
    deq_datapencil_free(dp);
    DEQ_ERROR("deq_datapencil_alloc: out of memory", DEQ_ENOMEM);
  }
  memcpy(dp->K0, K0, nn * sizeof *K0);
  s = build(dp, dk, slope);
  if (s) {
    deq_datapencil_free(dp);
    return s;
  }
  *out = dp;
  return DEQ_SUCCESS;
}

void deq_datapencil_free(deq_datapencil *dp)
{
  if (dp == NULL)
    return;
  deq_mem_free(dp->K0);
  deq_mem_free(dp->A);
  deq_mem_free(dp->M);
  deq_mem_free(dp->col);
  deq_mem_free(dp->Dx);
  deq_solver_free(dp->newton);
  free(dp);
}

double deq_datapencil_beta(const deq_datapencil *dp, size_t l)
{
  DEQ_CHECK_NULL_NAN(dp, "dp");
  DEQ_REQUIRE_RET(l >= 1 && l <= dp->L, NAN, "%s: layer %zu out of 1..%zu", __func__, l, dp->L);
  return dp->beta[l];
}

/* The error bar of m at the root: the Newton correction dx = -J^{-1} F carried to m by the
 * forward-difference gradient of m, plus the round-off of tr R/n.  Leaves dp->m at the root. */
static int root_error(deq_datapencil *dp, const double complex *x, double *err)
{
  size_t L = dp->L;
  double complex F[DEQ_PENCIL_MAXL], J[DEQ_PENCIL_MAXL * DEQ_PENCIL_MAXL];
  size_t perm[DEQ_PENCIL_MAXL];
  int s = newton_fn(x, dp, F, J);
  if (s)
    return s;
  if (deq_clu_factor(L, J, perm))
    return DEQ_EMAXITER;   /* a singular Jacobian at the root: reported by the caller */
  deq_clu_solve(L, J, perm, 0, F);
  double e = 0;
  for (size_t k = 1; k <= L; k++)
    e += fabs(dp->grad[k]) * cabs(F[k - 1]);
  *err = e + DP_ROUND * (double) dp->n * DBL_EPSILON * dp->cache_kappa * fabs(dp->cache_m);
  return DEQ_SUCCESS;
}

/* Newton at z = -lambda from x (the root on success). */
static int solve_at(deq_datapencil *dp, double lambda, const deq_opts *opts, double complex *x)
{
  deq_opts o = *opts;
  double d[DEQ_PENCIL_MAXL + 1] = { 0 }, f[DEQ_PENCIL_MAXL + 1];
  dp->lambda = lambda;
  dp->cached = 0;
  for (size_t l = 1; l <= dp->L; l++)
    d[l] = creal(x[l - 1]);
  int s = base_residual(dp, d, f);   /* the residual cannot fall below its round-off */
  if (s)
    return s;
  o.tol_res = fmax(o.tol_res, DP_ROUND * (double) dp->n * DBL_EPSILON * dp->kappa);
  return deq_solver_solve(dp->newton, newton_fn, dp, &o, x);
}

/* The start at the next rung: the last root, moved along the power law through the last two
 * roots, delta ~ lambda^p per component (delta > 0 at every root: gamma_l times the trace of
 * a PSD product); p -> -1 for a layer whose law has an atom at 0, p -> 0 otherwise. */
static void predict(size_t L, const double complex *x0, double lam0, const double complex *x1,
                    double lam1, double lam2, double complex *x)
{
  for (size_t l = 0; l < L; l++) {
    double a = creal(x0[l]), b = creal(x1[l]);
    double p = a > 0 && b > 0 && lam0 != lam1 ? log(b / a) / log(lam1 / lam0) : 0.0;
    x[l] = b * pow(lam2 / lam1, p);
  }
}

/* The root at lambda: Newton from the last root found (continuation along the caller's
 * lambdas) or R14's start delta_l = gamma_l/(1 + lambda); if that fails, a ladder from
 * lambda_top = DP_LADDER_TOP (1 + m1) down to lambda by factors DP_LADDER_FACTOR, each rung
 * started by predict() from the two before it (at large lambda, delta_l ~ gamma_l mu_l/lambda:
 * any start near it converges). */
static int find_root(deq_datapencil *dp, double lambda, const deq_opts *opts, double complex *x)
{
  size_t L = dp->L;
  for (size_t l = 1; l <= L; l++)
    x[l - 1] = dp->have_root ? dp->root[l - 1] : dp->gamma[l] / (1.0 + lambda);
  if (solve_at(dp, lambda, opts, x) == DEQ_SUCCESS)
    return DEQ_SUCCESS;
  double top = DP_LADDER_TOP * (1.0 + fabs(dp->m1)), lam = fmax(lambda, top), lam0 = lam;
  double complex x0[DEQ_PENCIL_MAXL];
  for (size_t l = 1; l <= L; l++)
    x[l - 1] = dp->gamma[l] / (1.0 + lam);
  for (;;) {
    int s = solve_at(dp, lam, opts, x);
    if (s || lam == lambda)
      return s;
    double next = fmax(lambda, lam / DP_LADDER_FACTOR);
    double complex x1[DEQ_PENCIL_MAXL];
    memcpy(x1, x, L * sizeof *x);
    if (lam0 == lam)   /* the first rung: no slope yet, the root itself */
      memcpy(x, x1, L * sizeof *x);
    else
      predict(L, x0, lam0, x1, lam, next, x);
    memcpy(x0, x1, L * sizeof *x);
    lam0 = lam;
    lam = next;
  }
}

int deq_datapencil_res(deq_datapencil *dp, double lambda, const deq_opts *opts,
                       deq_result *res)
{
  DEQ_CHECK_NULL(dp, "dp");
  DEQ_CHECK_NULL(res, "res");
  res->val = NAN;
  res->err = INFINITY;
  DEQ_CHECK(lambda > 0 && isfinite(lambda), "%s: need a finite lambda > 0, got %g", __func__,
            lambda);
  deq_opts o;
  if (opts)
    o = *opts;
  else
    deq_opts_init(&o);
  double complex x[DEQ_PENCIL_MAXL];
  double err;
  int s = find_root(dp, lambda, &o, x);
  if (!s)
    s = root_error(dp, x, &err);
  if (s == DEQ_ENOMEM)
    DEQ_ERRORF(s, "datapencil: out of memory in LAPACK at lambda = %g", lambda);
  if (s == DEQ_EBRANCH)
    DEQ_ERRORF(s, "datapencil: the pencil matrix at lambda = %g is not positive definite: "
               "the linearised layers left the SPD cone", lambda);
  if (s)
    DEQ_ERRORF(s, "datapencil: Newton did not converge at lambda = %g (residual %.3g)", lambda,
               dp->newton->resid);
  memcpy(dp->root, x, dp->L * sizeof *x);
  dp->have_root = 1;
  res->val = dp->m;
  res->err = err;
  return DEQ_SUCCESS;
}

int deq_datapencil_moments(const deq_datapencil *dp, deq_result *m1, deq_result *m2)
{
  DEQ_CHECK_NULL(dp, "dp");
  DEQ_CHECK_NULL(m1, "m1");
  DEQ_CHECK_NULL(m2, "m2");
  m1->val = dp->m1;
  m1->err = 4 * (double) dp->n * DBL_EPSILON * fabs(dp->m1);
  m2->val = dp->m2;
  m2->err = dp->merr;
  return DEQ_SUCCESS;
}
