/* Tests for the two-layer Monte Carlo (rf_onestep S1, rf_onestep S10): the gradient against
 * finite differences, the two ridge forms, least squares and the minimum-norm
 * interpolator, paired and reproducible draws, alignment, and every error path. */
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "deqnn/rng.h"
#include "deqnn/twolayer.h"


/* A small spec: n_g differs from n so that a mix-up of the batches shows. */
static deq_twolayer_spec small_spec(size_t d, size_t N, size_t n, const char *act,
                                    const char *teacher)
{
  deq_twolayer_spec s;
  deq_twolayer_spec_init(&s);
  s.d = d;
  s.N = N;
  s.n = n;
  s.n_g = n + 7;
  s.n_test = 500;
  s.noise = 0.0917;
  assert_int_equal(deq_act_parse(act, "act", &s.act), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse(teacher, "teacher", &s.teacher), DEQ_SUCCESS);
  return s;
}

static deq_twolayer *alloc_ok(const deq_twolayer_spec *s)
{
  deq_twolayer *tl = NULL;
  assert_int_equal(deq_twolayer_alloc(s, &tl), DEQ_SUCCESS);
  assert_non_null(tl);
  return tl;
}

static double *copy(const double *x, size_t n)
{
  double *y = malloc(n * sizeof(double));
  assert_non_null(y);
  memcpy(y, x, n * sizeof(double));
  return y;
}

static double norm(size_t n, const double *x)
{
  return cblas_dnrm2((int) n, x, 1);
}

static double max_abs_diff(size_t n, const double *x, const double *y)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    m = fmax(m, fabs(x[i] - y[i]));
  return m;
}

/* ------------------------------------------------------------------------------
 * Gradient. */

/* L(W) = (1/(2 n_g)) sum_i (a^T sigma(W^T x_i)/sqrt(N) - y_i)^2, by plain loops. */
static double loss(const deq_twolayer_spec *s, const deq_twolayer_data *v, const double *W)
{
  double L = 0.0;
  for (size_t i = 0; i < s->n_g; i++) {
    double f = 0.0;
    for (size_t j = 0; j < s->N; j++) {
      double z = 0.0;
      for (size_t k = 0; k < s->d; k++)
        z += v->Xg[i * s->d + k] * W[k * s->N + j];
      f += v->a[j] * deq_act_eval(&s->act, z);
    }
    f /= sqrt((double) s->N);
    L += (f - v->yg[i]) * (f - v->yg[i]);
  }
  return L / (2.0 * (double) s->n_g);
}

/* G0 = -dL/dW by central differences, every entry.  With h = 1e-4 the truncation
 * error h^2/6 |d^3L/dW^3| is about 1e-10 here (|a_j|/sqrt(N) ~ 0.025, |tanh'''| <= 2,
 * E|x|^3 ~ 1.6) and the rounding error eps L/h about 1e-12; the entries of G0 are
 * of order 1e-3, so 1e-9 leaves a 10x margin and catches any wrong factor. */
static void test_gradient_fd(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 40, 50, "tanh", "poly:0.3,1,0.5");
  deq_twolayer *tl = alloc_ok(&s);
  deq_twolayer_data v;
  const double h = 1e-4;
  double gmax = 0.0;
  assert_int_equal(deq_twolayer_draw(tl, 31, 2), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  double *W = copy(v.W0, s.d * s.N);
  for (size_t e = 0; e < s.d * s.N; e++) {
    double w = W[e], lp, lm;
    W[e] = w + h;
    lp = loss(&s, &v, W);
    W[e] = w - h;
    lm = loss(&s, &v, W);
    W[e] = w;
    assert_close(v.G0[e], -(lp - lm) / (2 * h), 1e-9);
    gmax = fmax(gmax, fabs(v.G0[e]));
  }
  assert_true(gmax > 1e-4);  /* the test is not vacuous */
  free(W);
  deq_twolayer_free(tl);
}

/* ------------------------------------------------------------------------------
 * Ridge. */

/* Draw (master, rep), step eta, ridge lambda; a_hat copied out. */
static double *ridge_a(deq_twolayer_spec s, deq_twolayer_ridge_form form, double lambda,
                       double *train_error)
{
  deq_twolayer_data v;
  double *a;
  s.form = form;
  deq_twolayer *tl = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 77, 5), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_step(tl, 1.385, 0), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_ridge(tl, lambda, train_error), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  a = copy(v.a_hat, s.N);
  deq_twolayer_free(tl);
  return a;
}

/* The N x N and n x n systems give one a_hat, for N < n and for N > n.  Both are
 * backward stable; with cond(Phi^T Phi + n lambda I) ~ 1e3 the difference is ~1e-13. */
static void test_ridge_forms_agree(void **state)
{
  (void) state;
  const size_t widths[2] = { 40, 63 };
  for (int c = 0; c < 2; c++) {
    deq_twolayer_spec s = small_spec(30, widths[c], 50, "tanh", "poly:0,1,0.5");
    double tp, tk;
    double *ap = ridge_a(s, DEQ_TWOLAYER_RIDGE_PRIMAL, 0.0237, &tp);
    double *ak = ridge_a(s, DEQ_TWOLAYER_RIDGE_KERNEL, 0.0237, &tk);
    double *aa = ridge_a(s, DEQ_TWOLAYER_RIDGE_AUTO, 0.0237, &tk);
    assert_true(max_abs_diff(s.N, ap, ak) <= 1e-10 * norm(s.N, ap));
    assert_true(max_abs_diff(s.N, ap, aa) <= 1e-10 * norm(s.N, ap));
    assert_close(tp, tk, 1e-10);
    free(ap);
    free(ak);
    free(aa);
  }
}

/* r = Phi^T (y - Phi a) / n - lambda a: the gradient of the ridge objective / 2. */
static double normal_residual(const deq_twolayer_spec *s, const deq_twolayer_data *v,
                              double lambda, double *scale)
{
  double *e = copy(v->y, s->n), *g = malloc(s->N * sizeof(double)), r;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) s->n, (int) s->N, -1.0, v->Phi, (int) s->N,
              v->a_hat, 1, 1.0, e, 1);
  cblas_dgemv(CblasRowMajor, CblasTrans, (int) s->n, (int) s->N, 1.0 / (double) s->n,
              v->Phi, (int) s->N, e, 1, 0.0, g, 1);
  cblas_daxpy((int) s->N, -lambda, v->a_hat, 1, g, 1);
  r = norm(s->N, g);
  /* the size of the terms that cancel: (||Phi||_F^2 ||a|| + ||Phi|| ||y||)/n */
  *scale = (pow(norm(s->n * s->N, v->Phi), 2) * norm(s->N, v->a_hat)
            + norm(s->n * s->N, v->Phi) * norm(s->n, v->y)) / (double) s->n;
  free(e);
  free(g);
  return r;
}

/* Backward stability: the residual of the normal equations is at most a modest
 * multiple of m eps times the size of the cancelling terms. */
static void test_ridge_normal_equations(void **state)
{
  (void) state;
  const deq_twolayer_ridge_form forms[2] = { DEQ_TWOLAYER_RIDGE_PRIMAL,
                                             DEQ_TWOLAYER_RIDGE_KERNEL };
  for (int f = 0; f < 2; f++) {
    deq_twolayer_spec s = small_spec(30, 40, 50, "relu", "poly:0.2,1,0,0.35");
    deq_twolayer_data v;
    double T, scale, r;
    s.form = forms[f];
    deq_twolayer *tl = alloc_ok(&s);
    assert_int_equal(deq_twolayer_draw(tl, 5, 0), DEQ_SUCCESS);
    assert_int_equal(deq_twolayer_step(tl, 0.7, 0), DEQ_SUCCESS);
    assert_int_equal(deq_twolayer_ridge(tl, 0.0311, &T), DEQ_SUCCESS);
    deq_twolayer_view(tl, &v);
    r = normal_residual(&s, &v, 0.0311, &scale);
    assert_true(r <= 16.0 * 50 * DBL_EPSILON * scale);
    assert_true(norm(s.N, v.a_hat) > 0.1);
    deq_twolayer_free(tl);
  }
}

/* Eigenvalues (ascending) of the m x m symmetric matrix F^T F (trans) or F F^T, F
 * row-major rows x cols. */
static void gram_eigenvalues(const double *F, size_t rows, size_t cols, int trans,
                             double *w)
{
  size_t m = trans ? cols : rows;
  double *G = malloc(m * m * sizeof(double));
  cblas_dsyrk(CblasRowMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans, (int) m,
              (int) (trans ? rows : cols), 1.0, F, (int) cols, 0.0, G, (int) m);
  assert_int_equal(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (int) m, G, (int) m, w), 0);
  free(G);
}

/* N < n: a(lambda) - a_LS = -n lambda (Phi^T Phi + n lambda I)^{-1} a_LS, so
 * ||a(lambda) - a_LS|| <= (n lambda / s_min) ||a_LS||, s_min the smallest eigenvalue of
 * Phi^T Phi; plus rounding, 64 eps cond ||a_LS||.  And a_LS solves the normal
 * equations of least squares. */
static void test_ridge_to_least_squares(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 40, 50, "tanh", "poly:0,1,0.5");
  deq_twolayer_data v;
  double T0, T, scale, w[40];
  const double lambdas[3] = { 1e-4, 1e-7, 1e-10 };
  deq_twolayer *tl = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 41, 1), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_step(tl, 1.2, 0), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_ridge(tl, 0.0, &T0), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  double *als = copy(v.a_hat, s.N), nls = norm(s.N, als);
  assert_true(normal_residual(&s, &v, 0.0, &scale) <= 16.0 * 50 * DBL_EPSILON * scale);
  gram_eigenvalues(v.Phi, s.n, s.N, 1, w);
  assert_true(w[0] > 0);
  for (int k = 0; k < 3; k++) {
    double bound = (50 * lambdas[k] / w[0] + 64 * DBL_EPSILON * w[s.N - 1] / w[0]) * nls;
    assert_int_equal(deq_twolayer_ridge(tl, lambdas[k], &T), DEQ_SUCCESS);
    assert_true(max_abs_diff(s.N, v.a_hat, als) <= bound);
    assert_true(T >= T0 * (1 - 1e-12));  /* least squares has the smallest T */
  }
  assert_true(max_abs_diff(s.N, v.a_hat, als) <= 1e-6 * nls);
  free(als);
  deq_twolayer_free(tl);
}

/* N > n, lambda = 0: the minimum-norm interpolator a = Phi^T (Phi Phi^T)^{-1} y.  The
 * training error is rounding-level and a lies in the row space of Phi; both are
 * compared with the formula, solved here by Cholesky, to 64 eps cond(Phi Phi^T). */
static void test_min_norm_interpolator(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 63, 50, "tanh", "poly:0,1,0.5");
  deq_twolayer_data v;
  double T, w[50], K[50 * 50], c[50];
  deq_twolayer *tl = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 43, 0), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_step(tl, 0.9, 0), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_ridge(tl, 0.0, &T), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  gram_eigenvalues(v.Phi, s.n, s.N, 0, w);
  double cond = w[s.n - 1] / w[0], ey2 = pow(norm(s.n, v.y), 2) / (double) s.n;
  assert_true(T <= pow(64 * DBL_EPSILON * cond, 2) * ey2);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, 50, (int) s.N, 1.0, v.Phi,
              (int) s.N, 0.0, K, 50);
  memcpy(c, v.y, sizeof c);
  assert_int_equal(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', 50, 1, K, 50, c, 1), 0);
  double *a = malloc(s.N * sizeof(double));
  cblas_dgemv(CblasRowMajor, CblasTrans, 50, (int) s.N, 1.0, v.Phi, (int) s.N, c, 1, 0.0,
              a, 1);
  assert_true(max_abs_diff(s.N, a, v.a_hat) <= 64 * DBL_EPSILON * cond * norm(s.N, a));
  free(a);
  deq_twolayer_free(tl);
}

/* ------------------------------------------------------------------------------
 * Steps, pairing, reproducibility. */

static void test_step(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 40, 50, "erf", "poly:0,1,0.5");
  const size_t dN = 30 * 40;
  deq_twolayer_data v;
  deq_twolayer *tl = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 3, 9), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  assert_memory_equal(v.W1, v.W0, dN * sizeof(double));
  assert_int_equal(deq_twolayer_step(tl, 2.5, 0), DEQ_SUCCESS);
  for (size_t i = 0; i < dN; i++)
    assert_close(v.W1[i], v.W0[i] + 2.5 * sqrt(40.0) * v.G0[i], 1e-15);
  double *w_small = copy(v.W1, dN);
  assert_int_equal(deq_twolayer_step(tl, 0.0, 0), DEQ_SUCCESS);
  assert_memory_equal(v.W1, v.W0, dN * sizeof(double));
  assert_int_equal(deq_twolayer_step(tl, 0.7, 1), DEQ_SUCCESS);
  for (size_t i = 0; i < dN; i++)
    assert_close(v.W1[i], v.W0[i] + 0.7 * 40.0 * v.G0[i], 1e-15);
  /* large step c == small step eta = c sqrt(N) */
  assert_int_equal(deq_twolayer_step(tl, 2.5 / sqrt(40.0), 1), DEQ_SUCCESS);
  for (size_t i = 0; i < dN; i++)
    assert_close(v.W1[i], w_small[i], 1e-14);
  assert_int_equal(deq_twolayer_step(tl, 0.0, 1), DEQ_SUCCESS);
  assert_memory_equal(v.W1, v.W0, dN * sizeof(double));
  free(w_small);
  deq_twolayer_free(tl);
}

/* The arrays of one draw that every eta shares. */
typedef struct { double *beta, *W0, *a, *G0, *Xg, *yg, *X, *y, *Xt, *ft; } snapshot;

static snapshot take(const deq_twolayer_spec *s, const deq_twolayer *tl)
{
  deq_twolayer_data v;
  snapshot p;
  deq_twolayer_view(tl, &v);
  p.beta = copy(v.beta, s->d);
  p.W0 = copy(v.W0, s->d * s->N);
  p.a = copy(v.a, s->N);
  p.G0 = copy(v.G0, s->d * s->N);
  p.Xg = copy(v.Xg, s->n_g * s->d);
  p.yg = copy(v.yg, s->n_g);
  p.X = copy(v.X, s->n * s->d);
  p.y = copy(v.y, s->n);
  p.Xt = copy(v.Xt, s->n_test * s->d);
  p.ft = copy(v.ft, s->n_test);
  return p;
}

static void assert_same(const deq_twolayer_spec *s, const snapshot *p, const deq_twolayer *tl)
{
  deq_twolayer_data v;
  deq_twolayer_view(tl, &v);
  assert_memory_equal(p->beta, v.beta, s->d * sizeof(double));
  assert_memory_equal(p->W0, v.W0, s->d * s->N * sizeof(double));
  assert_memory_equal(p->a, v.a, s->N * sizeof(double));
  assert_memory_equal(p->G0, v.G0, s->d * s->N * sizeof(double));
  assert_memory_equal(p->Xg, v.Xg, s->n_g * s->d * sizeof(double));
  assert_memory_equal(p->yg, v.yg, s->n_g * sizeof(double));
  assert_memory_equal(p->X, v.X, s->n * s->d * sizeof(double));
  assert_memory_equal(p->y, v.y, s->n * sizeof(double));
  assert_memory_equal(p->Xt, v.Xt, s->n_test * s->d * sizeof(double));
  assert_memory_equal(p->ft, v.ft, s->n_test * sizeof(double));
}

static void release(snapshot *p)
{
  free(p->beta); free(p->W0); free(p->a); free(p->G0); free(p->Xg);
  free(p->yg); free(p->X); free(p->y); free(p->Xt); free(p->ft);
}

static deq_twolayer_result fit_ok(deq_twolayer *tl, double eta, double lambda)
{
  deq_twolayer_result r;
  assert_int_equal(deq_twolayer_step(tl, eta, 0), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_fit(tl, lambda, &r), DEQ_SUCCESS);
  return r;
}

/* Different eta on one draw: beta, W0, a, G0 and every batch stay bit for bit; the
 * same (master, replicate) gives bit-identical results, in another workspace and
 * after other replicates. */
static void test_paired_and_reproducible(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 40, 50, "tanh", "poly:0,1,0.5");
  deq_twolayer *tl = alloc_ok(&s), *tl2 = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 11, 3), DEQ_SUCCESS);
  snapshot p = take(&s, tl);
  deq_twolayer_result r0 = fit_ok(tl, 0.0, 0.02), r1 = fit_ok(tl, 2.5, 0.02);
  assert_true(r1.risk != r0.risk && r1.align_w1 != r0.align_w1);
  assert_true(r1.align_grad == r0.align_grad);
  assert_same(&s, &p, tl);
  assert_int_equal(deq_twolayer_draw(tl2, 11, 4), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_draw(tl2, 11, 3), DEQ_SUCCESS);
  assert_same(&s, &p, tl2);
  deq_twolayer_result q1 = fit_ok(tl2, 2.5, 0.02);
  assert_memory_equal(&q1, &r1, sizeof q1);
  assert_int_equal(deq_twolayer_draw(tl, 11, 4), DEQ_SUCCESS);
  deq_twolayer_result q4 = fit_ok(tl, 0.0, 0.02);
  assert_true(q4.risk != r0.risk);
  assert_int_equal(deq_twolayer_draw(tl, 11, 3), DEQ_SUCCESS);
  deq_twolayer_result q0 = fit_ok(tl, 0.0, 0.02);
  assert_memory_equal(&q0, &r0, sizeof q0);
  release(&p);
  deq_twolayer_free(tl);
  deq_twolayer_free(tl2);
}

/* The draw order of the header, replayed from deq_rng_alloc(master, replicate);
 * another noise level changes only the labels (pairing across tau^2). */
static void test_draw_order(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(20, 25, 30, "tanh", "poly:0.1,1,0.5");
  const size_t d = 20, N = 25, ng = 37, n = 30, nt = 500;
  deq_twolayer_data v;
  deq_twolayer *tl = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl, 123, 45), DEQ_SUCCESS);
  deq_twolayer_view(tl, &v);
  gsl_rng *r = deq_rng_alloc(123, 45);
  double *x = malloc((nt * d + d * N) * sizeof(double)), e[37], t;
  deq_rng_gaussian(r, 1.0, d, x);
  for (size_t i = 0; i < d; i++)
    assert_close(v.beta[i], x[i] / norm(d, x), 1e-15);
  deq_rng_gaussian(r, 1.0 / sqrt((double) d), d * N, x);
  assert_memory_equal(x, v.W0, d * N * sizeof(double));
  deq_rng_gaussian(r, 1.0 / sqrt((double) N), N, x);
  assert_memory_equal(x, v.a, N * sizeof(double));
  deq_rng_gaussian(r, 1.0, ng * d, x);
  assert_memory_equal(x, v.Xg, ng * d * sizeof(double));
  deq_rng_gaussian(r, sqrt(s.noise), ng, e);
  for (size_t i = 0; i < ng; i++) {
    t = cblas_ddot((int) d, v.Xg + i * d, 1, v.beta, 1);
    assert_close(v.yg[i], deq_act_eval(&s.teacher, t) + e[i], 1e-14);
  }
  deq_rng_gaussian(r, 1.0, n * d, x);
  assert_memory_equal(x, v.X, n * d * sizeof(double));
  deq_rng_gaussian(r, sqrt(s.noise), n, e);
  deq_rng_gaussian(r, 1.0, nt * d, x);
  assert_memory_equal(x, v.Xt, nt * d * sizeof(double));
  for (size_t i = 0; i < nt; i++)
    assert_close(v.ft[i], deq_act_eval(&s.teacher, cblas_ddot((int) d, v.Xt + i * d, 1,
                                                             v.beta, 1)), 1e-14);
  /* noise 0: same beta, W0, a and inputs */
  snapshot p = take(&s, tl);
  s.noise = 0.0;
  deq_twolayer *tl0 = alloc_ok(&s);
  assert_int_equal(deq_twolayer_draw(tl0, 123, 45), DEQ_SUCCESS);
  deq_twolayer_view(tl0, &v);
  assert_memory_equal(p.W0, v.W0, d * N * sizeof(double));
  assert_memory_equal(p.X, v.X, n * d * sizeof(double));
  assert_memory_equal(p.Xt, v.Xt, nt * d * sizeof(double));
  assert_memory_equal(p.ft, v.ft, nt * sizeof(double));
  assert_true(max_abs_diff(n, p.y, v.y) > 0);
  release(&p);
  free(x);
  gsl_rng_free(r);
  deq_twolayer_free(tl);
  deq_twolayer_free(tl0);
}

/* OpenBLAS with 1 and with 2 threads (sizes above its threading threshold of
 * m n k = 2.6e5): results agree to rounding. */
static void test_thread_count(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(120, 200, 250, "tanh", "poly:0,1,0.5");
  deq_twolayer_result r[2];
  int saved = openblas_get_num_threads();
  s.n_test = 1000;
  deq_twolayer *tl = alloc_ok(&s);
  for (int k = 0; k < 2; k++) {
    openblas_set_num_threads(k + 1);
    assert_int_equal(deq_twolayer_draw(tl, 8, 1), DEQ_SUCCESS);
    r[k] = fit_ok(tl, 2.5, 0.02);
  }
  openblas_set_num_threads(saved);
  assert_close(r[1].risk, r[0].risk, 1e-12);
  assert_close(r[1].train_error, r[0].train_error, 1e-12);
  assert_close(r[1].align_grad, r[0].align_grad, 1e-12);
  assert_close(r[1].align_w1, r[0].align_w1, 1e-12);
  print_message("threads 1 vs 2: results %s\n",
                memcmp(&r[0], &r[1], sizeof r[0]) == 0 ? "bit-identical" : "differ by rounding");
  deq_twolayer_free(tl);
}

/* ------------------------------------------------------------------------------
 * Singular vectors and alignment. */

/* Planted spike A = W0 + 1000 beta a^T/||a||.  By Wedin's theorem
 * sin^2 theta(u_1(A), beta) <= (||W0|| / (1000 - ||W0||))^2, with ||W0||_F >= ||W0||. */
static void test_align_planted(void **state)
{
  (void) state;
  const size_t shapes[2][2] = { { 30, 40 }, { 50, 20 } };
  for (int c = 0; c < 2; c++) {
    size_t d = shapes[c][0], N = shapes[c][1];
    deq_twolayer_spec s = small_spec(d, N, 50, "tanh", "poly:0,1,0.5");
    deq_twolayer_data v;
    deq_twolayer *tl = alloc_ok(&s);
    assert_int_equal(deq_twolayer_draw(tl, 17, (uint64_t) c), DEQ_SUCCESS);
    deq_twolayer_view(tl, &v);
    double *A = copy(v.W0, d * N), *u = malloc(d * sizeof(double));
    double na = norm(N, v.a), fw = norm(d * N, v.W0);
    cblas_dger(CblasRowMajor, (int) d, (int) N, 1000.0 / na, v.beta, 1, v.a, 1, A, (int) N);
    assert_int_equal(deq_twolayer_top_left(tl, A, u), DEQ_SUCCESS);
    assert_close(norm(d, u), 1.0, 1e-14);
    double c2 = pow(cblas_ddot((int) d, u, 1, v.beta, 1), 2);
    assert_true(1.0 - c2 <= pow(fw / (1000.0 - fw), 2) + 1e-14);
    assert_true(c2 <= 1.0 + 1e-14);
    free(A);
    free(u);
    deq_twolayer_free(tl);
  }
}

/* top_left against the first column of U from dgesdd: 1 - |<u, u_svd>| is at most
 * ~ eps s1^2/(s1^2 - s2^2) (the Gram matrix squares the singular values); and
 * deq_twolayer_align returns <u, beta>^2 for G0 and W1. */
static void test_top_left_vs_gesdd(void **state)
{
  (void) state;
  const size_t shapes[2][2] = { { 30, 40 }, { 50, 20 } };
  for (int c = 0; c < 2; c++) {
    size_t d = shapes[c][0], N = shapes[c][1], k = d < N ? d : N;
    deq_twolayer_spec s = small_spec(d, N, 50, "tanh", "poly:0.2,1,0.5");
    deq_twolayer_data v;
    deq_twolayer *tl = alloc_ok(&s);
    assert_int_equal(deq_twolayer_draw(tl, 19, (uint64_t) c), DEQ_SUCCESS);
    deq_twolayer_result res = fit_ok(tl, 2.5, 0.02);
    deq_twolayer_view(tl, &v);
    const double *mats[2] = { v.G0, v.W1 };
    const double want[2] = { res.align_grad, res.align_w1 };
    for (int m = 0; m < 2; m++) {
      double *A = copy(mats[m], d * N), *U = malloc(d * k * sizeof(double));
      double *sv = malloc(k * sizeof(double)), *u = malloc(d * sizeof(double));
      assert_int_equal(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (int) d, (int) N, A, (int) N,
                                      sv, U, (int) k, NULL, (int) N), 0);
      assert_int_equal(deq_twolayer_top_left(tl, mats[m], u), DEQ_SUCCESS);
      double dot = 0.0, ub = 0.0;
      for (size_t i = 0; i < d; i++) {
        dot += u[i] * U[i * k];
        ub += u[i] * v.beta[i];
      }
      double gap = sv[0] * sv[0] / (sv[0] * sv[0] - sv[1] * sv[1]);
      assert_true(1.0 - fabs(dot) <= 1e3 * DBL_EPSILON * gap);
      assert_close(ub * ub, want[m], 1e-12);
      free(A); free(U); free(sv); free(u);
    }
    deq_twolayer_free(tl);
  }
}

/* ------------------------------------------------------------------------------
 * Errors and bookkeeping. */

static void expect_alloc_error(deq_twolayer_spec s, int status, const char *name)
{
  deq_twolayer *tl = (deq_twolayer *) &s;  /* must be reset to NULL */
  last_reason[0] = '\0';
  assert_int_equal(deq_twolayer_alloc(&s, &tl), status);
  assert_null(tl);
  if (strstr(last_reason, name) == NULL)
    fail_msg("message '%s' does not name '%s'", last_reason, name);
}

static void test_alloc_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_twolayer_spec s0 = small_spec(30, 40, 50, "tanh", "poly:0,1,0.5"), s;
  const char *names[5] = { "d:", "N:", "n:", "n_g:", "n_test:" };
  for (int k = 0; k < 5; k++) {
    size_t *f[5];
    s = s0;
    f[0] = &s.d; f[1] = &s.N; f[2] = &s.n; f[3] = &s.n_g; f[4] = &s.n_test;
    *f[k] = 0;
    expect_alloc_error(s, DEQ_EINVAL, names[k]);
    *f[k] = (size_t) INT_MAX + 1;
    expect_alloc_error(s, DEQ_EINVAL, names[k]);
  }
  const double bad_noise[3] = { NAN, -0.09, INFINITY };
  for (int k = 0; k < 3; k++) {
    s = s0;
    s.noise = bad_noise[k];
    expect_alloc_error(s, DEQ_EINVAL, "noise");
  }
  s = s0;
  s.act.kind = (deq_act_kind) 99;
  expect_alloc_error(s, DEQ_EINVAL, "act");
  s = s0;
  s.teacher.c[2] = NAN;
  expect_alloc_error(s, DEQ_EINVAL, "teacher");
  s = s0;
  s.form = (deq_twolayer_ridge_form) 7;
  expect_alloc_error(s, DEQ_EINVAL, "form");
  /* far beyond any memory: refused by the size check, before allocating */
  s = s0;
  s.d = s.N = 2000000000;
  expect_alloc_error(s, DEQ_ENOMEM, "GiB");
  s = s0;
  s.n_test = 2000000000;
  s.d = 1000;
  expect_alloc_error(s, DEQ_ENOMEM, "GiB");
  deq_twolayer_free(NULL);
  deq_set_error_handler(old);
}

static void expect(int got, int status, const char *name)
{
  assert_int_equal(got, status);
  assert_int_equal(last_status, status);
  if (strstr(last_reason, name) == NULL)
    fail_msg("message '%s' does not name '%s'", last_reason, name);
  last_reason[0] = '\0';
  last_status = 0;
}

static void test_call_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_twolayer_spec s = small_spec(30, 63, 50, "tanh", "poly:0,1,0.5");
  double x, y, u[30];
  deq_twolayer_result res;
  s.form = DEQ_TWOLAYER_RIDGE_PRIMAL;
  deq_twolayer *tl = alloc_ok(&s);
  expect(deq_twolayer_step(tl, 1.0, 0), DEQ_EINVAL, "draw");
  expect(deq_twolayer_ridge(tl, 0.1, &x), DEQ_EINVAL, "draw");
  expect(deq_twolayer_align(tl, &x, &y), DEQ_EINVAL, "draw");
  expect(deq_twolayer_test(tl, &x), DEQ_EINVAL, "ridge");
  assert_int_equal(deq_twolayer_draw(tl, 1, 2), DEQ_SUCCESS);
  expect(deq_twolayer_test(tl, &x), DEQ_EINVAL, "ridge");
  expect(deq_twolayer_step(tl, NAN, 0), DEQ_EINVAL, "eta");
  expect(deq_twolayer_step(tl, -0.5, 1), DEQ_EINVAL, "eta");
  expect(deq_twolayer_step(tl, INFINITY, 0), DEQ_EINVAL, "eta");
  expect(deq_twolayer_ridge(tl, NAN, &x), DEQ_EINVAL, "lambda");
  expect(deq_twolayer_ridge(tl, -1e-3, &x), DEQ_EINVAL, "lambda");
  expect(deq_twolayer_fit(tl, INFINITY, &res), DEQ_EINVAL, "lambda");
  /* N x N system of rank n < N: Cholesky fails for a negligible lambda */
  expect(deq_twolayer_ridge(tl, 1e-300, &x), DEQ_EINVAL, "lambda");
  assert_int_equal(deq_twolayer_ridge(tl, 0.05, &x), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_test(tl, &x), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_step(tl, 1.0, 0), DEQ_SUCCESS);
  expect(deq_twolayer_test(tl, &x), DEQ_EINVAL, "ridge");  /* W1 moved since the fit */
  double *A = calloc(30 * 63, sizeof(double));
  expect(deq_twolayer_top_left(tl, A, u), DEQ_EBADFUNC, "zero");
  A[17] = NAN;
  expect(deq_twolayer_top_left(tl, A, u), DEQ_EBADFUNC, "A");
  free(A);
  deq_twolayer_free(tl);
  deq_set_error_handler(old);
}

/* Activation overflow: He3 coefficient 1e308 gives inf for |x| > ~2.2. */
static void test_nonfinite(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_twolayer_spec s = small_spec(30, 40, 50, "tanh", "poly:0,0,0,1e308");
  deq_twolayer *tl = alloc_ok(&s);
  expect(deq_twolayer_draw(tl, 1, 0), DEQ_EBADFUNC, "yg");
  expect(deq_twolayer_step(tl, 1.0, 0), DEQ_EINVAL, "draw");
  deq_twolayer_free(tl);
  s = small_spec(30, 40, 50, "poly:0,0,0,1e308", "poly:0,1");
  tl = alloc_ok(&s);
  expect(deq_twolayer_draw(tl, 1, 0), DEQ_EBADFUNC, "sigma(Xg W0)");
  deq_twolayer_free(tl);
  deq_set_error_handler(old);
}

static void test_timing(void **state)
{
  (void) state;
  deq_twolayer_spec s = small_spec(30, 40, 50, "tanh", "poly:0,1,0.5");
  deq_twolayer_times t;
  deq_twolayer *tl = alloc_ok(&s);
  deq_twolayer_timing(tl, &t);
  assert_true(t.total == 0 && t.blas == 0 && t.rng == 0);
  assert_int_equal(deq_twolayer_draw(tl, 1, 1), DEQ_SUCCESS);
  fit_ok(tl, 1.0, 0.1);
  deq_twolayer_timing(tl, &t);
  assert_true(t.blas > 0 && t.rng > 0 && t.blas + t.rng <= t.total);
  deq_twolayer_free(tl);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gradient_fd),
    cmocka_unit_test(test_ridge_forms_agree),
    cmocka_unit_test(test_ridge_normal_equations),
    cmocka_unit_test(test_ridge_to_least_squares),
    cmocka_unit_test(test_min_norm_interpolator),
    cmocka_unit_test(test_step),
    cmocka_unit_test(test_paired_and_reproducible),
    cmocka_unit_test(test_draw_order),
    cmocka_unit_test(test_thread_count),
    cmocka_unit_test(test_align_planted),
    cmocka_unit_test(test_top_left_vs_gesdd),
    cmocka_unit_test(test_alloc_errors),
    cmocka_unit_test(test_call_errors),
    cmocka_unit_test(test_nonfinite),
    cmocka_unit_test(test_timing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
